// exec/: command resolution, output scanning, and the POSIX runner driving real processes
// (/bin/sh scripts in a temp folder; short timeouts keep every case well under seconds).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "exec/proc_tree.h"
#include "helpers.h"
#include "orchestrator/exec/command.h"
#include "orchestrator/exec/output_scan.h"
#include "orchestrator/exec/posix_process_runner.h"
#include "orchestrator/util/fd.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using orch::ExitKind;
using orch::Millis;
using orch::PosixProcessRunner;
using orch::ProcessCompletion;
using orch::ProcessRequest;

namespace {

using Clock = std::chrono::steady_clock;
using orch::test::read_file;
using orch::test::TempDir;
using orch::test::write_file;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

ProcessRequest shell(const TempDir& dir, const std::string& code, Millis timeout = Millis{0},
                     Millis grace = Millis{200}) {
  ProcessRequest r;
  r.task_name = "test";
  r.argv = {"/bin/sh", "-c", code};
  r.env = {"PATH=/usr/bin:/bin"};
  r.cwd = dir.path;
  r.log_path = dir / "logs/task.log";
  r.timeout = timeout;
  r.kill_grace = grace;
  return r;
}

// Waits (at most `limit`) for the one process the runner has.
ProcessCompletion run_one(PosixProcessRunner& runner, const ProcessRequest& req,
                          Millis limit = Millis{5000}) {
  auto id = runner.start(req);
  REQUIRE_MESSAGE(id.has_value(), (id.has_value() ? "" : id.error().message));
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    auto done = runner.wait(limit);
    if (!done.empty()) {
      REQUIRE(done.size() == 1);
      CHECK(done[0].id == *id);
      return done[0];
    }
  }
  FAIL("no completion within the limit");
  return {};
}

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

}  // namespace

TEST_CASE("resolve_command: executable, .py, and refusals") {
  TempDir dir;
  write_file(dir / "run.sh", "#!/bin/sh\n", 0755);
  write_file(dir / "job.py", "print(1)\n", 0644);
  write_file(dir / "plain.sh", "#!/bin/sh\n", 0644);
  fs::create_directory(dir / "folder");

  auto exe = orch::resolve_command(dir / "run.sh", {"--x", "1"});
  REQUIRE(exe.has_value());
  CHECK(*exe == std::vector<std::string>{(dir / "run.sh").string(), "--x", "1"});

  auto py = orch::resolve_command(dir / "job.py", {"a"});
  REQUIRE(py.has_value());
  CHECK(*py == std::vector<std::string>{"python3", (dir / "job.py").string(), "a"});

  auto missing = orch::resolve_command(dir / "nope.sh", {});
  REQUIRE_FALSE(missing.has_value());
  CHECK_FALSE(missing.error().retriable);
  CHECK(missing.error().message == "script not found: " + (dir / "nope.sh").string());

  auto plain = orch::resolve_command(dir / "plain.sh", {});
  REQUIRE_FALSE(plain.has_value());
  CHECK_FALSE(plain.error().retriable);
  CHECK(plain.error().message == (dir / "plain.sh").string() + " is not executable (chmod +x it)");

  auto folder = orch::resolve_command(dir / "folder", {});
  REQUIRE_FALSE(folder.has_value());
  CHECK_FALSE(folder.error().retriable);
}

TEST_CASE("format_command quotes what a shell would split or expand") {
  CHECK(orch::format_command({"python3", "/a/b.py", "--x=1"}) == "python3 /a/b.py --x=1");
  CHECK(orch::format_command({"python3", "a b.py", "$HOME", ""}) == "python3 'a b.py' '$HOME' ''");
  CHECK(orch::format_command({"echo", "it's"}) == "echo 'it'\\''s'");
}

