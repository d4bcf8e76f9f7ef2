#pragma once
// Reads what a task reported in its log: the last RECORDS_PROCESSED=<n> and DATA_AS_OF=<t>
// lines (last wins) and the last non-empty line. Streams the file; any size works.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace orch {

struct OutputReport {
  std::optional<std::int64_t> records_processed;
  std::optional<std::string> data_as_of;
  std::string last_line;  // trimmed, at most 500 bytes
};

OutputReport scan_output(const std::filesystem::path& log_file);

}  // namespace orch
