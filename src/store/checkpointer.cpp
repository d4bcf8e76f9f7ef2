// The WAL checkpointer: the writer's WAL hook, the thread and its connection, the writer's
// fallback (see checkpointer.h for what each guarantees).
#include "checkpointer.h"

#include <signal.h>
#include <sqlite3.h>

#include <functional>
#include <system_error>
#include <utility>

#include "connection.h"
#include "orchestrator/store/status_store.h"

namespace orch {
namespace {

std::function<void(const std::string&)>& debug_log() {
  static std::function<void(const std::string&)> log;
  return log;
}

}  // namespace

void StatusStore::set_debug_log(std::function<void(const std::string&)> log) {
  debug_log() = std::move(log);
}

}  // namespace orch

namespace orch::store_detail {
namespace {

// Notes waiting for the writer are kept to this size; more is dropped (they are debug lines).
constexpr std::size_t kMaxNotes = 4096;
// How long the thread's connection waits for a lock to open (a reader starting while the
// writer restarts the WAL); a checkpoint itself never waits.
constexpr int kOpenBusyMs = 100;
// Checkpoint attempts in a row while SQLITE_BUSY.
constexpr int kBusyTries = 3;

std::string describe(sqlite3* db, int rc) {
  std::string text = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_BUSY) text += " (another connection reads or checkpoints it)";
  return text;
}

// Opens the thread's connection to `path` and reads from it once, which opens the WAL (a
// checkpoint on a connection that has read nothing yet does nothing). Refuses a file that is
// not the writer's (deleted or replaced since: the writer's own checks stop the run).
sqlite3* open_own(const std::filesystem::path& path, std::uint64_t device, std::uint64_t inode,
                  std::string* why) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, kOpenBusyMs);
    rc = sqlite3_exec(db, "PRAGMA synchronous = NORMAL; PRAGMA schema_version", nullptr, nullptr,
                      nullptr);
  }
  if (rc != SQLITE_OK) {
    *why = "cannot open a second connection: " + describe(db, rc);
    sqlite3_close(db);
    return nullptr;
  }
  const auto identity = file_identity(path);
  if (!identity || identity->first != device || identity->second != inode) {
    *why = "the path no longer leads to the file the store opened";
    sqlite3_close(db);
    return nullptr;
  }
  return db;
}

}  // namespace

void debug_note(const std::string& text) {
  if (debug_log()) debug_log()(text);
}

Checkpointer::Checkpointer(std::filesystem::path path, std::uint64_t device, std::uint64_t inode)
    : path_(std::move(path)), device_(device), inode_(inode) {}

Checkpointer::~Checkpointer() { stop(); }

void Checkpointer::attach(sqlite3* writer) {
  writer_ = writer;
  trigger_.store(options_.threshold_pages, std::memory_order_relaxed);
  sqlite3_wal_autocheckpoint(writer, 0);
  sqlite3_wal_hook(writer, &Checkpointer::wal_hook, this);
}

int Checkpointer::wal_hook(void* self, sqlite3* /*db*/, const char* /*name*/, int frames) {
  static_cast<Checkpointer*>(self)->on_commit(frames);
  return SQLITE_OK;
}

// Inside SQLite's commit on the writer's thread: compares, and at most takes the mutex (never
// held by the thread for longer than a few assignments) to wake the thread. Never checkpoints.
void Checkpointer::on_commit(int frames) noexcept {
  const int before = last_frames_;
  last_frames_ = frames;
  frames_.store(frames, std::memory_order_relaxed);
  if (frames >= options_.hard_bound_pages || (no_thread_ && frames >= options_.threshold_pages)) {
    writer_due_ = true;
  }
  const bool restarted = frames < before;  // the WAL started over from its beginning
  if (!restarted && frames < trigger_.load(std::memory_order_relaxed)) return;
  bool wake = false;
  {
    const std::lock_guard<std::mutex> lock(m_);
    if (restarted) {
      ++generation_;
      trigger_.store(options_.threshold_pages, std::memory_order_relaxed);
    }
    if (frames >= trigger_.load(std::memory_order_relaxed) && options_.use_thread && !no_thread_) {
      if (!started_) start_thread();
      if (started_) {
        wake = !wanted_;
        wanted_ = true;
      }
    }
  }
  if (wake) wake_.notify_one();
}

