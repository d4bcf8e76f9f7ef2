#pragma once
// The server's access rules as pure functions: where it may listen, which Host headers it
// answers (DNS rebinding), and the bearer token of the control endpoints.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/util/expected.h"

namespace orch::web {

struct ListenAddress {
  std::string host;  // as given, without brackets ("127.0.0.1", "::1", "localhost", "0.0.0.0")
  int port = 0;
};
// "ADDR:PORT", "[::1]:PORT" or "localhost:PORT"; port 0 picks a free one.
Expected<ListenAddress> parse_listen(std::string_view text);

// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(std::string_view host);

// The Host header's name (brackets and port removed, lower case).
std::string host_name(std::string_view host_header);

// True when the Host header names localhost, 127.0.0.1, ::1, the listening address or one of
// `extra` (serve_allowed_hosts); case-insensitive, port ignored.
bool host_allowed(std::string_view host_header, std::string_view listen_host,
                  const std::vector<std::string>& extra);

enum class Auth { Ok, NoTokenConfigured, Denied };
// Checks "Authorization: Bearer TOKEN" against the configured token, in time independent of
// where the two differ.
Auth check_bearer(std::string_view authorization, const std::optional<std::string>& token);
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace orch::web
