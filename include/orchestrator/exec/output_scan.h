#pragma once
// Reads what a task reported in its log: the last RECORDS_PROCESSED=<n> and DATA_AS_OF=<t>
// lines (last wins) and the last non-empty line. Streams the file; any size works. A DATA_AS_OF
// that is neither ISO 8601 (with or without an offset) nor a date is ignored, and said so.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace orch {

struct OutputReport {
  std::optional<std::int64_t> records_processed;
  std::optional<std::string> data_as_of;          // the last one that names an instant
  std::optional<std::string> data_as_of_problem;  // why the last DATA_AS_OF line was ignored
  std::string last_line;                          // trimmed, at most 500 bytes
};

OutputReport scan_output(const std::filesystem::path& log_file);

}  // namespace orch
