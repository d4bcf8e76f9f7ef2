#include "orchestrator/util/text.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <numeric>

namespace orch {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      const std::size_t next = std::min({row[j] + 1, row[j - 1] + 1, diag + (same ? 0 : 1)});
      diag = row[j];
      row[j] = next;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (!best || d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  const std::size_t limit = std::max<std::size_t>(2, std::min<std::size_t>(4, word.size() / 2));
  if (best && best_distance <= limit) return best;
  return std::nullopt;
}

std::optional<char32_t> next_code_point(std::string_view s, std::size_t& pos) {
  const auto c = static_cast<unsigned char>(s[pos]);
  if (c < 0x80) {
    ++pos;
    return c;
  }
  // Length and the smallest code point of a lead byte; 0 marks an invalid lead.
  const std::size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
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
      out += "\xEF\xBF\xBD";  // U+FFFD
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
        std::snprintf(buf, sizeof buf, *cp < 0x100 ? "\\x%02x" : "\\u%04x", static_cast<unsigned>(*cp));
        out += buf;
    }
  }
  return out;
}

bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  const auto in = [c](char32_t lo, char32_t hi) { return c >= lo && c <= hi; };
  return !(in(0x80, 0xBF) || c == 0xD7 || c == 0xF7 ||  // C1, Latin-1 punctuation, × ÷
           in(0x2000, 0x2BFF) ||                          // punctuation, symbols, arrows, shapes
           in(0x3000, 0x303F) ||                          // CJK symbols and punctuation
           in(0xD800, 0xF8FF) ||                          // surrogates, private use
           in(0xFE00, 0xFE6F) ||                          // variation selectors, small forms
           in(0xFF00, 0xFF0F) || in(0xFF1A, 0xFF20) || in(0xFF3B, 0xFF40) ||
           in(0xFF5B, 0xFF65) || in(0xFFF0, 0xFFFF) ||    // fullwidth punctuation, specials
           in(0x1F000, 0x1FBFF));                         // emoji and other pictographs
}

std::size_t utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

}  // namespace orch
