#pragma once
// Helpers of the config/ tests (test_config.cpp, test_config_tasks.cpp): load a pipeline
// file's text as if read from a fixed path, and check refusals.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "orchestrator/config/loader.h"

namespace orch::test {

inline const std::filesystem::path kFile = "/orch-test-nowhere/pipeline.yaml";

inline LoadResult load(const std::string& text) { return load_config_text(text, kFile); }

inline bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The single error of a refused file (fails the test when there is not exactly one).
inline ConfigDiagnostic single_error(const LoadResult& result) {
  for (const auto& e : result.errors) INFO(e.format());
  CHECK_FALSE(result.config.has_value());
  REQUIRE(result.errors.size() == 1);
  return result.errors.front();
}

}  // namespace orch::test
