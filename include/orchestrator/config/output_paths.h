#pragma once
// The files the orchestrator writes (the database with its -wal, -shm and lock files, the log
// folder and its orchestrator.log, metrics_file) must not be one another or the pipeline
// file: a metrics_file naming the database would replace the run history with Prometheus
// text. Files are compared by identity (device and inode, through symlinks and hard links)
// when they exist, by their resolved paths when they do not yet.
#include <string>
#include <vector>

#include "orchestrator/config/config.h"
#include "orchestrator/config/loader.h"

namespace orch {

// One error per clash, at the line of the setting that causes it (0 when that path came from
// the command line: `database_from` then names the option, e.g. "--db").
std::vector<ConfigDiagnostic> check_output_paths(const PipelineConfig& config,
                                                 const std::string& file_label,
                                                 const std::string& database_from = "database");

}  // namespace orch
