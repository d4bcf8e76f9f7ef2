#pragma once
// The one escaping helper for everything the web layer writes into HTML, and its twin for
// data embedded in a <script>. Every string that comes from the pipeline file, the database
// or a log goes through one of these before it reaches a page.
#include <string>
#include <string_view>

namespace orch::web {

// & < > " ' become entities: safe in element text and in quoted attribute values.
std::string escape_html(std::string_view text);

// A JSON string literal (quotes included) safe inside <script>: < > & and the line
// separators U+2028/U+2029 are written as \u escapes, so no "</script>" or "<!--" can appear.
std::string script_string(std::string_view text);

// Percent-encodes a path segment (RFC 3986 unreserved characters are kept).
std::string url_segment(std::string_view text);

}  // namespace orch::web
