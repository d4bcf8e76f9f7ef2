// Listening address, Host and bearer-token rules of --serve.
#include "orchestrator/web/access.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace orch::web {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Expected<ListenAddress> parse_listen(std::string_view text) {
  const auto fail = [&] {
    return make_error("--listen " + std::string(text) +
                      ": expected ADDR:PORT, e.g. 127.0.0.1:8787, [::1]:8787 or localhost:8787");
  };
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail();
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return fail();
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (out.host.empty() || port.empty()) return fail();
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (ec != std::errc() || end != port.data() + port.size() || out.port < 0 || out.port > 65535) {
    return fail();
  }
  return out;
}

bool is_loopback(std::string_view host) {
  const std::string h = lower(host);
  if (h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1") return true;
  // 127.0.0.0/8 written as a dotted quad.
  if (h.rfind("127.", 0) != 0) return false;
  int parts = 0;
  std::size_t i = 0;
  while (i <= h.size()) {
    std::size_t j = h.find('.', i);
    if (j == std::string::npos) j = h.size();
    const std::string_view part(h.data() + i, j - i);
    int value = -1;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value > 255)
      return false;
    ++parts;
    i = j + 1;
  }
  return parts == 4;
}

std::string host_name(std::string_view host_header) {
  std::string_view h = host_header;
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  if (!h.empty() && h.front() == '[') {
    const auto close = h.find(']');
    return close == std::string_view::npos ? std::string() : lower(h.substr(1, close - 1));
  }
  const auto colon = h.find(':');
  return lower(colon == std::string_view::npos ? h : h.substr(0, colon));
}

bool host_allowed(std::string_view host_header, std::string_view listen_host,
                  const std::vector<std::string>& extra) {
  const std::string name = host_name(host_header);
  if (name.empty()) return false;
  if (name == "localhost" || name == "127.0.0.1" || name == "::1") return true;
  if (name == lower(listen_host)) return true;
  return std::any_of(extra.begin(), extra.end(),
                     [&](const std::string& e) { return lower(e) == name; });
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Every byte of the longer string is looked at, whatever the contents.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

Auth check_bearer(std::string_view authorization, const std::optional<std::string>& token) {
  if (!token || token->empty()) return Auth::NoTokenConfigured;
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      lower(authorization.substr(0, kScheme.size())) != kScheme) {
    return Auth::Denied;
  }
  std::string_view given = authorization.substr(kScheme.size());
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  while (!given.empty() && given.back() == ' ') given.remove_suffix(1);
  return constant_time_equal(given, *token) ? Auth::Ok : Auth::Denied;
}

}  // namespace orch::web
