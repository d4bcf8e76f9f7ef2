// Server: cpp-httplib routes over the Handlers. Every answer goes out through a content
// provider reading the shared body (no copy per request, and no on-the-fly compression,
// whose brotli default would cost seconds on a large page), with the security headers.
#include "orchestrator/serve/server.h"

#include <httplib.h>
#include <sys/socket.h>
#include <zlib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <thread>

namespace orch::web {

Answer Answer::json(int status, std::string body) {
  Answer a;
  a.status = status;
  a.body = std::make_shared<const std::string>(std::move(body));
  return a;
}

Answer Answer::text(int status, std::string body) {
  Answer a = json(status, std::move(body));
  a.content_type = "text/plain; charset=utf-8";
  return a;
}

Answer Answer::error(int status, const std::string& message) {
  nlohmann::json j = {{"error", message}};
  return json(status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Answer& Answer::compress() {
  if (!body || body->size() < 1024) return *this;
  z_stream z{};
  // windowBits 15 + 16: a gzip header; level 1 is fast and still shrinks markup ~10x.
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return *this;
  std::string out(deflateBound(&z, body->size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body->data()));
  z.avail_in = static_cast<uInt>(body->size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc == Z_STREAM_END) gzip = std::make_shared<const std::string>(std::move(out));
  return *this;
}

struct Server::Impl {
  ServerSettings settings;
  Handlers handlers;
  httplib::Server http;
  int port = 0;
  std::atomic<int> socket_fd{-1};   // the listening socket, seen by set_socket_options
  std::atomic<bool> served{false};  // serve()'s loop has ended
};

namespace {

bool accepts_gzip(const httplib::Request& req) {
  const std::string accepted = req.get_header_value("Accept-Encoding");
  return accepted.find("gzip") != std::string::npos;
}

void send(httplib::Response& res, const Answer& a, bool gzip_ok = false) {
  res.status = a.status;
  bool csp = false;
  for (const auto& [k, v] : a.headers) {
    res.set_header(k, v);
    if (k == "Content-Security-Policy") csp = true;
  }
  if (!csp) res.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-store");
  auto body = a.body ? a.body : std::make_shared<const std::string>();
  if (a.gzip) {
    res.set_header("Vary", "Accept-Encoding");
    if (gzip_ok) {
      res.set_header("Content-Encoding", "gzip");
      body = a.gzip;
    }
  }
  res.set_content_provider(body->size(), a.content_type,
                           [body](size_t offset, size_t length, httplib::DataSink& sink) {
                             const size_t n = std::min(length, body->size() - offset);
                             return sink.write(body->data() + offset, n);
                           });
}

// Wraps a handler: exceptions become 500, never a dropped connection or a crash.
template <class F>
void answer(const httplib::Request& req, httplib::Response& res, F&& f) {
  try {
    send(res, f(), accepts_gzip(req));
  } catch (const std::exception& e) {
    send(res, Answer::error(500, std::string("internal error: ") + e.what()));
  }
}

bool authorized(const Server::Impl& s, const httplib::Request& req, httplib::Response& res) {
  switch (check_bearer(req.get_header_value("Authorization"), s.settings.token)) {
    case Auth::Ok: return true;
    case Auth::NoTokenConfigured:
      send(res, Answer::error(403,
                              "control endpoints are disabled: no token configured "
                              "(serve_token_file: in the pipeline file, or $ORCHESTRATOR_TOKEN)"));
      return false;
    case Auth::Denied:
      res.set_header("WWW-Authenticate", "Bearer");
      send(res, Answer::error(401, "missing or wrong bearer token"));
      return false;
  }
  return false;
}

void routes(Server::Impl& s) {
  auto& http = s.http;
  http.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
    if (host_allowed(req.get_header_value("Host"), s.settings.listen.host,
                     s.settings.allowed_hosts)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    send(res,
         Answer::error(421, "this server does not answer to Host '" + req.get_header_value("Host") +
                                "' (add it to serve_allowed_hosts:)"));
    return httplib::Server::HandlerResponse::Handled;
  });
  http.Get("/", [&s](const httplib::Request& req, httplib::Response& res) {
    answer(req, res, s.handlers.page);
  });
  http.Get("/api/health", [&s](const httplib::Request& req, httplib::Response& res) {
    answer(req, res, s.handlers.health);
  });
  http.Get("/api/market", [&s](const httplib::Request& req, httplib::Response& res) {
    answer(req, res, s.handlers.market);
  });
  http.Get("/metrics", [&s](const httplib::Request& req, httplib::Response& res) {
    answer(req, res, s.handlers.metrics);
  });
  http.Get("/api/runs", [&s](const httplib::Request& req, httplib::Response& res) {
    int limit = 50;
    if (req.has_param("limit")) {
      const std::string v = req.get_param_value("limit");
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
      if (ec != std::errc() || end != v.data() + v.size() || limit < 1 || limit > 10000) {
        return send(res, Answer::error(400, "limit must be an integer from 1 to 10000"));
      }
    }
    answer(req, res, [&] { return s.handlers.runs(limit); });
  });
  http.Get(R"(/api/runs/(\d{1,18}))", [&s](const httplib::Request& req, httplib::Response& res) {
    const std::int64_t id = std::stoll(req.matches[1]);
    answer(req, res, [&] { return s.handlers.run(id); });
  });
  // httplib decodes the path before matching: NAME arrives percent-decoded.
  http.Get(R"(/api/tasks/(.+)/log)", [&s](const httplib::Request& req, httplib::Response& res) {
    const std::string task = req.matches[1];
    answer(req, res, [&] { return s.handlers.log(task); });
  });
  http.Post(R"(/api/tasks/(.+)/run)", [&s](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(s, req, res)) return;
    const std::string task = req.matches[1];
    answer(req, res, [&] { return s.handlers.start_task(task); });
  });
  http.Post("/api/update-stale", [&s](const httplib::Request& req, httplib::Response& res) {
    if (!authorized(s, req, res)) return;
    answer(req, res, s.handlers.update_stale);
  });
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty() && !res.content_provider_) {
      send(res, Answer::error(res.status, res.status == 404 ? "no such endpoint" : "bad request"));
    }
  });
}

}  // namespace

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;
int Server::port() const { return impl_->port; }
void Server::serve() {
  impl_->http.listen_after_bind();
  impl_->served = true;
}

