// Turning a task's script into an argv, and argv back into a line a human can paste.
#include "orchestrator/exec/command.h"

#include <unistd.h>

#include <system_error>

#include "orchestrator/util/text.h"

namespace orch {

Expected<std::vector<std::string>> resolve_command(const std::filesystem::path& script,
                                                   const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(script, ec);  // follows symlinks
  if (st.type() == fs::file_type::not_found) {
    return make_error("script not found: " + script.string(), false);
  }
  if (ec) {
    return make_error("cannot inspect script " + script.string() + ": " + ec.message(), false);
  }
  if (st.type() == fs::file_type::directory) {
    return make_error(script.string() + " is a directory, not a script", false);
  }

  std::vector<std::string> argv;
  argv.reserve(args.size() + 2);
  if (::access(script.c_str(), X_OK) == 0) {
    argv.push_back(script.string());
  } else if (script.extension() == ".py") {
    argv.emplace_back("python3");
    argv.push_back(script.string());
  } else {
    return make_error(script.string() + " is not executable (chmod +x it)", false);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string format_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& word : argv) {
    if (!out.empty()) out += ' ';
    out += shell_quote(word);
  }
  return out;
}

}  // namespace orch