TEST_CASE("scan_output: last report wins, malformed ignored, CRLF, long lines") {
  TempDir dir;
  SUBCASE("small file") {
    write_file(dir / "a.log",
               "  RECORDS_PROCESSED=5\r\nDATA_AS_OF=2026-01-02T10:00:00Z\r\n"
               "RECORDS_PROCESSED=12\nRECORDS_PROCESSED=abc\nRECORDS_PROCESSED=-3\n"
               "RECORDS_PROCESSED=\nDATA_AS_OF=  2026-01-02T11:00:00Z  \n"
               "  final words \r\n \n\t\n");
    auto r = orch::scan_output(dir / "a.log");
    CHECK(r.records_processed == 12);
    CHECK(r.data_as_of == "2026-01-02T11:00:00Z");
    CHECK(r.last_line == "final words");
    CHECK_FALSE(r.data_as_of_problem.has_value());
  }
  SUBCASE("DATA_AS_OF: without an offset or a date alone is kept, anything else ignored and said") {
    write_file(dir / "d.log", "DATA_AS_OF=2026-01-02T10:00:00\nDATA_AS_OF=soon\n");
    auto r = orch::scan_output(dir / "d.log");
    CHECK(r.data_as_of == "2026-01-02T10:00:00");
    REQUIRE(r.data_as_of_problem.has_value());
    CHECK(r.data_as_of_problem->starts_with("ignored DATA_AS_OF=soon: expected ISO 8601"));
    write_file(dir / "e.log", "DATA_AS_OF=soon\nDATA_AS_OF=2026-01-02\n");
    auto e = orch::scan_output(dir / "e.log");
    CHECK(e.data_as_of == "2026-01-02");
    CHECK_FALSE(e.data_as_of_problem.has_value());
  }
  SUBCASE("no trailing newline, a line longer than a chunk") {
    write_file(dir / "b.log",
               "RECORDS_PROCESSED=1\n" + std::string(200000, 'x') + "\nRECORDS_PROCESSED=2");
    auto r = orch::scan_output(dir / "b.log");
    CHECK(r.records_processed == 2);
    CHECK(r.last_line == "RECORDS_PROCESSED=2");
    write_file(dir / "c.log", "RECORDS_PROCESSED=3\n" + std::string(200000, 'y') + "\n\n");
    auto c = orch::scan_output(dir / "c.log");
    CHECK(c.records_processed == 3);
    CHECK(c.last_line == std::string(500, 'y'));
  }
  SUBCASE("missing or empty file") {
    auto r = orch::scan_output(dir / "none.log");
    CHECK_FALSE(r.records_processed.has_value());
    CHECK(r.last_line.empty());
  }
  SUBCASE("20 MB streams quickly") {
    {
      std::ofstream out(dir / "big.log", std::ios::binary);
      const std::string filler(99, 'z');
      for (int i = 0; i < 200000; ++i) {
        out << filler << '\n';
        if (i % 50000 == 0) out << "RECORDS_PROCESSED=" << i << '\n';
      }
      out << "RECORDS_PROCESSED=777\nDATA_AS_OF=2026-03-04T05:06:07Z\ndone\n";
    }
    REQUIRE(fs::file_size(dir / "big.log") > 20'000'000);
    const auto start = Clock::now();
    auto r = orch::scan_output(dir / "big.log");
    CHECK(ms_since(start) < 30000);  // generous: sanitizers and a loaded machine
    CHECK(r.records_processed == 777);
    CHECK(r.data_as_of == "2026-03-04T05:06:07Z");
    CHECK(r.last_line == "done");
  }
}

TEST_CASE("runner: exit codes, signals and reports") {
  TempDir dir;
  PosixProcessRunner runner;

  SUBCASE("success, last RECORDS_PROCESSED wins, log folders created") {
    auto c = run_one(runner, shell(dir,
                                   "echo RECORDS_PROCESSED=3; echo RECORDS_PROCESSED=42; "
                                   "echo DATA_AS_OF=2026-01-01T00:00:00Z; echo oops >&2"));
    CHECK(c.succeeded());
    CHECK(c.kind == ExitKind::Exited);
    CHECK(c.records_processed == 42);
    CHECK(c.data_as_of == "2026-01-01T00:00:00Z");
    CHECK(c.last_output_line == "oops");
    CHECK(runner.running() == 0);
  }
  SUBCASE("log is truncated for each attempt") {
    fs::create_directories(dir / "logs");
    write_file(dir / "logs/task.log", "old content\nRECORDS_PROCESSED=9\n");
    auto c = run_one(runner, shell(dir, "echo new"));
    CHECK(read_file(dir / "logs/task.log") == "new\n");
    CHECK_FALSE(c.records_processed.has_value());
  }
  SUBCASE("non-zero exit") {
    auto c = run_one(runner, shell(dir, "echo failing; exit 3"));
    CHECK(c.kind == ExitKind::Exited);
    CHECK(c.exit_code == 3);
    CHECK_FALSE(c.succeeded());
    CHECK(c.last_output_line == "failing");
  }
  SUBCASE("killed by a signal") {
    auto c = run_one(runner, shell(dir, "kill -KILL $$"));
    CHECK(c.kind == ExitKind::Signaled);
    CHECK(c.signal == SIGKILL);
  }
  SUBCASE("several at once") {
    for (int code = 0; code < 4; ++code) {
      REQUIRE(runner.start(shell(dir, "sleep 0.1; exit " + std::to_string(code))).has_value());
    }
    CHECK(runner.running() == 4);
    std::set<int> codes;
    const auto start = Clock::now();
    while (codes.size() < 4 && ms_since(start) < 5000) {
      for (const auto& c : runner.wait(1000ms)) codes.insert(c.exit_code);
    }
    CHECK(codes == std::set<int>{0, 1, 2, 3});
  }
  SUBCASE("wait with nothing running sleeps max_wait") {
    const auto start = Clock::now();
    CHECK(runner.wait(100ms).empty());
    CHECK(ms_since(start) >= 100);
  }
}

