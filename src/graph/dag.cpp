// Cycle detection and tiers over a schedule's dependency graph. Iterative depth-first
// searches, so a long dependency chain cannot overflow the stack; out-of-range indices are
// ignored rather than trusted.
#include "orchestrator/graph/dag.h"

#include <algorithm>
#include <climits>
#include <map>
#include <utility>

namespace orch {
namespace {

enum class Visit : char { New, OnPath, Done };

bool valid_index(const std::vector<GraphNode>& nodes, int i) {
  return i >= 0 && static_cast<std::size_t>(i) < nodes.size();
}

// The current path of a depth-first search: (node, index of the next dependency to follow).
using Path = std::vector<std::pair<int, std::size_t>>;

// Depth-first search from every node in index order, following dependencies in their order.
// A node is marked Done, then given to on_done(node, state), once each of its dependencies is
// Done or on the path. A dependency found on the path (a cycle) is given to on_cycle(path, dep),
// which stops the search by returning true. Returns whether the search was stopped.
template <typename OnDone, typename OnCycle>
bool depth_first(const std::vector<GraphNode>& nodes, OnDone on_done, OnCycle on_cycle) {
  const int n = static_cast<int>(nodes.size());
  std::vector<Visit> state(nodes.size(), Visit::New);
  Path path;
  for (int root = 0; root < n; ++root) {
    if (state[root] != Visit::New) continue;
    path.emplace_back(root, 0);
    state[root] = Visit::OnPath;
    while (!path.empty()) {
      auto& [node, next] = path.back();
      const auto& deps = nodes[node].deps;
      if (next == deps.size()) {
        state[node] = Visit::Done;
        on_done(node, state);
        path.pop_back();
        continue;
      }
      const int dep = deps[next++];
      if (!valid_index(nodes, dep) || state[dep] == Visit::Done) continue;
      if (state[dep] == Visit::New) {
        state[dep] = Visit::OnPath;
        path.emplace_back(dep, 0);
        continue;
      }
      if (on_cycle(std::as_const(path), dep)) return true;
    }
  }
  return false;
}

}  // namespace

std::optional<std::vector<int>> find_cycle(const std::vector<GraphNode>& nodes) {
  std::vector<int> cycle;
  const bool found = depth_first(
      nodes, [](int, const std::vector<Visit>&) {},
      [&](const Path& path, int dep) {
        // dep is on the path: the cycle is the path from dep to here, back to dep.
        auto it =
            std::find_if(path.begin(), path.end(), [&](const auto& p) { return p.first == dep; });
        for (; it != path.end(); ++it) cycle.push_back(it->first);
        // Start at the node that comes first in the file, so the report is stable.
        std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
        cycle.push_back(cycle.front());
        return true;
      });
  if (!found) return std::nullopt;
  return cycle;
}

std::vector<int> compute_tiers(const std::vector<GraphNode>& nodes) {
  std::vector<int> tiers(nodes.size(), 0);
  auto finish = [&](int node, const std::vector<Visit>& state) {
    if (nodes[node].explicit_tier) {
      tiers[node] = *nodes[node].explicit_tier;
      return;
    }
    int tier = 0;
    for (const int dep : nodes[node].deps) {
      if (!valid_index(nodes, dep) || state[dep] != Visit::Done) continue;  // cycle: ignored
      tier = std::max(tier, tiers[dep] == INT_MAX ? INT_MAX : tiers[dep] + 1);
    }
    tiers[node] = tier;
  };
  depth_first(nodes, finish, [](const Path&, int) { return false; });  // a cycle: ignored
  return tiers;
}

std::vector<std::vector<int>> group_by_tier(const std::vector<int>& tiers) {
  std::map<int, std::vector<int>> by_tier;
  for (std::size_t i = 0; i < tiers.size(); ++i) by_tier[tiers[i]].push_back(static_cast<int>(i));
  std::vector<std::vector<int>> groups;
  groups.reserve(by_tier.size());
  for (auto& [tier, members] : by_tier) groups.push_back(std::move(members));
  return groups;
}

std::string format_cycle(const std::vector<GraphNode>& nodes, const std::vector<int>& cycle) {
  std::string out;
  for (const int i : cycle) {
    if (!out.empty()) out += " -> ";
    out += valid_index(nodes, i) ? nodes[i].name : "?";
  }
  return out;
}

}  // namespace orch
