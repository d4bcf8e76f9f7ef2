// The pipeline-file cache's encoding. Layout (integers are 8 bytes in the host's order: a
// cache is read only by the binary that wrote it, on the same machine):
//   "ORCHCFG" 0x00, format byte, binary identity, absolute path, the file's bytes,
//   the PipelineConfig, the warnings, then a 64-bit checksum of everything before it.
// Strings are a length and the bytes. The reader checks every length against what is left
// and must end exactly at the checksum; any mismatch is a miss.
#include "orchestrator/config/config_cache.h"

#if defined(__linux__)
#include <elf.h>
#include <link.h>
#endif

#include <cstring>
#include <type_traits>

namespace orch {
namespace {

namespace fs = std::filesystem;
constexpr char kMagic[8] = {'O', 'R', 'C', 'H', 'C', 'F', 'G', '\0'};

#ifndef ORCH_VERSION
#define ORCH_VERSION "unknown"
#endif

// A new field in these structs must be added to put()/get() below and to the round-trip
// test (tests/unit/test_config_cache.cpp); this trips on glibc/x86-64 builds when one is
// added, so the encoding is not silently left behind.
#if defined(__GLIBCXX__) && defined(__x86_64__)
static_assert(sizeof(TaskSpec) == 392, "TaskSpec changed: update the pipeline-file cache");
static_assert(sizeof(ExecutorSpec) == 216, "ExecutorSpec changed: update the pipeline-file cache");
static_assert(sizeof(PipelineConfig) == 824,
              "PipelineConfig changed: update the pipeline-file cache");
static_assert(sizeof(MarketHours) == 136, "MarketHours changed: update the pipeline-file cache");
#endif

// Not a cryptographic hash: it tells a damaged file from an intact one.
std::uint64_t checksum(std::string_view bytes) {
  std::uint64_t h = 0x243F6A8885A308D3ULL ^ bytes.size();
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
  }
  for (; i < bytes.size(); ++i) {
    h = (h ^ static_cast<unsigned char>(bytes[i])) * 0x100000001B3ULL;
  }
  h ^= h >> 32;
  return h * 0xD6E8FEB86659FD93ULL;
}

class Writer {
 public:
  std::string out;
  void u64(std::uint64_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void str(std::string_view s) {
    u64(s.size());
    out.append(s);
  }
  void path(const fs::path& p) { str(p.native()); }
  void secs(Seconds s) { i64(s.count()); }
  void tod(TimeOfDay t) { secs(t.since_midnight); }
  void strs(const std::vector<std::string>& v) {
    u64(v.size());
    for (const auto& s : v) str(s);
  }
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return ok_ && pos_ == in_.size(); }

