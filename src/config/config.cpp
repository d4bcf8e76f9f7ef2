// Small behaviours of the config values themselves: default data-source names and the
// retry backoff schedule.
#include "orchestrator/config/config.h"

#include <algorithm>

namespace orch {

std::string snake_case(std::string_view name) {
  std::string out;
  bool pending_separator = false;  // a run of non-alphanumerics seen since the last kept char
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    const bool alnum = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
    if (!alnum) {
      pending_separator = true;
      continue;
    }
    if (pending_separator && !out.empty()) out += '_';
    pending_separator = false;
    out += (u >= 'A' && u <= 'Z') ? static_cast<char>(u - 'A' + 'a') : c;
  }
  return out;
}

Seconds RetryPolicy::backoff_before(int attempt) const {
  if (backoff.empty() || attempt < 2) return Seconds{0};
  const auto index = std::min<std::size_t>(static_cast<std::size_t>(attempt - 2), backoff.size() - 1);
  return backoff[index];
}

}  // namespace orch
