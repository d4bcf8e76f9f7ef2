// Checked access to YAML values for the loader: maps with known keys, typo suggestions and
// typed scalars. Each reader reports what is wrong, where, and how to write it instead.
#include <algorithm>
#include <charconv>
#include <map>

#include "loader_internal.h"

namespace orch::config_detail {
namespace {

std::string kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Null: return "nothing";
    default: return in_quotes(node.Scalar());
  }
}

enum class IntParse { Ok, NotNumber, TooLarge };

IntParse parse_integer(std::string_view text, long long& out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+') return IntParse::NotNumber;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec == std::errc::result_out_of_range) return IntParse::TooLarge;
  if (ec != std::errc{} || end != text.data() + text.size()) return IntParse::NotNumber;
  return IntParse::Ok;
}

// A single non-null scalar, or an error naming what was found instead.
bool require_scalar(Diagnostics& diag, const Field& field, std::string_view example) {
  if (field.value.IsScalar()) return true;
  const std::string hint = "e.g. " + std::string(example);
  if (field.value.IsNull()) {
    diag.error(field.line, field.task, in_quotes(field.name) + " has no value", hint);
  } else {
    diag.error(field.line, field.task,
               in_quotes(field.name) + " must be a single value, not " + kind_of(field.value),
               hint);
  }
  return false;
}

std::string joined(std::span<const std::string_view> words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out;
}

}  // namespace

void Diagnostics::error(int line, std::string task, std::string message, std::string hint) {
  result_.errors.push_back(make(line, std::move(task), std::move(message), std::move(hint)));
}
void Diagnostics::warning(int line, std::string task, std::string message, std::string hint) {
  result_.warnings.push_back(make(line, std::move(task), std::move(message), std::move(hint)));
}
void Diagnostics::missing_script(int line, std::string task, std::string message,
                                 std::string hint) {
  result_.missing_scripts.push_back(
      make(line, std::move(task), std::move(message), std::move(hint)));
}
ConfigDiagnostic Diagnostics::make(int line, std::string task, std::string message,
                                   std::string hint) const {
  return ConfigDiagnostic{file_, line, std::move(task), std::move(message), std::move(hint)};
}

int line_of(const YAML::Node& node, int fallback) {
  // yaml-cpp places an empty (null) value at the next token, often lines later.
  if (!node.IsDefined() || node.IsNull()) return fallback;
  const int line = node.Mark().line;
  return line >= 0 ? line + 1 : fallback;
}

const Field* Fields::find(std::string_view key) const {
  for (const auto& field : all) {
    if (field.key.Scalar() == key) return &field;
  }
  return nullptr;
}

std::optional<Fields> read_fields(Diagnostics& diag, const YAML::Node& node, int line,
                                  std::span<const std::string_view> known,
                                  const std::string& section, const std::string& task,
                                  const MisplacedHint& misplaced) {
  Fields fields;
  if (node.IsNull()) return fields;
  if (!node.IsMap()) {
    if (section.empty()) {
      diag.error(line, task, "a task must be a map of key: value, not " + kind_of(node),
                 "write each task as '- name: ...' followed by its keys, indented");
    } else {
      diag.error(line, task,
                 in_quotes(section) + " must be a map of key: value, not " + kind_of(node),
                 "indent its keys under '" + section + ":'");
    }
    return std::nullopt;
  }
  std::map<std::string, int> seen;  // key -> line of its first occurrence
  const std::string where = section.empty() ? "" : " in " + section;
  for (const auto& entry : node) {
    Field field{"", task, entry.first, entry.second, line_of(entry.first, line), 0};
    field.line = line_of(field.value, field.key_line);
    if (!field.key.IsScalar()) {
      diag.error(field.key_line, task,
                 "a key must be a plain name, not " + kind_of(field.key) + where,
                 "known keys: " + joined(known));
      continue;
    }
    const std::string& key = field.key.Scalar();
    field.name = section;
    if (!field.name.empty()) field.name += '.';
    field.name += key;
    if (key == "<<" && field.key.Tag() != "!") {
      // yaml-cpp reads a merge key as a plain key: say what it is, not "unknown key".
      diag.error(field.key_line, task, "YAML merge keys ('<<: *anchor') are not supported" + where,
                 "write the keys out; an alias of a whole value (retry_policy: *retry) does work");
      continue;
    }
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::optional<std::string> hint = misplaced ? misplaced(key) : std::nullopt;
      if (!hint) {
        const auto suggestion = closest_match(key, known);
        hint = suggestion ? did_you_mean(suggestion) : "known keys: " + joined(known);
      }
      diag.error(field.key_line, task, "unknown key " + in_quotes(key) + where, *hint);
      continue;
    }
    const auto [first, inserted] = seen.emplace(key, field.key_line);
    if (!inserted) {
      diag.error(field.key_line, task,
                 "duplicate key " + in_quotes(key) + where + " (first on line " +
                     std::to_string(first->second) + ")",
                 "keep only one of them");
      continue;
    }
    fields.all.push_back(std::move(field));
  }
  return fields;
}

