// Small behaviours of the config values themselves: default data-source names and the
// retry backoff schedule.
#include "orchestrator/config/config.h"

#include <algorithm>

#include "orchestrator/util/text.h"

namespace orch {

std::string snake_case(std::string_view name) {
  std::string out;
  bool pending_separator = false;  // a run of non-word characters seen since the last kept one
  for (std::size_t i = 0; i < name.size();) {
    const std::size_t start = i;
    const auto cp = next_code_point(name, i);
    if (!cp || !is_word_char(*cp)) {
      pending_separator = true;
      continue;
    }
    if (pending_separator && !out.empty()) out += '_';
    pending_separator = false;
    if (*cp >= 'A' && *cp <= 'Z') {
      out += static_cast<char>(*cp - 'A' + 'a');
    } else {
      out.append(name.substr(start, i - start));  // other scripts are kept as written
    }
  }
  return out;
}

Seconds RetryPolicy::backoff_before(int attempt) const {
  if (backoff.empty() || attempt < 2) return Seconds{0};
  const auto index =
      std::min<std::size_t>(static_cast<std::size_t>(attempt - 2), backoff.size() - 1);
  return backoff[index];
}

}  // namespace orch
