#pragma once
// An environment as a list of "KEY=value" strings (what execve takes).
#include <string>
#include <vector>

namespace orch {

// Replaces every KEY= entry of `env` by one KEY=value at the end.
void set_env(std::vector<std::string>& env, const std::string& key, const std::string& value);

}  // namespace orch
