#pragma once
// Small text helpers shared by the layers, one copy each: quoting a value in a message,
// "did you mean" suggestions, shell quoting, and making a task's output valid UTF-8.
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace orch {

// 'text' in single quotes, as messages show a name or value the user wrote.
std::string in_quotes(std::string_view text);

// Optimal string alignment distance (a swap of two neighbours counts as one edit),
// case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, when it is a plausible typo of it. The one rule, for the
// pipeline file and the command line alike: at most min(3, max(1, len/2)) edits, len being
// the candidate's length; failing that, for a word of 4 or more characters, the first
// candidate that starts with it ("timeout" -> "timeout_seconds"). Never `word` itself, and
// nothing for words longer than 128 characters (not typos worth the quadratic cost).
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string> candidates);
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates);
// "did you mean 'x'?" for a suggestion, "" for none.
std::string did_you_mean(const std::optional<std::string>& suggestion);

// One POSIX shell word: `word` itself when every character is read literally by sh
// (letters, digits and _-./,:=+@%), else in single quotes (a ' becomes '\''). "" -> ''.
std::string shell_quote(std::string_view word);

// `s` as valid UTF-8 text: invalid bytes become U+FFFD, NUL and other C0 controls but tab
// are dropped (a task's output may be anything; the database stores text).
std::string to_valid_utf8(std::string_view s);

}  // namespace orch