std::optional<std::string> read_string(Diagnostics& diag, const Field& field,
                                       std::string_view example) {
  if (!require_scalar(diag, field, example)) return std::nullopt;
  const std::string& text = field.value.Scalar();
  if (text.find_first_not_of(" \t") == std::string::npos) {
    diag.error(field.line, field.task, in_quotes(field.name) + " is empty",
               "e.g. " + std::string(example));
    return std::nullopt;
  }
  return text;
}

std::optional<long long> read_integer(Diagnostics& diag, const Field& field, long long min,
                                      long long max, std::string_view example) {
  if (!require_scalar(diag, field, example)) return std::nullopt;
  const std::string& text = field.value.Scalar();
  long long value = 0;
  const std::string hint = "e.g. " + std::string(example);
  switch (parse_integer(text, value)) {
    case IntParse::NotNumber:
      diag.error(field.line, field.task,
                 in_quotes(field.name) + " must be a whole number, got " + in_quotes(text), hint);
      return std::nullopt;
    case IntParse::TooLarge:
      diag.error(field.line, field.task,
                 in_quotes(field.name) + " is out of range: " + text + " (at most " +
                     std::to_string(max) + ")",
                 hint);
      return std::nullopt;
    case IntParse::Ok: break;
  }
  if (value < min || value > max) {
    const std::string range =
        value < min ? "at least " + std::to_string(min) : "at most " + std::to_string(max);
    diag.error(field.line, field.task,
               in_quotes(field.name) + " must be " + range + ", got " + text, hint);
    return std::nullopt;
  }
  return value;
}

std::optional<Seconds> read_duration(Diagnostics& diag, const Field& field, bool allow_zero,
                                     long long unit_seconds) {
  const std::string unit = unit_seconds == 60 ? "minutes" : "seconds";
  // "retry_policy.backoff_seconds[1]" -> "backoff_seconds: [10, 30]"; "x.timeout_seconds" ->
  // "timeout_seconds: 30"
  std::string key = field.name.substr(field.name.rfind('.') + 1);
  const bool list_item = !key.empty() && key.back() == ']';
  if (list_item) key = key.substr(0, key.find('['));
  const std::string example = key + ": " +
                              (list_item            ? "[10, 30]"
                               : unit_seconds == 60 ? "5"
                                                    : "30");
  const std::string hint =
      "a whole number of " + unit + (allow_zero ? "" : " greater than 0") + ", e.g. " + example;
  if (!require_scalar(diag, field, example)) return std::nullopt;
  const std::string& text = field.value.Scalar();
  long long value = 0;
  const IntParse parsed = parse_integer(text, value);
  if (parsed == IntParse::NotNumber) {
    diag.error(
        field.line, field.task,
        in_quotes(field.name) + " must be a whole number of " + unit + ", got " + in_quotes(text),
        hint);
    return std::nullopt;
  }
  const long long max = kMaxDurationSeconds / unit_seconds;
  if (parsed == IntParse::TooLarge || value > max) {
    diag.error(field.line, field.task,
               in_quotes(field.name) + " is too large: " + text + " (at most " +
                   std::to_string(max) + " " + unit + ", ten years)",
               hint);
    return std::nullopt;
  }
  if (value < 0 || (value == 0 && !allow_zero)) {
    diag.error(field.line, field.task,
               in_quotes(field.name) +
                   (allow_zero ? " must not be negative" : " must be greater than 0") + ", got " +
                   text,
               hint);
    return std::nullopt;
  }
  return Seconds{value * unit_seconds};
}