TEST_CASE("runner: deadlines") {
  TempDir dir;
  PosixProcessRunner runner;

  SUBCASE("a sleeping task times out with SIGTERM") {
    const auto start = Clock::now();
    auto c = run_one(runner, shell(dir, "sleep 10", 300ms));
    CHECK(c.kind == ExitKind::TimedOut);
    CHECK(c.signal == SIGTERM);
    CHECK(c.duration >= 300ms);
    CHECK(ms_since(start) < 8000);  // well under the 10 s+ sleep
  }
  SUBCASE("a task that ignores SIGTERM is SIGKILLed after the grace") {
    const auto start = Clock::now();
    auto c = run_one(runner, shell(dir, "trap '' TERM; sleep 10", 1000ms, 200ms));
    CHECK(c.kind == ExitKind::TimedOut);
    CHECK(c.signal == SIGKILL);
    CHECK(ms_since(start) >= 1200);
    CHECK(ms_since(start) < 8000);  // well under the 10 s+ sleep
  }
  SUBCASE("a task that stopped itself still ends at its deadline") {
    const auto start = Clock::now();
    auto c = run_one(runner, shell(dir, "kill -STOP $$; sleep 10", 300ms, 2000ms));
    CHECK(c.kind == ExitKind::TimedOut);
    CHECK(c.signal == SIGTERM);     // SIGCONT let the SIGTERM in; no need for SIGKILL
    CHECK(ms_since(start) < 8000);  // well under the 10 s+ sleep
  }
}

TEST_CASE("runner: a grandchild holding the log open neither delays nor survives") {
  TempDir dir;
  PosixProcessRunner runner;
  const auto start = Clock::now();
  auto c = run_one(runner, shell(dir,
                                 "(trap '' TERM; exec sleep 30) & echo $! > grandchild.pid; "
                                 "echo RECORDS_PROCESSED=1",
                                 Millis{0}, 200ms));
  CHECK(ms_since(start) < 8000);  // well under the 10 s+ sleep
  CHECK(c.succeeded());
  CHECK(c.records_processed == 1);
  const pid_t grandchild = std::stoi(read_file(dir / "grandchild.pid"));
  REQUIRE(grandchild > 0);
  runner.wait(600ms);  // past the grace: SIGKILL sent, the orphan reaped by us (subreaper)
#ifdef __linux__
  for (int i = 0; i < 100 && process_exists(grandchild); ++i) runner.wait(50ms);  // slow machine
  CHECK_FALSE(process_exists(grandchild));
#else
  for (int i = 0; i < 20 && process_exists(grandchild); ++i) ::usleep(50000);
  CHECK_FALSE(process_exists(grandchild));
#endif
}

