#pragma once
// Internal to store/: the WAL checkpointer of a StatusStore's writing connection.
//
// The writing connection commits without checkpointing (its automatic checkpoint is off): a
// checkpoint syncs the WAL and the database file (two fdatasync calls, 0.5-1.8 ms each on
// ext4), and SQLite's own one runs inside the COMMIT that passes 1,000 WAL pages, on the
// runner's loop. Instead the connection's WAL hook (run by SQLite after every commit, on the
// writer's thread) hands the WAL's length to this object, which only compares it with a
// trigger and, past it, wakes a thread of its own. That thread has its own connection to the
// same file and runs PASSIVE checkpoints there: it never takes the write lock, so the writer
// never waits for it, and durability is unchanged (a commit is in the WAL as before; what a
// checkpoint copies is synced before the WAL is reused).
//
// What each thread touches: the writer's connection only on the writer's thread (the hook,
// after_commit, stop), the checkpointer's connection only on its thread; they share a mutex,
// a condition variable and a few atomics. The thread starts at the first signal (modes that
// write little never start one), sleeps on the condition variable otherwise (no timer while
// idle), and is joined by stop(), before the writing connection closes, so the last
// connection's close still checkpoints and removes the WAL.
//
// A WAL can start over only when it was checkpointed completely before the writer's next
// transaction began; a checkpoint racing a busy writer leaves a tail, copied once the writer
// has been quiet for `quiet`. Should the WAL still reach `hard_bound_pages` (a writer with no
// pause at all, a checkpointer that cannot open its connection), the writer checkpoints once
// itself after its commit, as SQLite would have, so the file stays bounded. Checkpoint trouble
// (SQLITE_BUSY while another process reads or checkpoints, a connection that cannot open)
// never fails a run: the WAL grows until the next try, and a debug-level note says so.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace orch::store_detail {

struct CheckpointOptions {
  int threshold_pages = 1000;    // SQLite's own automatic checkpoint's default
  int hard_bound_pages = 10000;  // the writer checkpoints itself at this WAL length
  std::chrono::milliseconds quiet{20};
  bool use_thread = true;  // tests: false shows what the WAL does without the thread
};

struct CheckpointStats {
  bool thread_started = false;
  int thread_checkpoints = 0;  // checkpoints the thread ran that returned SQLITE_OK
  int writer_checkpoints = 0;  // fallback checkpoints on the writer's connection
  int failures = 0;            // the thread's connection or checkpoint failed
};

class Checkpointer {
 public:
  // `device` and `inode`: the file the writer opened; the thread's connection must reach it.
  Checkpointer(std::filesystem::path path, std::uint64_t device, std::uint64_t inode);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Writer's thread. Tests may change the options before the first commit after attach().
  void configure(const CheckpointOptions& options) {
    options_ = options;
    trigger_.store(options.threshold_pages, std::memory_order_relaxed);
  }
  // Turns the writer's automatic checkpoint off and installs the WAL hook.
  void attach(sqlite3* writer);
  // Stops and joins the thread, removes the hook, checkpoints a WAL still past the threshold
  // on the writer's connection, passes on the last notes. Idempotent.
  void stop() noexcept;

  // Writer's thread, right after a COMMIT: the fallback checkpoint when the WAL passed the
  // hard bound, and the thread's notes passed on to the debug log. Cheap when neither.
  void after_commit() noexcept {
    if (writer_due_ || note_ready_.load(std::memory_order_relaxed)) after_commit_slow();
  }

  CheckpointStats stats() const;
  // Tests: waits (on a condition variable, at most `limit`) until the thread has nothing left
  // to do; false on timeout. True at once when no thread was started.
  bool wait_until_idle(std::chrono::milliseconds limit);

 private:
  static int wal_hook(void* self, sqlite3* db, const char* name, int frames);
  void on_commit(int frames) noexcept;  // the writer's thread, inside SQLite's commit
  void start_thread() noexcept;         // with m_ held
  void run() noexcept;                  // the thread
  void after_commit_slow() noexcept;
  void note(const std::string& text);  // with m_ held

  const std::filesystem::path path_;
  const std::uint64_t device_;
  const std::uint64_t inode_;
  CheckpointOptions options_;

  // The writer's thread only.
  sqlite3* writer_ = nullptr;
  int last_frames_ = 0;
  bool writer_due_ = false;  // the WAL passed the hard bound: checkpoint after this commit
  bool no_thread_ = false;   // the thread could not start: the writer checkpoints at the threshold

  // Shared with the thread.
  mutable std::mutex m_;
  std::condition_variable wake_;  // the thread waits here
  std::condition_variable idle_;  // wait_until_idle waits here
  std::thread thread_;
  std::atomic<int> frames_{0};   // the WAL's length after the latest commit
  std::atomic<int> trigger_{0};  // a commit leaving the WAL at least this long wakes the thread
  std::atomic<bool> note_ready_{false};
  bool started_ = false;
  bool stop_ = false;
  bool wanted_ = false;  // a commit passed the trigger since the thread last looked
  bool idle_now_ = true;
  std::uint64_t generation_ = 0;  // counts the WAL's restarts the writer saw
  std::string notes_;
  CheckpointStats stats_;
};

// Passes `text` to the debug log set by StatusStore::set_debug_log (nothing when none is set).
// Call it on the thread that writes only.
void debug_note(const std::string& text);

}  // namespace orch::store_detail
