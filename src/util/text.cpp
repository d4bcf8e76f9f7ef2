#include "orchestrator/util/text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <numeric>
#include <vector>

namespace orch {

std::string in_quotes(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  // Three rows of the (n+1) x (m+1) table: two back for the transposition.
  const std::size_t m = b.size();
  std::vector<std::size_t> before(m + 1), prev(m + 1), cur(m + 1);
  std::iota(prev.begin(), prev.end(), 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        cur[j] = std::min(cur[j], before[j - 2] + 1);
      }
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

namespace {

template <class Strings>
std::optional<std::string> nearest_in(std::string_view word, const Strings& candidates) {
  constexpr std::size_t kLongest = 128;
  constexpr std::size_t kPrefixMin = 4;
  if (word.empty() || word.size() > kLongest) return std::nullopt;
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    const std::string_view c{candidate};
    if (c.size() > kLongest || c == word) continue;
    const std::size_t distance = edit_distance(word, c);
    const std::size_t allowed = std::min<std::size_t>(3, std::max<std::size_t>(1, c.size() / 2));
    if (distance <= allowed && (!best || distance < best_distance)) {
      best = std::string(c);
      best_distance = distance;
    }
  }
  if (best || word.size() < kPrefixMin) return best;
  for (const auto& candidate : candidates) {
    const std::string_view c{candidate};
    if (c.size() > word.size() && c.starts_with(word)) return std::string(c);
  }
  return std::nullopt;
}

// Characters a POSIX shell reads literally in an unquoted word.
bool is_plain_shell_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("_-./,:=+@%").find(c) != std::string_view::npos;
}

}  // namespace

std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string> candidates) {
  return nearest_in(word, candidates);
}

std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates) {
  return nearest_in(word, candidates);
}

std::string did_you_mean(const std::optional<std::string>& suggestion) {
  return suggestion ? "did you mean " + in_quotes(*suggestion) + "?" : "";
}

std::string_view trim_space(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::string escape_markup(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string shell_quote(std::string_view word) {
  if (!word.empty() && std::all_of(word.begin(), word.end(), is_plain_shell_char)) {
    return std::string(word);
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";  // close, escaped quote, reopen
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::optional<char32_t> next_code_point(std::string_view s, std::size_t& pos) {
  const auto c = static_cast<unsigned char>(s[pos]);
  if (c < 0x80) {
    ++pos;
    return c;
  }
  // Length and the smallest code point of a lead byte; 0 marks an invalid lead.
  const std::size_t len = c >= 0xF0 && c <= 0xF4  ? 4
                          : c >= 0xE0 && c < 0xF0 ? 3
                          : c >= 0xC2 && c < 0xE0 ? 2
                                                  : 0;
  bool valid = len > 0 && pos + len <= s.size();
  char32_t cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
  for (std::size_t k = 1; valid && k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[pos + k]);
    valid = (cc & 0xC0) == 0x80;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (valid) {
    valid = (len == 3 && cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) ||
            (len == 4 && cp >= 0x10000 && cp <= 0x10FFFF) || len == 2;
  }
  if (!valid) {
    ++pos;
    return std::nullopt;
  }
  pos += len;
  return cp;
}

std::string to_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t start = i;
    const auto cp = next_code_point(s, i);
    if (!cp) {
      out += "\xEF\xBF\xBD";                  // U+FFFD
    } else if (*cp >= 0x20 || *cp == '\t') {  // C0 controls but tab are dropped
      out.append(s.substr(start, i - start));
    }
  }
  return out;
}

bool is_control(char32_t c) {
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029;
}

std::string escape_controls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t start = i;
    const auto cp = next_code_point(s, i);
    if (!cp || !is_control(*cp)) {
      out.append(s.substr(start, i - start));
      continue;
    }
    char buf[16];
    switch (*cp) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        std::snprintf(buf, sizeof buf, *cp < 0x100 ? "\\x%02x" : "\\u%04x",
                      static_cast<unsigned>(*cp));
        out += buf;
    }
  }
  return out;
}

bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  const auto in = [c](char32_t lo, char32_t hi) { return c >= lo && c <= hi; };
  return !(in(0x80, 0xBF) || c == 0xD7 || c == 0xF7 ||  // C1, Latin-1 punctuation, × ÷
           in(0x2000, 0x2BFF) ||                        // punctuation, symbols, arrows, shapes
           in(0x3000, 0x303F) ||                        // CJK symbols and punctuation
           in(0xD800, 0xF8FF) ||                        // surrogates, private use
           in(0xFE00, 0xFE6F) ||                        // variation selectors, small forms
           in(0xFF00, 0xFF0F) || in(0xFF1A, 0xFF20) || in(0xFF3B, 0xFF40) || in(0xFF5B, 0xFF65) ||
           in(0xFFF0, 0xFFFF) ||   // fullwidth punctuation, specials
           in(0x1F000, 0x1FBFF));  // emoji and other pictographs
}

std::size_t utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

}  // namespace orch
