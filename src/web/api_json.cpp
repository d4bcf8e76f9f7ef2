// JSON of the runs endpoints: times ISO 8601 UTC, absent values null.
#include "orchestrator/web/api_json.h"

#include <nlohmann/json.hpp>

namespace orch::web {
namespace {

using Json = nlohmann::ordered_json;

Json time_or_null(const std::optional<WallTime>& t) {
  return t ? Json(format_iso_utc(*t)) : Json(nullptr);
}

Json run_object(const RunRow& r) {
  return Json{
      {"id", r.id},
      {"mode", r.mode},
      {"started_at", time_or_null(r.started_at)},
      {"ended_at", time_or_null(r.ended_at)},
      {"status", to_string(r.status)},
      {"trading_date", r.trading_date.empty() ? Json(nullptr) : Json(r.trading_date)},
      {"tasks", {{"succeeded", r.succeeded}, {"failed", r.failed}, {"skipped", r.skipped}}}};
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

std::string runs_json(const std::vector<RunRow>& runs) {
  Json list = Json::array();
  for (const auto& r : runs) list.push_back(run_object(r));
  return dump(Json{{"runs", list}});
}

std::string run_json(const RunRow& run, const std::vector<AttemptRow>& attempts) {
  Json out = run_object(run);
  Json list = Json::array();
  for (const auto& a : attempts) {
    list.push_back(
        {{"task", a.task},
         {"attempt", a.attempt},
         {"status", to_string(a.status)},
         {"started_at", time_or_null(a.started_at)},
         {"ended_at", time_or_null(a.ended_at)},
         {"exit_code", a.exit_code ? Json(*a.exit_code) : Json(nullptr)},
         {"records_processed", a.records_processed ? Json(*a.records_processed) : Json(nullptr)},
         {"error", a.error.empty() ? Json(nullptr) : Json(a.error)},
         {"slurm_job_id", a.slurm_job_id ? Json(*a.slurm_job_id) : Json(nullptr)}});
  }
  out["attempts"] = list;
  return dump(out);
}

}  // namespace orch::web
