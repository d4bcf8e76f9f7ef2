// The floor for the trivial-task benchmarks: fork+exec a command N times and wait, at most
// J at once, in dependency "levels" (a barrier after every L tasks, as the orchestrator's tiers
// are). No logging, no database, no log files: only the process cost every runner pays.
//   floor N J LEVEL_SIZE /path/to/prog [args...]
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: floor N JOBS LEVEL_SIZE PROGRAM [ARGS...]\n");
    return 2;
  }
  const long n = std::atol(argv[1]);
  const long jobs = std::atol(argv[2]);
  const long level = std::atol(argv[3]) > 0 ? std::atol(argv[3]) : n;
  char** prog = argv + 4;
  int failures = 0;
  for (long begin = 0; begin < n; begin += level) {
    const long end = begin + level < n ? begin + level : n;
    long started = begin, running = 0;
    while (started < end || running > 0) {
      while (running < jobs && started < end) {
        const pid_t pid = ::fork();
        if (pid < 0) { std::perror("fork"); return 1; }
        if (pid == 0) {
          ::execve(prog[0], prog, environ);
          ::_exit(127);
        }
        ++started;
        ++running;
      }
      int status = 0;
      if (::waitpid(-1, &status, 0) > 0) {
        --running;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
      }
    }
  }
  return failures == 0 ? 0 : 1;
}