// httplib's stop() does nothing until listen_after_bind() has entered its loop: a stop asked
// in that moment (a SIGTERM right after the URL line; 2 in 20 such starts) was lost and the
// server ran on. So it waits for the loop to run (or to have ended) first.
void Server::stop() {
  while (!impl_->http.is_running() && !impl_->served) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->http.stop();
}

Expected<std::unique_ptr<Server>> Server::bind(ServerSettings settings, Handlers handlers) {
  auto impl = std::make_unique<Impl>();
  impl->settings = std::move(settings);
  impl->handlers = std::move(handlers);
  const int threads = std::max(1, impl->settings.threads);
  impl->http.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  impl->http.set_keep_alive_max_count(10000);
  impl->http.set_keep_alive_timeout(5);
  impl->http.set_read_timeout(10, 0);
  impl->http.set_write_timeout(10, 0);
  impl->http.set_payload_max_length(64 * 1024);
  routes(*impl);
  // httplib listens with a backlog of 5: 100 clients connecting at once would see SYNs
  // dropped and retried a second later. The socket is noted here and listen() called again
  // with a longer backlog once bound (Linux takes the new length).
  Impl* raw = impl.get();
  impl->http.set_socket_options([raw](int fd) {
    httplib::default_socket_options(fd);
    raw->socket_fd = fd;
  });
  // Headers and body go out in separate writes: without TCP_NODELAY a small answer waits for
  // the client's delayed ACK (40 ms per request on Linux, measured).
  impl->http.set_tcp_nodelay(true);
  const std::string& host = impl->settings.listen.host;
  const int port = impl->settings.listen.port;
  int bound = -1;
  if (port == 0) {
    bound = impl->http.bind_to_any_port(host);
  } else if (impl->http.bind_to_port(host, port)) {
    bound = port;
  }
  if (bound <= 0) {
    return make_error("cannot listen on " + host + ":" + std::to_string(port) +
                      " (address in use, not an address of this machine, or a port below 1024 "
                      "without privileges)");
  }
  impl->port = bound;
  if (impl->socket_fd >= 0) ::listen(impl->socket_fd, SOMAXCONN);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

}  // namespace orch::web
