#pragma once
// How a task's script becomes an argv: executed directly (shebang) when executable; a .py
// without the execute bit runs under python3; anything else is refused with the fix.
#include <filesystem>
#include <string>
#include <vector>

#include "orchestrator/util/expected.h"

namespace orch {

// An Error with retriable=false when the script is missing or cannot be executed.
Expected<std::vector<std::string>> resolve_command(const std::filesystem::path& script,
                                                   const std::vector<std::string>& args);

// argv joined for humans, quoting words that need it: python3 'a b.py' --x
std::string format_command(const std::vector<std::string>& argv);

}  // namespace orch
