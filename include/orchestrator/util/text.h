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

// `s` as valid UTF-8 text: invalid bytes become U+FFFD, NUL and other C0 controls but tab
// are dropped (a task's output may be anything; the database stores text).
std::string to_valid_utf8(std::string_view s);

}  // namespace orch
