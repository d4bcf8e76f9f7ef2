#pragma once
// The unit tests' file helpers, one copy: a temporary folder removed with its contents, and
// whole-file read and write. (Fakes of Clock and ProcessRunner are in fakes.h.)
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace orch::test {

// A fresh folder under the system temp dir ($TMPDIR), removed with everything in it, even
// when a test left it or something in it unreadable.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& prefix = "orch_test") {
    std::string templ = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~TempDir() {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, ec);
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec)) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path operator/(const std::string& name) const { return path / name; }
};

// The whole file as bytes ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replaces `p` with `text` and sets its permission bits.
inline void write_file(const std::filesystem::path& p, const std::string& text, mode_t mode = 0644) {
  {
    std::ofstream out(p, std::ios::binary);
    out << text;
  }
  ::chmod(p.c_str(), mode);
}

}  // namespace orch::test
