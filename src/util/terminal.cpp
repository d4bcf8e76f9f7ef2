#include "orchestrator/util/terminal.h"

#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace orch {

bool is_color_terminal(int fd) {
  const char* term = std::getenv("TERM");
  return ::isatty(fd) == 1 && !(term != nullptr && std::string_view(term) == "dumb");
}

}  // namespace orch
