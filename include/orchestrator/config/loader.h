#pragma once
// Reads dependency_graph.yaml into a PipelineConfig, refusing bad files with diagnostics
// that name the file, the line, the task and a fix.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/config/config.h"

namespace orch {

struct ConfigDiagnostic {
  std::string file;     // as given on the command line
  int line = 0;         // 1-based; 0 when no line applies (e.g. file not readable)
  std::string task;     // empty when not about one task
  std::string message;  // what is wrong
  std::string hint;     // how to fix it; may be empty
  // "dependency_graph.yaml:12: task 'News Events': unknown key 'dependncies' (did you mean
  // 'dependencies'?)"
  std::string format() const;
};

struct LoadResult {
  std::optional<PipelineConfig> config;           // set when there are no errors
  std::vector<ConfigDiagnostic> errors;           // any: refuse (exit 2)
  std::vector<ConfigDiagnostic> missing_scripts;  // --validate refuses; run modes warn only
  std::vector<ConfigDiagnostic> warnings;         // e.g. a threshold for a source no task writes
};

LoadResult load_config(const std::filesystem::path& file);
// Same, from text (for tests); `file` only names it in diagnostics and anchors relative paths.
LoadResult load_config_text(const std::string& text, const std::filesystem::path& file);
// `folder_known` false: the text came from a pipe or device (PipelineConfig::folder_known).
LoadResult load_config_text(const std::string& text, const std::filesystem::path& file,
                            bool folder_known);

}  // namespace orch