TEST_CASE("runner: start failures are not retriable") {
  TempDir dir;
  PosixProcessRunner runner;
  ProcessRequest req = shell(dir, "");

  SUBCASE("bad interpreter") {
    write_file(dir / "bad.sh", "#!/nonexistent/interp\necho hi\n", 0755);
    req.argv = {(dir / "bad.sh").string()};
    auto id = runner.start(req);
    REQUIRE_FALSE(id.has_value());
    CHECK_FALSE(id.error().retriable);
    CHECK(id.error().message.find("cannot execute " + (dir / "bad.sh").string()) == 0);
    CHECK(id.error().message.find("bad interpreter") != std::string::npos);
    CHECK(id.error().message.find("/nonexistent/interp") != std::string::npos);
  }
  SUBCASE("CRLF shebang") {
    write_file(dir / "dos.sh", "#!/bin/sh\r\necho hi\r\n", 0755);
    req.argv = {(dir / "dos.sh").string()};
    auto id = runner.start(req);
    REQUIRE_FALSE(id.has_value());
    CHECK(id.error().message.find("carriage return") != std::string::npos);
  }
  SUBCASE("no shebang") {
    write_file(dir / "noshebang", "echo hi\n", 0755);
    req.argv = {(dir / "noshebang").string()};
    auto id = runner.start(req);
    REQUIRE_FALSE(id.has_value());
    CHECK_FALSE(id.error().retriable);
    CHECK(id.error().message.find("#!") != std::string::npos);
  }
  SUBCASE("missing program, not executable, not in PATH") {
    req.argv = {(dir / "missing.sh").string()};
    auto missing = runner.start(req);
    REQUIRE_FALSE(missing.has_value());
    CHECK_FALSE(missing.error().retriable);
    write_file(dir / "plain.sh", "#!/bin/sh\n", 0644);
    req.argv = {(dir / "plain.sh").string()};
    auto denied = runner.start(req);
    REQUIRE_FALSE(denied.has_value());
    CHECK(denied.error().message.find("Permission denied") != std::string::npos);
    req.argv = {"sh", "-c", "true"};
    req.env = {"PATH=/nonexistent"};
    auto not_found = runner.start(req);
    REQUIRE_FALSE(not_found.has_value());
    CHECK_FALSE(not_found.error().retriable);
    CHECK(not_found.error().message.find("not found in PATH") != std::string::npos);
  }
  SUBCASE("missing working directory") {
    req.cwd = dir / "no/such/dir";
    auto id = runner.start(req);
    REQUIRE_FALSE(id.has_value());
    CHECK_FALSE(id.error().retriable);
    CHECK(id.error().message.find("working directory") != std::string::npos);
  }
  CHECK(runner.running() == 0);
}

TEST_CASE("runner: the child's world is exactly the request") {
  TempDir dir;
  PosixProcessRunner runner;

  SUBCASE("bare program name searched in the request's PATH, cwd applied") {
    ProcessRequest req = shell(dir, "pwd");
    req.argv[0] = "sh";
    req.env = {"PATH=/nonexistent:/bin:/usr/bin"};
    auto c = run_one(runner, req);
    CHECK(c.succeeded());
    CHECK(fs::equivalent(c.last_output_line, dir.path));
  }
  SUBCASE("the environment is exactly the request's env") {
    ProcessRequest req = shell(dir, "");
    req.argv = {"/usr/bin/env"};
    req.env = {"A=1", "B=two words", "PATH=/nowhere"};
    auto c = run_one(runner, req);
    REQUIRE(c.succeeded());
    auto lines = lines_of(read_file(req.log_path));
    std::sort(lines.begin(), lines.end());
    CHECK(lines == req.env);
  }
  SUBCASE("stdin is /dev/null") {
    auto c = run_one(runner, shell(dir, "cat; echo STDIN_EOF", 3000ms));
    CHECK(c.succeeded());
    CHECK(c.last_output_line == "STDIN_EOF");
#ifdef __linux__
    ProcessRequest req = shell(dir, "");
    req.argv = {"/bin/readlink", "/proc/self/fd/0"};
    auto link = run_one(runner, req);
    CHECK(link.last_output_line == "/dev/null");
#endif
  }
#ifdef __linux__
  SUBCASE("descriptors of ours without CLOEXEC are not inherited") {
    orch::Fd leaky(::open("/dev/null", O_RDONLY));  // no O_CLOEXEC on purpose
    REQUIRE(leaky.valid());
    orch::Fd high(::dup2(leaky.get(), 100));  // dup2 never sets CLOEXEC
    REQUIRE(high.get() == 100);
    ProcessRequest req = shell(dir, "");
    req.argv = {"/bin/ls", "-1", "/proc/self/fd"};
    auto c = run_one(runner, req);
    REQUIRE(c.succeeded());
    std::set<int> fds;
    for (const auto& line : lines_of(read_file(req.log_path))) fds.insert(std::stoi(line));
    // 0-2, plus the lowest free one that ls opened to list the folder.
    CHECK(fds == std::set<int>{0, 1, 2, 3});
  }
#endif
}

