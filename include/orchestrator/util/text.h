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

// `text` without the spaces, tabs and line ends around it.
std::string_view trim_space(std::string_view text);

// `text` with & < > " ' as character references: safe in HTML and XML text and in attribute
// values of either quote (the page, the launchd plists).
std::string escape_markup(std::string_view text);

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
