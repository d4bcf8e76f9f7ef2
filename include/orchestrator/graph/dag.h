#pragma once
// The task graph of one schedule: dependency edges, cycle detection and tiers. Pure: names
// and indices in, indices out; callers attach lines and messages.
#include <optional>
#include <string>
#include <vector>

namespace orch {

struct GraphNode {
  std::string name;
  std::vector<int> deps;  // indices of the tasks this one depends on
  std::optional<int> explicit_tier;
};

// A cycle as a path of indices whose last element equals its first (A -> B -> A), if any.
std::optional<std::vector<int>> find_cycle(const std::vector<GraphNode>& nodes);

// Tier of every node: explicit_tier if set, else 1 + the highest tier of its deps (0 if
// none). Requires an acyclic graph.
std::vector<int> compute_tiers(const std::vector<GraphNode>& nodes);

// Node indices grouped by tier, tiers ascending, nodes in their original order within a
// tier; empty tiers are left out.
std::vector<std::vector<int>> group_by_tier(const std::vector<int>& tiers);

// "A -> B -> A"
std::string format_cycle(const std::vector<GraphNode>& nodes, const std::vector<int>& cycle);

}  // namespace orch