  std::uint64_t u64() {
    if (!ok_ || in_.size() - pos_ < 8) return fail();
    std::uint64_t v;
    std::memcpy(&v, in_.data() + pos_, 8);
    pos_ += 8;
    return v;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  int i32() { return static_cast<int>(i64()); }
  bool boolean() { return u64() != 0; }
  // A count of items each at least `min_bytes` long: refused when the rest cannot hold them.
  std::size_t count(std::size_t min_bytes = 8) {
    const std::uint64_t n = u64();
    if (!ok_ || n > (in_.size() - pos_) / min_bytes) return static_cast<std::size_t>(fail());
    return static_cast<std::size_t>(n);
  }
  std::string_view view() {
    const std::uint64_t n = u64();
    if (!ok_ || n > in_.size() - pos_) {
      fail();
      return {};
    }
    const std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string str() { return std::string(view()); }
  fs::path path() { return fs::path(str()); }
  Seconds secs() { return Seconds(i64()); }
  TimeOfDay tod() { return TimeOfDay{secs()}; }
  std::vector<std::string> strs() {
    std::vector<std::string> v(count());
    for (auto& s : v) s = str();
    return v;
  }
  template <typename E>
  E choice(int last) {  // an enum value 0..last
    const std::uint64_t v = u64();
    if (v > static_cast<std::uint64_t>(last)) fail();
    return static_cast<E>(ok_ ? v : 0);
  }

 private:
  std::uint64_t fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

void put(Writer& w, const RetryPolicy& r) {
  w.i64(r.max_attempts);
  w.u64(r.backoff.size());
  for (Seconds s : r.backoff) w.secs(s);
}
RetryPolicy get_retry(Reader& r) {
  RetryPolicy p;
  p.max_attempts = r.i32();
  p.backoff.resize(r.count());
  for (auto& s : p.backoff) s = r.secs();
  return p;
}

void put(Writer& w, const ExecutorSpec& e) {
  w.str(e.name);
  w.str(e.type);
  w.str(e.partition);
  w.str(e.account);
  w.i64(e.cpus);
  w.str(e.memory);
  w.strs(e.extra_args);
  w.secs(e.poll);
  w.secs(e.max_pending);
  w.i64(e.line);
}
ExecutorSpec get_executor(Reader& r) {
  ExecutorSpec e;
  e.name = r.str();
  e.type = r.str();
  e.partition = r.str();
  e.account = r.str();
  e.cpus = r.i32();
  e.memory = r.str();
  e.extra_args = r.strs();
  e.poll = r.secs();
  e.max_pending = r.secs();
  e.line = r.i32();
  return e;
}

void put(Writer& w, const TaskSpec& t) {
  w.str(t.name);
  w.str(t.script);
  w.path(t.script_path);
  w.strs(t.args);
  w.u64(t.env.size());
  for (const auto& [k, v] : t.env) {
    w.str(k);
    w.str(v);
  }
  w.u64(static_cast<std::uint64_t>(t.schedule));
  w.i64(t.tier);
  w.u64(t.tier_explicit);
  w.strs(t.dependencies);
  w.secs(t.max_runtime);
  w.u64(t.critical);
  w.str(t.data_source);
  w.u64(t.retry.has_value());
  if (t.retry) put(w, *t.retry);
  w.str(t.executor);
  w.i64(t.cpus);
  w.str(t.memory);
  w.i64(t.line);
  w.i64(t.script_line);
  w.u64(t.time.has_value());
  if (t.time) w.tod(*t.time);
  w.secs(t.interval);
  w.u64(t.market_hours_only);
  w.u64(static_cast<std::uint64_t>(t.session));
}
TaskSpec get_task(Reader& r) {
  TaskSpec t;
  t.name = r.str();
  t.script = r.str();
  t.script_path = r.path();
  t.args = r.strs();
  t.env.resize(r.count(16));
  for (auto& [k, v] : t.env) {
    k = r.str();
    v = r.str();
  }
  t.schedule = r.choice<Schedule>(1);
  t.tier = r.i32();
  t.tier_explicit = r.boolean();
  t.dependencies = r.strs();
  t.max_runtime = r.secs();
  t.critical = r.boolean();
  t.data_source = r.str();
  if (r.boolean()) t.retry = get_retry(r);
  t.executor = r.str();
  t.cpus = r.i32();
  t.memory = r.str();
  t.line = r.i32();
  t.script_line = r.i32();
  if (r.boolean()) t.time = r.tod();
  t.interval = r.secs();
  t.market_hours_only = r.boolean();
  t.session = r.choice<SessionKind>(1);
  return t;
}

void put_seconds_map(Writer& w, const std::map<std::string, Seconds>& m) {
  w.u64(m.size());
  for (const auto& [k, v] : m) {
    w.str(k);
    w.secs(v);
  }
}
std::map<std::string, Seconds> get_seconds_map(Reader& r) {
  std::map<std::string, Seconds> m;
  for (std::size_t n = r.count(16); n > 0 && r.ok(); --n) {
    std::string k = r.str();
    m.emplace_hint(m.end(), std::move(k), r.secs());
  }
  return m;
}

void put_optional_path(Writer& w, const std::optional<fs::path>& p) {
  w.u64(p.has_value());
  if (p) w.path(*p);
}
std::optional<fs::path> get_optional_path(Reader& r) {
  if (!r.boolean()) return std::nullopt;
  return r.path();
}

void put(Writer& w, const PipelineConfig& c) {
  w.path(c.file);
  w.path(c.base_dir);
  w.u64(c.folder_known);
  w.str(c.timezone);
  w.path(c.database);
  w.path(c.log_dir);
  w.i64(c.max_parallel);
  w.secs(c.kill_grace);
  w.u64(static_cast<std::uint64_t>(c.daily_days));
  w.i64(c.daily_catchup);
  put_optional_path(w, c.metrics_file);
  w.u64(c.on_failure.has_value());
  if (c.on_failure) {
    w.strs(c.on_failure->command);
    w.secs(c.on_failure->timeout);
  }
  put_optional_path(w, c.serve_token_file);
  w.strs(c.serve_allowed_hosts);
  const MarketHours& m = c.market_hours;
  w.str(m.calendar);
  w.tod(m.open);
  w.tod(m.close);
  w.tod(m.pre_market_open);
  w.tod(m.post_market_close);
  w.u64(m.extra_closures.size());
  for (const auto& d : m.extra_closures) w.i64(std::chrono::sys_days(d).time_since_epoch().count());
  w.u64(m.extra_early_closes.size());
  for (const auto& [day, t] : m.extra_early_closes) {
    w.i64(day.time_since_epoch().count());
    w.tod(t);
  }
  put(w, c.retry_policy);
  put_seconds_map(w, c.freshness.green);
  put_seconds_map(w, c.freshness.yellow);
  w.u64(c.executors.size());
  for (const auto& [name, e] : c.executors) {
    w.str(name);
    put(w, e);
  }
  w.str(c.default_executor);
  for (const auto* tasks : {&c.daily, &c.intraday}) {
    w.u64(tasks->size());
    for (const auto& t : *tasks) put(w, t);
  }
  w.u64(c.setting_lines.size());
  for (const auto& [key, line] : c.setting_lines) {
    w.str(key);
    w.i64(line);
  }
}

std::chrono::sys_days get_day(Reader& r) {
  return std::chrono::sys_days(std::chrono::days(r.i64()));
}

PipelineConfig get_config(Reader& r) {
  PipelineConfig c;
  c.file = r.path();
  c.base_dir = r.path();
  c.folder_known = r.boolean();
  c.timezone = r.str();
  c.database = r.path();
  c.log_dir = r.path();
  c.max_parallel = r.i32();
  c.kill_grace = r.secs();
  c.daily_days = r.choice<DailyDays>(2);
  c.daily_catchup = r.i32();
  c.metrics_file = get_optional_path(r);
  if (r.boolean()) {
    AlertCommand a;
    a.command = r.strs();
    a.timeout = r.secs();
    c.on_failure = std::move(a);
  }
  c.serve_token_file = get_optional_path(r);
  c.serve_allowed_hosts = r.strs();
  MarketHours& m = c.market_hours;
  m.calendar = r.str();
  m.open = r.tod();
  m.close = r.tod();
  m.pre_market_open = r.tod();
  m.post_market_close = r.tod();
  m.extra_closures.resize(r.count());
  for (auto& d : m.extra_closures) d = std::chrono::year_month_day(get_day(r));
  for (std::size_t n = r.count(16); n > 0 && r.ok(); --n) {
    const auto day = get_day(r);
    m.extra_early_closes[day] = r.tod();
  }
  c.retry_policy = get_retry(r);
  c.freshness.green = get_seconds_map(r);
  c.freshness.yellow = get_seconds_map(r);
  for (std::size_t n = r.count(); n > 0 && r.ok(); --n) {
    std::string name = r.str();
    c.executors.emplace(std::move(name), get_executor(r));
  }
  c.default_executor = r.str();
  for (auto* tasks : {&c.daily, &c.intraday}) {
    // A task takes well over 64 bytes encoded: a corrupt count cannot allocate much.
    const std::size_t n = r.count(64);
    tasks->reserve(n);
    for (std::size_t i = 0; i < n && r.ok(); ++i) tasks->push_back(get_task(r));
  }
  for (std::size_t n = r.count(16); n > 0 && r.ok(); --n) {
    std::string key = r.str();
    c.setting_lines.emplace_hint(c.setting_lines.end(), std::move(key), r.i32());
  }
  return c;
}

#if defined(__linux__)
// The build id note of the loaded object that holds `address`.
struct BuildIdSearch {
  const void* address = nullptr;
  std::string id;
};

int find_build_id(dl_phdr_info* info, std::size_t, void* data) {
  auto* search = static_cast<BuildIdSearch*>(data);
  const auto target = reinterpret_cast<ElfW(Addr)>(search->address);
  bool holds = false;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    const ElfW(Addr) start = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD && target >= start && target < start + ph.p_memsz) holds = true;
  }
  if (!holds) return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      ElfW(Nhdr) note;
      std::memcpy(&note, p, sizeof note);
      const char* name = p + sizeof note;
      const char* desc = name + ((note.n_namesz + 3) & ~3U);
      const char* next = desc + ((note.n_descsz + 3) & ~3U);
      if (next > end) break;
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0) {
        static constexpr char kHex[] = "0123456789abcdef";
        for (std::uint32_t b = 0; b < note.n_descsz; ++b) {
          const auto byte = static_cast<unsigned char>(desc[b]);
          search->id += kHex[byte >> 4];
          search->id += kHex[byte & 15];
        }
        return 1;
      }
      p = next;
    }
  }
  return 1;  // the object holding the loader has no build id
}
#endif

}  // namespace

