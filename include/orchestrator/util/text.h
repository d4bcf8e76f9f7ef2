#pragma once
// Small text helpers shared by the layers: "did you mean" suggestions.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orch {

// Levenshtein distance, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate nearest to `word`, if it is close enough to be a plausible typo.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

}  // namespace orch
