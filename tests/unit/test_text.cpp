// Text helpers: valid UTF-8 for whatever a task prints, "did you mean" suggestions, quoting.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "orchestrator/util/text.h"

using namespace orch;

TEST_CASE("text: invalid UTF-8 becomes U+FFFD and control bytes are dropped") {
  CHECK(to_valid_utf8("bad \xff\xfe bytes") == "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
  CHECK(to_valid_utf8(std::string("a\0b\tc", 5)) == "ab\tc");
  CHECK(to_valid_utf8("caf\xC3\xA9 \xE2\x9C\x85") == "caf\xC3\xA9 \xE2\x9C\x85");
  CHECK(to_valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  CHECK(to_valid_utf8("\xE2\x9C") == "\xEF\xBF\xBD\xEF\xBF\xBD");                  // cut short
}

TEST_CASE("text: the closest known word is suggested only when it is a plausible typo") {
  const std::vector<std::string> keys{"dependencies", "max_runtime_seconds", "critical"};
  CHECK(closest_match("dependncies", keys) == "dependencies");
  CHECK(closest_match("critcal", keys) == "critical");
  CHECK_FALSE(closest_match("zzz", keys));
}

TEST_CASE("text: one suggestion rule for every caller") {
  const std::vector<std::string> names{"Asset Collection", "Price Data", "timeout_seconds"};
  CHECK(closest_match("Price Dtaa", names) == "Price Data");    // a swap is one edit
  CHECK(closest_match("price data", names) == "Price Data");    // case does not count
  CHECK(closest_match("timeout", names) == "timeout_seconds");  // a prefix of 4 or more
  CHECK(closest_match("tmie", std::vector<std::string>{"time"}) == "time");
  CHECK_FALSE(closest_match("Price Data", std::vector<std::string>{"Price Data"}));  // not itself
  CHECK_FALSE(closest_match(std::string(200, 'a'), names));  // too long to be a typo
  const std::string_view views[] = {"daily", "intraday"};
  CHECK(closest_match("dialy", views) == "daily");
  CHECK(did_you_mean(std::string("daily")) == "did you mean 'daily'?");
  CHECK(did_you_mean(std::nullopt).empty());
  CHECK(in_quotes("a b") == "'a b'");
}

TEST_CASE("text: shell words are quoted only when sh would read them differently") {
  CHECK(shell_quote("/opt/orch/bin/orchestrator") == "/opt/orch/bin/orchestrator");
  CHECK(shell_quote("--task=a,b:c@d%e+f") == "--task=a,b:c@d%e+f");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("$HOME") == "'$HOME'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
}

TEST_CASE("escape_controls writes control characters as escapes, other text as it is") {
  CHECK(escape_controls("Price\x1b[2JData") == "Price\\x1b[2JData");
  CHECK(escape_controls("a\rb\nc\td") == "a\\rb\\nc\\td");
  CHECK(escape_controls("x\xc2\x85y\xe2\x80\xa8z") == "x\\x85y\\u2028z");  // NEL, LINE SEPARATOR
  CHECK(escape_controls("Цены «акций»") == "Цены «акций»");
  CHECK(utf8_prefix("Цены", 3) == 2);  // never cuts a character in two
}

TEST_CASE("trim_space drops spaces, tabs and line ends around the text, none inside") {
  CHECK(trim_space("  tok en\t\r\n") == "tok en");
  CHECK(trim_space(" \n\t ").empty());
  CHECK(trim_space("").empty());
}

TEST_CASE("escape_markup writes the five markup characters as references") {
  CHECK(escape_markup("<a href=\"x\">Tom & 'Jerry'</a>") ==
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  CHECK(escape_markup("plain") == "plain");
}