TEST_CASE("runner: stopping") {
  TempDir dir;
  PosixProcessRunner runner;

  SUBCASE("stop_all ends running tasks and reports them Stopped") {
    REQUIRE(runner.start(shell(dir, "sleep 10")).has_value());
    ProcessRequest stubborn = shell(dir, "trap '' TERM; : > ready; sleep 10", Millis{0}, 200ms);
    stubborn.log_path = dir / "logs/stubborn.log";
    REQUIRE(runner.start(stubborn).has_value());
    // the trap is set once `ready` exists (a loaded machine may take a while to get there)
    for (int i = 0; i < 250 && !fs::exists(dir / "ready"); ++i) CHECK(runner.wait(20ms).empty());
    REQUIRE(fs::exists(dir / "ready"));
    const auto start = Clock::now();
    auto done = runner.stop_all();
    CHECK(ms_since(start) < 8000);  // well under the 10 s+ sleep
    REQUIRE(done.size() == 2);
    for (const auto& c : done) CHECK(c.kind == ExitKind::Stopped);
    std::set<int> signals{done[0].signal, done[1].signal};
    CHECK(signals == std::set<int>{SIGTERM, SIGKILL});
    CHECK(runner.running() == 0);
  }
  SUBCASE("a stop signal raised while not waiting makes wait return at once") {
    REQUIRE(runner.start(shell(dir, "sleep 10")).has_value());
    CHECK(runner.stop_signal() == 0);
    ::raise(SIGTERM);  // blocked: pending until the runner waits
    const auto start = Clock::now();
    CHECK(runner.wait(5000ms).empty());
    CHECK(ms_since(start) < 4000);  // well under the 5 s wait
    CHECK(runner.stop_signal() == SIGTERM);
    auto done = runner.stop_all();
    REQUIRE(done.size() == 1);
    CHECK(done[0].kind == ExitKind::Stopped);
  }
  SUBCASE("a stop signal arriving during wait ends it early; the first one wins") {
    REQUIRE(runner.start(shell(dir, "sleep 0.2; kill -INT $PPID; kill -TERM $PPID; sleep 10"))
                .has_value());
    const auto start = Clock::now();
    CHECK(runner.wait(5000ms).empty());
    CHECK(ms_since(start) < 8000);  // well under the 10 s+ sleep
    CHECK(runner.stop_signal() == SIGINT);
    CHECK(runner.stop_all().size() == 1);
  }
  SUBCASE("the destructor stops what still runs") {
    pid_t pid = 0;
    {
      PosixProcessRunner inner;
      REQUIRE(inner.start(shell(dir, "echo $$ > me.pid.tmp; mv me.pid.tmp me.pid; exec sleep 10"))
                  .has_value());
      for (int i = 0; i < 250 && !fs::exists(dir / "me.pid"); ++i) inner.wait(20ms);
      REQUIRE(fs::exists(dir / "me.pid"));
      pid = std::stoi(read_file(dir / "me.pid"));
    }
    CHECK_FALSE(process_exists(pid));
  }
}

#ifdef __linux__
namespace {
// Alive and not a zombie, per /proc (a zombie may wait long for a reaper in a container).
bool running_in_proc(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  const auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}
}  // namespace

TEST_CASE("runner: a task dies with the orchestrator, even by SIGKILL (PDEATHSIG)") {
  TempDir dir;
  const pid_t orchestrator = ::fork();
  REQUIRE(orchestrator >= 0);
  if (orchestrator == 0) {  // a stand-in orchestrator: starts a task, then waits to be killed
    PosixProcessRunner runner;
    if (!runner.start(shell(dir, "echo $$ > task.tmp; mv task.tmp task.pid; exec sleep 30"))) {
      ::_exit(1);
    }
    for (;;) runner.wait(1000ms);
  }
  pid_t task = 0;
  for (int i = 0; i < 100 && task == 0; ++i) {
    const std::string text = read_file(dir / "task.pid");
    if (!text.empty())
      task = std::stoi(text);
    else
      ::usleep(20000);
  }
  ::kill(orchestrator, SIGKILL);
  int status = 0;
  ::waitpid(orchestrator, &status, 0);
  REQUIRE(task > 0);
  bool alive = true;
  for (int i = 0; i < 100 && alive; ++i) {
    alive = running_in_proc(task);
    if (alive) ::usleep(20000);
  }
  CHECK_FALSE(alive);
}
#endif

TEST_CASE("runner: a process's start time as /proc gives it (what crash recovery matches)") {
  TempDir dir;
  PosixProcessRunner runner;
  for (int i = 0; i < 20; ++i) {
    const auto id = runner.start(shell(dir, "sleep 0.2"));
    REQUIRE(id.has_value());
    const auto os = runner.os_process(*id);
    REQUIRE(os.has_value());
    CHECK(os->start != 0);
    CHECK(os->start == orch::detail::process_start(static_cast<pid_t>(os->pid)));
  }
  runner.stop_all();
}
