// util/: the owned descriptor, the atomic file writer, the PATH search and the terminal test.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "helpers.h"
#include "orchestrator/util/atomic_write.h"
#include "orchestrator/util/fd.h"
#include "orchestrator/util/path_search.h"
#include "orchestrator/util/terminal.h"

namespace fs = std::filesystem;
using orch::test::read_file;
using orch::test::TempDir;
using orch::test::write_file;

namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

}  // namespace

TEST_CASE("Fd: closes once, on reset, destruction or after a move, never after release") {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(raw >= 0);
  {
    orch::Fd a(raw);
    orch::Fd b(std::move(a));
    CHECK_FALSE(a.valid());
    CHECK(b.get() == raw);
    CHECK(is_open(raw));
  }
  CHECK_FALSE(is_open(raw));

  raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  orch::Fd c(raw);
  const int kept = c.release();
  CHECK_FALSE(c.valid());
  CHECK(is_open(kept));
  c.reset(kept);
  c.reset();
  CHECK_FALSE(is_open(kept));
}

TEST_CASE("atomic write: replaces the file whole, creates the folder, leaves no temp file") {
  TempDir dir;
  const fs::path target = dir / "metrics" / "orchestrator.prom";
  REQUIRE(orch::write_file_atomically(target, "first\n").has_value());
  REQUIRE(orch::write_file_atomically(target, "second\n").has_value());
  CHECK(read_file(target) == "second\n");
  int files = 0;
  for (const auto& e : fs::directory_iterator(target.parent_path())) files += e.exists() ? 1 : 0;
  CHECK(files == 1);
  CHECK((fs::status(target).permissions() & fs::perms::others_write) == fs::perms::none);
}

TEST_CASE("atomic write: a failure names the file and leaves the old one as it was") {
  TempDir dir;
  const fs::path target = dir / "out.txt";
  REQUIRE(orch::write_file_atomically(target, "old\n").has_value());
  // A file where a folder must be: the folder cannot be created.
  const auto under_file = orch::write_file_atomically(target / "x", "y");
  REQUIRE_FALSE(under_file.has_value());
  CHECK(under_file.error().message.find((target / "x").string()) != std::string::npos);
  // A target that is a non-empty folder: rename fails, the temporary file is removed.
  fs::create_directories(dir / "busy" / "inside");
  const auto over_dir = orch::write_file_atomically(dir / "busy", "z");
  REQUIRE_FALSE(over_dir.has_value());
  CHECK(over_dir.error().message.find("cannot rename") != std::string::npos);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path)) files += e.exists() ? 1 : 0;
  CHECK(files == 2);  // out.txt and busy/, no *.tmp
  CHECK(read_file(target) == "old\n");
}

TEST_CASE(
    "PATH search: first executable file in order, '.' for an empty entry, base for relative") {
  TempDir dir;
  fs::create_directories(dir / "a");
  fs::create_directories(dir / "b");
  fs::create_directories(dir / "c" / "tool");           // a folder of that name is not a program
  write_file(dir / "a" / "tool", "#!/bin/sh\n", 0644);  // not executable
  write_file(dir / "b" / "tool", "#!/bin/sh\n", 0755);
  const std::string abs =
      (dir / "c").string() + ":" + (dir / "a").string() + ":" + (dir / "b").string();
  const auto hit = orch::find_in_path("tool", abs);
  REQUIRE(hit.found);
  CHECK(*hit.found == dir / "b" / "tool");

  const auto relative = orch::find_in_path("tool", "a:b", dir.path);
  REQUIRE(relative.found);
  CHECK(*relative.found == dir / "b" / "tool");

  const auto only_bad = orch::find_in_path("tool", (dir / "a").string());
  CHECK_FALSE(only_bad.found);
  CHECK(only_bad.not_executable);

  const auto none = orch::find_in_path("nothing-here", abs);
  CHECK_FALSE(none.found);
  CHECK_FALSE(none.not_executable);

  const auto empty_entry = orch::find_in_path("tool", ":", dir / "b");
  REQUIRE(empty_entry.found);
  CHECK(*empty_entry.found == dir / "b" / "." / "tool");
  CHECK_FALSE(
      orch::find_in_path("b/tool", abs, dir.path).found);  // names with '/' are not searched
}

TEST_CASE("terminal: a file or pipe is not a terminal, whatever TERM says") {
  TempDir dir;
  orch::Fd file(::open((dir / "f").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(file.valid());
  CHECK_FALSE(orch::is_color_terminal(file.get()));
  int p[2];
  REQUIRE(::pipe(p) == 0);
  orch::Fd r(p[0]), w(p[1]);
  CHECK_FALSE(orch::is_color_terminal(w.get()));
  CHECK_FALSE(orch::is_color_terminal(-1));
}

TEST_CASE("terminal: a pseudo-terminal is one, unless TERM is dumb") {
  orch::Fd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master.valid() || ::grantpt(master.get()) != 0 || ::unlockpt(master.get()) != 0) {
    MESSAGE("no pseudo-terminals here: skipped");
    return;
  }
  orch::Fd tty(::open(::ptsname(master.get()), O_RDWR | O_NOCTTY | O_CLOEXEC));
  REQUIRE(tty.valid());
  const char* before = std::getenv("TERM");
  const std::string saved = before != nullptr ? before : "";
  ::setenv("TERM", "xterm", 1);
  CHECK(orch::is_color_terminal(tty.get()));
  ::setenv("TERM", "dumb", 1);
  CHECK_FALSE(orch::is_color_terminal(tty.get()));
  if (before != nullptr) {
    ::setenv("TERM", saved.c_str(), 1);
  } else {
    ::unsetenv("TERM");
  }
}