std::optional<bool> read_bool(Diagnostics& diag, const Field& field) {
  if (!require_scalar(diag, field, field.name + ": true")) return std::nullopt;
  std::string text = field.value.Scalar();
  std::transform(text.begin(), text.end(), text.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  diag.error(
      field.line, field.task,
      in_quotes(field.name) + " must be true or false, got " + in_quotes(field.value.Scalar()),
      "e.g. " + field.name + ": true");
  return std::nullopt;
}

std::optional<TimeOfDay> read_time_of_day(Diagnostics& diag, const Field& field) {
  const std::string hint = "write a 24-hour time as \"HH:MM\" or \"HH:MM:SS\", e.g. \"09:30\"";
  if (!require_scalar(diag, field, "\"09:30\"")) return std::nullopt;
  auto parsed = parse_time_of_day(field.value.Scalar());
  if (!parsed) {
    diag.error(field.line, field.task,
               "bad time in " + in_quotes(field.name) + ": " + parsed.error().message, hint);
    return std::nullopt;
  }
  return *parsed;
}

std::optional<std::size_t> read_choice(Diagnostics& diag, const Field& field,
                                       std::span<const std::string_view> choices) {
  const std::string example = field.name + ": " + std::string(choices.front());
  if (!require_scalar(diag, field, example)) return std::nullopt;
  const std::string& text = field.value.Scalar();
  const auto it = std::find(choices.begin(), choices.end(), text);
  if (it != choices.end()) return static_cast<std::size_t>(it - choices.begin());
  const auto suggestion = closest_match(text, choices);
  diag.error(
      field.line, field.task,
      in_quotes(field.name) + " must be one of " + joined(choices) + ", got " + in_quotes(text),
      suggestion ? did_you_mean(suggestion) : "e.g. " + example);
  return std::nullopt;
}

std::optional<std::vector<ListItem>> read_scalar_list(Diagnostics& diag, const Field& field,
                                                      std::string_view example) {
  std::vector<ListItem> items;
  if (field.value.IsNull()) return items;
  const std::string hint = "e.g. " + std::string(example);
  if (!field.value.IsSequence()) {
    diag.error(field.line, field.task,
               in_quotes(field.name) + " must be a list, not " + kind_of(field.value), hint);
    return std::nullopt;
  }
  bool ok = true;
  std::size_t index = 0;
  for (const auto& item : field.value) {
    const int line = line_of(item, field.line);
    if (!item.IsScalar()) {
      diag.error(line, field.task,
                 "item " + std::to_string(index + 1) + " of " + in_quotes(field.name) +
                     " must be a single value, not " + kind_of(item),
                 hint);
      ok = false;
    } else {
      items.push_back(ListItem{item.Scalar(), line});
    }
    ++index;
  }
  if (!ok) return std::nullopt;
  return items;
}

std::optional<std::vector<std::pair<ListItem, Field>>> read_scalar_map(Diagnostics& diag,
                                                                       const Field& field) {
  std::vector<std::pair<ListItem, Field>> entries;
  if (field.value.IsNull()) return entries;
  if (!field.value.IsMap()) {
    diag.error(field.line, field.task,
               in_quotes(field.name) + " must be a map of key: value, not " + kind_of(field.value),
               "e.g. " + field.name.substr(field.name.rfind('.') + 1) + ": { key: value }");
    return std::nullopt;
  }
  bool ok = true;
  std::map<std::string, int> seen;
  for (const auto& entry : field.value) {
    const int key_line = line_of(entry.first, field.line);
    if (!entry.first.IsScalar()) {
      diag.error(key_line, field.task,
                 "a key of " + in_quotes(field.name) + " must be a plain name, not " +
                     kind_of(entry.first),
                 "write it as name: value");
      ok = false;
      continue;
    }
    const std::string& key = entry.first.Scalar();
    Field value{field.name + "." + key, field.task, entry.first,
                entry.second,           key_line,   line_of(entry.second, key_line)};
    const auto [first, inserted] = seen.emplace(key, key_line);
    if (!inserted) {
      diag.error(key_line, field.task,
                 "duplicate key " + in_quotes(key) + " in " + field.name + " (first on line " +
                     std::to_string(first->second) + ")",
                 "keep only one of them");
      ok = false;
      continue;
    }
    if (!entry.second.IsScalar() && !entry.second.IsNull()) {
      diag.error(value.line, field.task,
                 in_quotes(value.name) + " must be a single value, not " + kind_of(entry.second),
                 "write it as " + key + ": value (quote text with special characters)");
      ok = false;
      continue;
    }
    entries.emplace_back(ListItem{key, key_line}, std::move(value));
  }
  if (!ok) return std::nullopt;
  return entries;
}

std::optional<RetryPolicy> read_retry_policy(Diagnostics& diag, const Field& field,
                                             const RetryPolicy& base) {
  static constexpr std::string_view kKeys[] = {"max_attempts", "backoff_seconds"};
  const auto fields = read_fields(diag, field.value, field.line, kKeys, field.name, field.task);
  if (!fields) return std::nullopt;
  RetryPolicy policy = base;
  bool ok = true;
  if (const Field* f = fields->find("max_attempts")) {
    const auto attempts = read_integer(diag, *f, 1, 1000, "max_attempts: 3");
    if (attempts) policy.max_attempts = static_cast<int>(*attempts);
    ok = ok && attempts.has_value();
  }
  if (const Field* f = fields->find("backoff_seconds")) {
    policy.backoff.clear();
    if (!f->value.IsNull() && !f->value.IsSequence()) {
      diag.error(f->line, f->task, in_quotes(f->name) + " must be a list, not " + kind_of(f->value),
                 "e.g. backoff_seconds: [10, 30, 60]");
      return std::nullopt;
    }
    std::size_t index = 0;
    for (const auto& item : f->value) {
      const Field entry{f->name + "[" + std::to_string(index++) + "]",
                        f->task,
                        f->key,
                        item,
                        f->key_line,
                        line_of(item, f->line)};
      const auto wait = read_duration(diag, entry, /*allow_zero=*/true);
      if (wait) policy.backoff.push_back(*wait);
      ok = ok && wait.has_value();
    }
  }
  if (!ok) return std::nullopt;
  return policy;
}

}  // namespace orch::config_detail
