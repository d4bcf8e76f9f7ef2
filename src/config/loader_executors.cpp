// Loader pass for where tasks run: the `executors:` map, `default_executor:`, and each task's
// `executor:` and `resources:`. Names resolve after the whole file is read, so the map may
// come after the tasks; an unknown name is reported at its line with the nearest known one.
#include <algorithm>
#include <cctype>

#include "loader_internal.h"

namespace orch::config_detail {
namespace {

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

constexpr std::string_view kTypes[] = {"slurm"};

// An integer >= 1 (cpus).
std::optional<int> read_cpus(Diagnostics& diag, const Field& field) {
  const auto n = read_integer(diag, field, 1, 100'000, "cpus: 2");
  if (!n) return std::nullopt;
  return static_cast<int>(*n);
}

// An integer >= 1 with an optional K, M, G or T suffix (sbatch --mem; no suffix = megabytes).
std::optional<std::string> read_memory(Diagnostics& diag, const Field& field) {
  const std::string hint = "an integer >= 1 with an optional K, M, G or T suffix, e.g. memory: 4G";
  if (!field.value.IsScalar()) {
    diag.error(field.line, field.task, in_quotes(field.name) + " must be a value", hint);
    return std::nullopt;
  }
  std::string text = field.value.Scalar();
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string suffix = text.substr(digits);
  const bool suffix_ok =
      suffix.empty() || (suffix.size() == 1 &&
                         std::string_view("KMGTkmgt").find(suffix[0]) != std::string_view::npos);
  const bool positive =
      digits > 0 && digits <= 12 && text.find_first_not_of('0') < digits;  // some digit is not 0
  if (!suffix_ok || !positive) {
    diag.error(field.line, field.task, "bad " + field.name + " " + in_quotes(text), hint);
    return std::nullopt;
  }
  if (!suffix.empty())
    text.back() = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
  return text;
}

void read_one_executor(Diagnostics& diag, const std::string& name, const Field& field,
                       PipelineConfig& config) {
  static constexpr std::string_view kKeys[] = {
      "type",   "partition",  "account",      "cpus",
      "memory", "extra_args", "poll_seconds", "max_pending_seconds"};
  const std::string section = "executors." + name;
  const auto fields = read_fields(diag, field.value, field.line, kKeys, section, "");
  if (!fields) return;
  ExecutorSpec spec;
  spec.name = name;
  spec.line = field.key_line;
  bool ok = true;
  if (name == kLocalExecutor) {
    diag.error(field.key_line, "", "executor name 'local' is reserved for this machine",
               "choose another name, e.g. cluster");
    ok = false;
  }
  if (const Field* f = fields->find("type")) {
    const auto type = read_string(diag, *f, "type: slurm");
    if (type && std::find(std::begin(kTypes), std::end(kTypes), *type) == std::end(kTypes)) {
      const auto suggestion = closest_match(*type, kTypes);
      diag.error(f->line, "",
                 "unknown executor type " + in_quotes(*type) + " for " + in_quotes(name),
                 suggestion ? did_you_mean(suggestion) : "the only type is slurm");
      ok = false;
    }
    ok = ok && type.has_value();
  } else {
    diag.error(field.key_line, "", "executor " + in_quotes(name) + " has no 'type'",
               "add type: slurm");
    ok = false;
  }
  if (const Field* f = fields->find("partition")) {
    const auto v = read_string(diag, *f, "partition: batch");
    if (v) spec.partition = *v;
    ok = ok && v.has_value();
  }
  if (const Field* f = fields->find("account")) {
    const auto v = read_string(diag, *f, "account: research");
    if (v) spec.account = *v;
    ok = ok && v.has_value();
  }
  if (const Field* f = fields->find("cpus")) {
    const auto v = read_cpus(diag, *f);
    if (v) spec.cpus = *v;
    ok = ok && v.has_value();
  }
  if (const Field* f = fields->find("memory")) {
    const auto v = read_memory(diag, *f);
    if (v) spec.memory = *v;
    ok = ok && v.has_value();
  }
  if (const Field* f = fields->find("extra_args")) {
    const auto items = read_scalar_list(diag, *f, "extra_args: [\"--qos=normal\"]");
    if (items) {
      for (const auto& item : *items) spec.extra_args.push_back(item.text);
    }
    ok = ok && items.has_value();
  }
  if (const Field* f = fields->find("poll_seconds")) {
    const auto v = read_duration(diag, *f, /*allow_zero=*/false);
    if (v) spec.poll = *v;
    ok = ok && v.has_value();
  }
  if (const Field* f = fields->find("max_pending_seconds")) {
    const auto v = read_duration(diag, *f, /*allow_zero=*/false);
    if (v) spec.max_pending = *v;
    ok = ok && v.has_value();
  }
  // Kept even when a setting is bad, so tasks naming it get no second "unknown" error.
  (void)ok;
  config.executors[name] = std::move(spec);
}

}  // namespace

void read_executors(Diagnostics& diag, const Field& field, PipelineConfig& config) {
  if (field.value.IsNull()) return;
  if (!field.value.IsMap()) {
    diag.error(field.line, "", "'executors' must be a map of executor names to settings",
               "e.g. executors: {cluster: {type: slurm, partition: batch}}");
    return;
  }
  for (const auto& entry : field.value) {
    if (!entry.first.IsScalar()) continue;
    if (config.executors.count(entry.first.Scalar())) {
      diag.error(line_of(entry.first, field.line), "",
                 "executor " + in_quotes(entry.first.Scalar()) + " is defined twice", "keep one");
      continue;
    }
    Field f;
    f.name = "executors." + entry.first.Scalar();
    f.key = entry.first;
    f.value = entry.second;
    f.key_line = line_of(entry.first, field.line);
    f.line = line_of(entry.second, f.key_line);
    read_one_executor(diag, entry.first.Scalar(), f, config);
  }
}

void read_task_executor(Diagnostics& diag, const Field& field, ParsedTask& task) {
  if (const auto name = read_string(diag, field, "executor: cluster")) {
    task.spec.executor = *name;
    task.executor_line = field.line;
  }
}

void read_task_resources(Diagnostics& diag, const Field& field, TaskSpec& spec) {
  static constexpr std::string_view kKeys[] = {"cpus", "memory"};
  const auto fields = read_fields(diag, field.value, field.line, kKeys, "resources", spec.name);
  if (!fields) return;
  if (const Field* f = fields->find("cpus")) {
    if (const auto v = read_cpus(diag, *f)) spec.cpus = *v;
  }
  if (const Field* f = fields->find("memory")) {
    if (const auto v = read_memory(diag, *f)) spec.memory = *v;
  }
}

void resolve_executors(Diagnostics& diag, PipelineConfig& config, int default_line,
                       std::vector<ParsedTask>& daily, std::vector<ParsedTask>& intraday) {
  std::vector<std::string> names{kLocalExecutor};
  for (const auto& [name, spec] : config.executors) names.push_back(name);
  const auto known = [&](const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  const auto unknown = [&](int line, const std::string& task, const std::string& name) {
    const auto suggestion = closest_match(name, names);
    diag.error(line, task, "unknown executor " + in_quotes(name),
               suggestion
                   ? did_you_mean(suggestion)
                   : "use local, or define it under executors: (e.g. cluster: {type: slurm})");
  };
  if (!known(config.default_executor)) {
    unknown(default_line, "", config.default_executor);
    config.default_executor = kLocalExecutor;
  }
  for (auto* tasks : {&daily, &intraday}) {
    for (ParsedTask& task : *tasks) {
      if (task.executor_line == 0) {
        task.spec.executor = config.default_executor;
      } else if (!known(task.spec.executor)) {
        unknown(task.executor_line, task.spec.name, task.spec.executor);
      }
    }
  }
}

}  // namespace orch::config_detail
