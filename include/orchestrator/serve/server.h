#pragma once
// The HTTP wiring of --serve (cpp-httplib): routes, the Host check, the bearer token of the
// control endpoints, security headers. What each endpoint answers comes from the handlers
// passed in (serve_handlers.h), so this class knows nothing of the database or the pipeline.
// It lives in serve/, the one layer that links cpp-httplib (and through it OpenSSL), which
// only orchestrator-web links; its types keep the web namespace of the pages they send.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/util/expected.h"
#include "orchestrator/web/access.h"

namespace orch::web {

struct Answer {
  int status = 200;
  std::string content_type = "application/json";
  std::shared_ptr<const std::string> body;  // shared: a cached page is sent without copies
  std::shared_ptr<const std::string> gzip;  // the same body gzip-compressed, when made
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. the page's CSP

  static Answer json(int status, std::string body);
  static Answer text(int status, std::string body);
  static Answer error(int status, const std::string& message);  // {"error": message}
  // Adds the gzip form of the body (sent to clients that accept it): for cached answers,
  // compressed once and sent many times.
  Answer& compress();
};

struct Handlers {
  std::function<Answer()> page;                               // GET /
  std::function<Answer()> health;                             // GET /api/health
  std::function<Answer()> market;                             // GET /api/market
  std::function<Answer(int limit)> runs;                      // GET /api/runs?limit=N
  std::function<Answer(std::int64_t id)> run;                 // GET /api/runs/ID
  std::function<Answer(const std::string& task)> log;         // GET /api/tasks/NAME/log
  std::function<Answer()> metrics;                            // GET /metrics
  std::function<Answer(const std::string& task)> start_task;  // POST /api/tasks/NAME/run
  std::function<Answer()> update_stale;                       // POST /api/update-stale
};

struct ServerSettings {
  ListenAddress listen;
  std::vector<std::string> allowed_hosts;  // serve_allowed_hosts
  std::optional<std::string> token;        // control endpoints; none: they answer 403
  int threads = 128;  // one per open keep-alive connection, so 100 clients never queue
};

class Server {
 public:
  // Binds the socket (an error names the address); serve() then answers until stop().
  static Expected<std::unique_ptr<Server>> bind(ServerSettings settings, Handlers handlers);
  ~Server();
  int port() const;
  void serve();  // blocks
  void stop();   // from any thread, even before serve() has begun (it waits for serve() to run)

  struct Impl;  // the httplib server and the settings (server.cpp)

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orch::web
