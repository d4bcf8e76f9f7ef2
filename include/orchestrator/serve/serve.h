#pragma once
// --serve, the one mode that needs the HTTP server: built into orchestrator-web only (the
// serve/ layer links cpp-httplib, and through it OpenSSL, which every other start of
// `orchestrator` would otherwise load). `orchestrator --serve` execs orchestrator-web
// (app/modes.h, exec_web_binary).
#include <string>

#include "orchestrator/app/options.h"

namespace orch {

// The web dashboard and HTTP API on `listen` ("ADDR:PORT") until SIGTERM/SIGINT.
int run_serve(const GlobalOptions& global, const std::string& listen);

}  // namespace orch
