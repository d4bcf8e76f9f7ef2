// graph/dag: cycles, computed tiers and grouping.
#include <doctest/doctest.h>

#include "orchestrator/graph/dag.h"

using namespace orch;

namespace {

GraphNode node(std::string name, std::vector<int> deps, std::optional<int> tier = std::nullopt) {
  return GraphNode{std::move(name), std::move(deps), tier};
}

}  // namespace

TEST_CASE("find_cycle finds nothing in an acyclic graph") {
  const std::vector<GraphNode> diamond = {node("A", {}), node("B", {0}), node("C", {0}),
                                          node("D", {1, 2})};
  CHECK_FALSE(find_cycle(diamond).has_value());
  CHECK_FALSE(find_cycle({}).has_value());
}

TEST_CASE("find_cycle returns the cycle starting at its earliest node") {
  // A depends on C, B on A, C on B: A -> C -> B -> A
  const std::vector<GraphNode> nodes = {node("A", {2}), node("B", {0}), node("C", {1})};
  const auto cycle = find_cycle(nodes);
  REQUIRE(cycle.has_value());
  CHECK(*cycle == std::vector<int>{0, 2, 1, 0});
  CHECK(format_cycle(nodes, *cycle) == "A -> C -> B -> A");
}

TEST_CASE("find_cycle reports only the nodes on the cycle") {
  // X depends on Y; Y and Z depend on each other
  const std::vector<GraphNode> nodes = {node("X", {1}), node("Y", {2}), node("Z", {1})};
  const auto cycle = find_cycle(nodes);
  REQUIRE(cycle.has_value());
  CHECK(format_cycle(nodes, *cycle) == "Y -> Z -> Y");
}

TEST_CASE("find_cycle sees a task depending on itself") {
  const std::vector<GraphNode> nodes = {node("A", {}), node("Self", {1})};
  const auto cycle = find_cycle(nodes);
  REQUIRE(cycle.has_value());
  CHECK(format_cycle(nodes, *cycle) == "Self -> Self");
}

TEST_CASE("compute_tiers: 1 + highest dependency tier, explicit tiers kept") {
  const std::vector<GraphNode> nodes = {
      node("Assets", {}),            // 0
      node("Prices", {0}),           // 1
      node("Fundamentals", {0}, 5),  // explicit 5
      node("Features", {1, 2}),      // 1 + max(1, 5) = 6
      node("Lonely", {}),            // 0
  };
  CHECK(compute_tiers(nodes) == std::vector<int>{0, 1, 5, 6, 0});
}

TEST_CASE("compute_tiers does not depend on the order of the nodes") {
  // dependencies listed after their dependents
  const std::vector<GraphNode> nodes = {node("C", {1}), node("B", {2}), node("A", {})};
  CHECK(compute_tiers(nodes) == std::vector<int>{2, 1, 0});
}

TEST_CASE("compute_tiers and find_cycle survive a very long chain") {
  std::vector<GraphNode> chain;
  const int length = 200'000;
  for (int i = 0; i < length; ++i) {
    chain.push_back(
        node("t" + std::to_string(i), i == 0 ? std::vector<int>{} : std::vector<int>{i - 1}));
  }
  CHECK_FALSE(find_cycle(chain).has_value());
  const auto tiers = compute_tiers(chain);
  CHECK(tiers.back() == length - 1);
  chain.front().deps.push_back(length - 1);
  const auto cycle = find_cycle(chain);
  REQUIRE(cycle.has_value());
  CHECK(cycle->size() == static_cast<std::size_t>(length + 1));
}

TEST_CASE("out-of-range dependency indices are ignored") {
  const std::vector<GraphNode> nodes = {node("A", {7, -1}), node("B", {0})};
  CHECK_FALSE(find_cycle(nodes).has_value());
  CHECK(compute_tiers(nodes) == std::vector<int>{0, 1});
}

TEST_CASE("group_by_tier: ascending tiers, file order within, empty tiers left out") {
  const auto groups = group_by_tier({2, 0, 5, 0, 2});
  REQUIRE(groups.size() == 3);
  CHECK(groups[0] == std::vector<int>{1, 3});
  CHECK(groups[1] == std::vector<int>{0, 4});
  CHECK(groups[2] == std::vector<int>{2});
  CHECK(group_by_tier({}).empty());
}
