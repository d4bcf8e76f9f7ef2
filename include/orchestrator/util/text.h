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

// The code point of UTF-8 text `s` at `pos` (pos < s.size()), advancing `pos` past it; an
// invalid or truncated sequence gives nullopt and advances one byte.
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& pos);

// C0 controls, DEL, C1 controls and the Unicode line/paragraph separators: what could end a
// log line or move the cursor when printed.
bool is_control(char32_t c);
// `s` with every is_control character written as \n, \r, \t, \x1b or \u2028, so text from
// a file or the command line cannot forge or rewrite a line of our output.
std::string escape_controls(std::string_view s);

// A letter or digit of any script, for names made from task names (snake_case): ASCII
// letters and digits, and every non-ASCII character except the blocks of punctuation,
// symbols and spaces (Latin-1 punctuation and × ÷, General Punctuation to Misc. Symbols
// and Arrows U+2000-2BFF, CJK punctuation U+3000-303F, fullwidth punctuation, variation
// selectors, private use, emoji U+1F000-1FBFF). Combining marks count as letters.
bool is_word_char(char32_t c);

// The longest prefix of `s` of at most `max_bytes` that does not cut a UTF-8 sequence.
std::size_t utf8_prefix(std::string_view s, std::size_t max_bytes);

// `s` as valid UTF-8 text: invalid bytes become U+FFFD, NUL and other C0 controls but tab
// are dropped (a task's output may be anything; the database stores text).
std::string to_valid_utf8(std::string_view s);

}  // namespace orch
