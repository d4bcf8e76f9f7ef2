#pragma once
// Whether output on a descriptor reaches a person at a terminal: the one test behind every
// "Auto" colour and live-status decision.

namespace orch {

// True when `fd` is a terminal and TERM is not "dumb" (Emacs shells, CI logs).
bool is_color_terminal(int fd);

}  // namespace orch
