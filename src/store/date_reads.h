#pragma once
// Internal to store/: the history reads by trading date on a bare connection, shared by the
// store's own connection, the read-only one of --dry-run and the health rows (reads.cpp).
#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <vector>

#include "orchestrator/store/date_queries.h"
#include "orchestrator/store/health_queries.h"

namespace orch::store_detail {

// A task's successful attempts that can hold its newest data (TaskHealthRow::newest_successes).
std::vector<SuccessRun> newest_successes(SQLite::Database& db, const std::string& task);

DateHistory date_history(SQLite::Database& db, const std::vector<std::string>& tasks,
                         const std::string& from, const std::string& to);

}  // namespace orch::store_detail
