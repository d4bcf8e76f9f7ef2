#pragma once
// The Prometheus textfile (node_exporter textfile-collector format) with the state of every
// task and data source; app/ rewrites it with util/atomic_write.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/config/config.h"
#include "orchestrator/health/freshness.h"
#include "orchestrator/store/health_queries.h"

namespace orch {

// A label value with \, " and newline escaped as the exposition format requires.
std::string escape_label_value(std::string_view value);

// The file's text: HELP and TYPE before each family's samples, one series each, tasks of the
// pipeline file in file order (a task without a row counts as PENDING), sources by name.
// Samples without a value (never succeeded, never finished) are left out, not written as 0.
std::string render_metrics(const PipelineConfig& config, const std::vector<TaskHealthRow>& rows,
                           const std::vector<SourceFreshness>& sources, WallTime now);

}  // namespace orch
