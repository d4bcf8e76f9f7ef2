// The source_freshness table: the last recorded colour of each data source, so that "turned
// red" is noticed once per transition. Written in one BEGIN IMMEDIATE transaction so that two
// processes checking at once cannot both see the same red transition.
#include <map>
#include <set>

#include "connection.h"

namespace orch {

using store_detail::Connection;
using store_detail::Stmt;

Expected<std::vector<std::string>> StatusStore::record_source_freshness(
    const std::vector<SourceRecord>& records, WallTime now) {
  Connection& c = *conn_;
  const std::string checked = format_db_time(now);
  return store_detail::write<std::vector<std::string>>(
      c, "cannot record the freshness of the data sources",
      [&]() -> Expected<std::vector<std::string>> {
        std::map<std::string, std::string> before;
        {
          Stmt q(c, "SELECT source, status FROM source_freshness");
          while (q->executeStep()) {
            before[q->getColumn(0).getString()] =
                q->getColumn(1).isNull() ? "" : q->getColumn(1).getString();
          }
        }
        std::vector<std::string> turned_red;
        std::set<std::string> current;
        for (const auto& r : records) {
          current.insert(r.source);
          Stmt up(c, R"sql(
              INSERT INTO source_freshness (source, status, age_seconds, last_success,
                                            checked_at, data_as_of)
              VALUES (:source, :status, :age, :last, :checked, :as_of)
              ON CONFLICT (source) DO UPDATE SET status = excluded.status,
                  age_seconds = excluded.age_seconds, last_success = excluded.last_success,
                  checked_at = excluded.checked_at, data_as_of = excluded.data_as_of)sql");
          up->bind(":source", r.source);
          up->bind(":status", r.status);
          store_detail::bind_opt(*up, ":age", r.age_seconds);
          store_detail::bind_time(*up, ":last", r.last_success);
          up->bind(":checked", checked);
          store_detail::bind_time(*up, ":as_of", r.data_as_of);
          up->exec();
          auto it = before.find(r.source);
          if (r.status == "red" && (it == before.end() || it->second != "red")) {
            turned_red.push_back(r.source);
          }
        }
        // Sources no longer in the pipeline file leave the table.
        for (const auto& [source, status] : before) {
          if (current.contains(source)) continue;
          Stmt del(c, "DELETE FROM source_freshness WHERE source = :source");
          del->bind(":source", source);
          del->exec();
        }
        return turned_red;
      });
}

Expected<std::string> StatusStore::stored_source_status(const std::string& source) {
  try {
    Stmt q(*conn_, "SELECT status FROM source_freshness WHERE source = :source");
    q->bind(":source", source);
    if (!q->executeStep() || q->getColumn(0).isNull()) return std::string();
    return q->getColumn(0).getString();
  } catch (const std::exception& e) {
    return store_detail::db_error(conn_->db(), "cannot read the freshness of " + source, e);
  }
}

}  // namespace orch
