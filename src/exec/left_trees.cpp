// Ending a dead orchestrator's leftover task processes: found in /proc by the recorded
// group and start time, and by the environment every task is started with.
#include "orchestrator/exec/left_trees.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "proc_tree.h"

namespace orch {

EndedTrees end_left_trees(const std::vector<LeftTree>& trees, const std::string& database,
                          Millis wait) {
  EndedTrees out;
  if (trees.empty()) return out;
  const std::vector<detail::ProcInfo> all = detail::list_processes();
  std::map<pid_t, const detail::ProcInfo*> by_pid;
  for (const auto& info : all) by_pid.emplace(info.pid, &info);
  std::set<pid_t> spared;  // this process and its ancestors
  for (pid_t pid = ::getpid(); pid > 1 && spared.insert(pid).second;) {
    const auto it = by_pid.find(pid);
    if (it == by_pid.end()) break;
    pid = it->second->ppid;
  }
  // The earliest recorded start of each dead run: its processes cannot be older.
  std::map<std::int64_t, std::uint64_t> run_start;
  for (const LeftTree& t : trees) {
    auto [it, added] = run_start.emplace(t.run_id, t.start);
    if (!added && t.start < it->second) it->second = t.start;
  }
  const std::string db_entry = "ORCHESTRATOR_DB=" + database;
  detail::Members victims;
  for (const detail::ProcInfo& info : all) {
    if (spared.count(info.pid) != 0) continue;
    bool ours = false;
    for (const LeftTree& t : trees) {
      if (info.pid == static_cast<pid_t>(t.pgid) && info.start == t.start) ours = true;
    }
    if (!ours) {
      for (const auto& [run, start] : run_start) {
        if (info.start >= start && detail::environ_has(info.pid, db_entry) &&
            detail::environ_has(info.pid, "ORCHESTRATOR_RUN_ID=" + std::to_string(run))) {
          ours = true;
          break;
        }
      }
    }
    if (ours) victims.emplace(info.pid, info.start);
  }
  out.killed = detail::signal_members(victims, SIGKILL);
  const auto give_up = std::chrono::steady_clock::now() + wait;
  for (;;) {
    std::erase_if(victims,
                  [](const auto& v) { return detail::process_start(v.first) != v.second; });
    if (victims.empty() || std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  out.survivors = static_cast<int>(victims.size());
  return out;
}

}  // namespace orch