fs::path config_cache_path(const fs::path& absolute_file) {
  std::string name = ".";
  name += absolute_file.filename().native();
  name += ".cache";
  return absolute_file.parent_path() / name;
}

const std::string& config_binary_identity() {
  static const std::string identity = [] {
    std::string id;
#if defined(__linux__)
    BuildIdSearch search;
    search.address = reinterpret_cast<const void*>(&encode_config_cache);
    dl_iterate_phdr(find_build_id, &search);
    if (!search.id.empty()) id = search.id + " " + ORCH_VERSION;
#endif
    return id;
  }();
  return identity;
}

std::string encode_config_cache(const ConfigCacheKey& key, std::string_view content,
                                const CachedConfig& cached) {
  Writer w;
  w.out.reserve(content.size() * 2 + 4096);
  w.out.append(kMagic, sizeof kMagic);
  w.out.push_back(static_cast<char>(kConfigCacheFormat));
  w.str(key.binary);
  w.path(key.absolute_file);
  w.str(content);
  put(w, cached.config);
  w.u64(cached.warnings.size());
  for (const auto& d : cached.warnings) {
    w.i64(d.line);
    w.str(d.task);
    w.str(d.message);
    w.str(d.hint);
  }
  w.u64(checksum(w.out));
  return std::move(w.out);
}

std::optional<CachedConfig> decode_config_cache(std::string_view bytes, const ConfigCacheKey& key,
                                                std::string_view content) {
  constexpr std::size_t kHead = sizeof kMagic + 1;
  if (key.binary.empty() || bytes.size() < kHead + 8) return std::nullopt;
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0 ||
      static_cast<std::uint8_t>(bytes[sizeof kMagic]) != kConfigCacheFormat) {
    return std::nullopt;
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  std::uint64_t stored;
  std::memcpy(&stored, bytes.data() + body.size(), 8);
  if (stored != checksum(body)) return std::nullopt;
  Reader r(body.substr(kHead));
  if (r.view() != key.binary || r.view() != key.absolute_file.native() || r.view() != content ||
      !r.ok()) {
    return std::nullopt;
  }
  CachedConfig out;
  out.config = get_config(r);
  for (std::size_t n = r.count(32); n > 0 && r.ok(); --n) {
    ConfigDiagnostic d;
    d.line = r.i32();
    d.task = r.str();
    d.message = r.str();
    d.hint = r.str();
    out.warnings.push_back(std::move(d));
  }
  if (!r.at_end()) return std::nullopt;
  return out;
}

}  // namespace orch
