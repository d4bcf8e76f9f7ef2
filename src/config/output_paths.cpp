// Clashes between the paths the orchestrator writes, and with the pipeline file.
#include "orchestrator/config/output_paths.h"

#include <filesystem>
#include <optional>

namespace orch {
namespace {

namespace fs = std::filesystem;

// The same file: by device and inode when both exist, else by the resolved path (symlinks in
// the existing part of the path followed), so a file not created yet still clashes.
bool same_file(const fs::path& a, const fs::path& b) {
  if (a.empty() || b.empty()) return false;  // not set (e.g. a pipeline read from a pipe)
  std::error_code ea, eb;
  const bool a_exists = fs::exists(a, ea);
  const bool b_exists = fs::exists(b, eb);
  if (a_exists && b_exists) {
    std::error_code ec;
    const bool eq = fs::equivalent(a, b, ec);
    return !ec && eq;
  }
  if (a_exists != b_exists) return false;
  std::error_code ca, cb;
  const fs::path ra = fs::weakly_canonical(a, ca);
  const fs::path rb = fs::weakly_canonical(b, cb);
  return (ca ? a.lexically_normal() : ra) == (cb ? b.lexically_normal() : rb);
}

// One path the orchestrator writes, and the setting it comes from.
struct Output {
  std::string setting;  // "metrics_file", "log_dir", "database" or a command-line option
  std::string what;     // how the message names it: "the database", "the log folder", ...
  fs::path path;
  int line = 0;  // the setting's line, 0 when it is the default or the command line
};

// The database's own files: the file, its -wal, -shm and -journal, and the
// "<database>.<mode>.lock" files next to it.
bool is_database_file(const fs::path& p, const fs::path& db) {
  if (p.empty() || db.empty()) return false;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    if (same_file(p, fs::path(db.string() + suffix))) return true;
  }
  const std::string name = p.filename().string();
  const std::string prefix = db.filename().string() + ".";
  const std::string lock = ".lock";
  return name.size() > prefix.size() + lock.size() && name.compare(0, prefix.size(), prefix) == 0 &&
         name.compare(name.size() - lock.size(), lock.size(), lock) == 0 &&
         same_file(p.parent_path(), db.parent_path());
}

}  // namespace

std::vector<ConfigDiagnostic> check_output_paths(const PipelineConfig& config,
                                                 const std::string& file_label,
                                                 const std::string& database_from) {
  auto line_of = [&](const std::string& key) {
    const auto it = config.setting_lines.find(key);
    return it == config.setting_lines.end() ? 0 : it->second;
  };
  const Output db{database_from,
                  database_from == "database" ? std::string("the status database")
                                              : "the status database given by " + database_from,
                  config.database, database_from == "database" ? line_of("database") : 0};
  const Output logs{"log_dir", "the log folder", config.log_dir, line_of("log_dir")};
  const Output log_file{"log_dir", "the log folder's orchestrator.log",
                        config.log_dir.empty() ? fs::path() : config.log_dir / "orchestrator.log",
                        line_of("log_dir")};
  std::optional<Output> metrics;
  if (config.metrics_file) {
    metrics =
        Output{"metrics_file", "the metrics file", *config.metrics_file, line_of("metrics_file")};
  }

  std::vector<ConfigDiagnostic> out;
  // `culprit` is named first and blamed; when it carries no line (a default), `other` is.
  auto clash = [&](const Output& culprit, const Output& other, const std::string& consequence) {
    const Output& blamed = culprit.line > 0 || other.line == 0 ? culprit : other;
    ConfigDiagnostic d;
    d.file = file_label;
    d.line = blamed.line;
    d.message = culprit.setting + " " + culprit.path.string() + " is the same file as " +
                other.what + " (" + other.path.string() + "): " + consequence;
    d.hint = "give " + blamed.setting + " a path of its own";
    out.push_back(std::move(d));
  };

  const Output pipeline{"", "the pipeline file", config.file, 0};
  for (const Output* o : {&db, &logs, &log_file}) {
    if (same_file(o->path, config.file)) {
      clash(*o, pipeline, "the orchestrator would overwrite the pipeline file");
    }
  }
  if (metrics && same_file(metrics->path, config.file)) {
    clash(*metrics, pipeline, "each run would replace the pipeline file with metrics");
  }
  if (metrics && is_database_file(metrics->path, config.database)) {
    clash(*metrics, db, "each run would replace the run history with metrics");
  }
  if (metrics && (same_file(metrics->path, logs.path) || same_file(metrics->path, log_file.path))) {
    clash(*metrics, same_file(metrics->path, logs.path) ? logs : log_file,
          "metrics and logs would overwrite each other");
  }
  // The log folder may hold the database; it may not be the database or one of its files.
  if (is_database_file(logs.path, config.database)) {
    clash(logs, db, "the log folder cannot be the database");
  } else if (is_database_file(log_file.path, config.database)) {
    clash(db, log_file, "the orchestrator's log would be written into the database");
  }
  return out;
}

}  // namespace orch