// Every signal is blocked in the thread (it inherits the mask it is created with): a
// process-directed signal such as SIGCHLD must reach the thread that waits for it in ppoll.
void Checkpointer::start_thread() noexcept {
  sigset_t all;
  sigset_t old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  try {
    thread_ = std::thread([this] { run(); });
    started_ = true;
    idle_now_ = false;
    stats_.thread_started = true;
  } catch (const std::system_error& e) {
    no_thread_ = true;  // the writer checkpoints at the threshold, as SQLite would
    note(std::string("cannot start the checkpoint thread: ") + e.what() +
         "; the writer checkpoints itself");
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

// The thread. Woken by a commit that reached the trigger, it checkpoints at once when a
// threshold's worth of frames is not yet copied; fewer (a commit right after a complete
// checkpoint) it copies once the writer has been quiet for `quiet`, so the WAL can start over
// at the writer's next transaction. Sleeps without a timer otherwise.
void Checkpointer::run() noexcept {
  sqlite3* own = nullptr;
  bool failing = false;
  bool watching = false;  // frames past `done` wait for the writer to pause
  int done = 0;           // frames of the WAL known to be copied into the database
  std::uint64_t gen = 0;  // the WAL generation `done` counts in
  std::unique_lock<std::mutex> lock(m_);
  while (!stop_) {
    const int threshold = options_.threshold_pages;
    if (gen != generation_) {  // the WAL started over: nothing of it is copied yet
      gen = generation_;
      done = 0;
      watching = false;
    }
    const int frames = frames_.load(std::memory_order_relaxed);
    bool go = false;
    if (wanted_) {
      wanted_ = false;
      go = frames - done >= threshold;
      watching = !go;
    }
    if (!go && watching && frames > done) {
      trigger_.store(done + threshold, std::memory_order_relaxed);  // that many: at once
      if (wake_.wait_for(lock, options_.quiet, [this] { return stop_ || wanted_; })) continue;
      if (frames_.load(std::memory_order_relaxed) != frames) continue;  // still writing
      go = gen == generation_;
    }
    if (!go) {
      watching = false;
      idle_now_ = true;
      idle_.notify_all();
      wake_.wait(lock, [this] { return stop_ || wanted_; });
      idle_now_ = false;
      continue;
    }

    lock.unlock();
    std::string why;
    int rc = SQLITE_OK;
    int log = -1;
    int copied = -1;
    if (own == nullptr) own = open_own(path_, device_, inode_, &why);
    if (own != nullptr) {
      // SQLITE_BUSY can also be a moment's overlap: the WAL index header read while the writer
      // rewrites it (microseconds). Tried again at once a few times before it counts.
      for (int attempt = 0; attempt < kBusyTries; ++attempt) {
        rc = sqlite3_wal_checkpoint_v2(own, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
        if ((rc & 0xff) != SQLITE_BUSY) break;
        std::this_thread::yield();
      }
      if (rc != SQLITE_OK) why = "checkpoint failed: " + describe(own, rc);
    }
    lock.lock();

    watching = false;
    if (own != nullptr && rc == SQLITE_OK && log >= 0) {
      ++stats_.thread_checkpoints;
      if (failing) note("WAL checkpoints of " + path_.string() + " work again");
      failing = false;
      if (gen == generation_) {
        done = copied;
        // All copied: the next commit wakes the thread to watch for the writer's pause. Not
        // all (a reader is still on the WAL): try again a threshold's worth later.
        trigger_.store(copied == log ? log + 1 : log + threshold, std::memory_order_relaxed);
      }
    } else {
      ++stats_.failures;
      if (!failing) {
        note("WAL checkpoint of " + path_.string() + ": " + why +
             "; the WAL grows until the next try");
      }
      failing = true;
      if (gen == generation_) {
        trigger_.store(frames_.load(std::memory_order_relaxed) + threshold,
                       std::memory_order_relaxed);
      }
    }
  }
  lock.unlock();
  // The writer's connection is still open: this close is not the last one, so it neither
  // checkpoints nor removes the WAL, and SQLite keeps the descriptors its locks live on.
  if (own != nullptr) sqlite3_close(own);
}

void Checkpointer::note(const std::string& text) {
  if (notes_.size() + text.size() < kMaxNotes) {
    notes_ += text;
    notes_ += '\n';
    note_ready_.store(true, std::memory_order_relaxed);
  }
}

void Checkpointer::after_commit_slow() noexcept {
  if (writer_due_ && writer_ != nullptr && sqlite3_get_autocommit(writer_) != 0) {
    writer_due_ = false;  // the next commit sets it again while the WAL is still too long
    int log = -1;
    int copied = -1;
    const int rc =
        sqlite3_wal_checkpoint_v2(writer_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    const std::lock_guard<std::mutex> lock(m_);
    if (rc == SQLITE_OK) {
      ++stats_.writer_checkpoints;
    } else if ((rc & 0xff) != SQLITE_BUSY) {  // busy: the thread is at it right now
      note("WAL checkpoint of " + path_.string() +
           " by the writer failed: " + describe(writer_, rc));
    }
  }
  if (!note_ready_.load(std::memory_order_relaxed)) return;
  std::string text;
  {
    const std::lock_guard<std::mutex> lock(m_);
    text.swap(notes_);
    note_ready_.store(false, std::memory_order_relaxed);
  }
  try {
    std::size_t from = 0;
    for (std::size_t end = text.find('\n'); end != std::string::npos;
         from = end + 1, end = text.find('\n', from)) {
      debug_note(text.substr(from, end - from));
    }
  } catch (...) {  // a debug line that cannot be written is not worth failing a commit for
  }
}

void Checkpointer::stop() noexcept {
  {
    const std::lock_guard<std::mutex> lock(m_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (writer_ != nullptr) {
    // Back to SQLite's own automatic checkpoint, should anything commit after this.
    sqlite3_wal_autocheckpoint(writer_, options_.threshold_pages);
    // A WAL left past the threshold (the thread never saw the writer pause) is checkpointed
    // once more here, at the end, not between tasks: the close checkpoints only when it is
    // the last connection, and another process (a dashboard) may keep the file open, so the
    // WAL could otherwise never start over. Nothing to copy costs nothing.
    writer_due_ = last_frames_ >= options_.threshold_pages;
    after_commit_slow();  // and the last notes
    writer_ = nullptr;
  }
}

CheckpointStats Checkpointer::stats() const {
  const std::lock_guard<std::mutex> lock(m_);
  return stats_;
}

bool Checkpointer::wait_until_idle(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(m_);
  if (!started_) return true;
  return idle_.wait_for(lock, limit, [this] { return stop_ || (idle_now_ && !wanted_); });
}

}  // namespace orch::store_detail
