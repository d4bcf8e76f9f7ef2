#!/usr/bin/env bash
# The layering rule, checked on the includes (CMake's ORCH_CHECK_LAYERS build checks the calls):
#
#   util <- config, graph, calendar <- sched <- exec, store <- health, ui, web <- app <- serve <- cli
#
# Each folder of src/ (and include/orchestrator/) may include the headers of the layers listed
# for it below, and no others; only store/ includes SQLite, only config/ yaml-cpp, only serve/
# cpp-httplib (linked into orchestrator-web alone; cli/ includes serve/ only there); graph/,
# sched/ and units/ include no POSIX headers either. A new layer folder must be added to the table (and
# to CMakeLists.txt). Prints offenders, fails on any.
set -u
root="$(cd "$(dirname "$0")/.." && pwd)"

declare -A allowed=(
  [util]=""
  [graph]="util"
  [config]="util graph"
  [calendar]="util config"
  [sched]="util config graph calendar"
  [exec]="util config graph calendar sched"
  [store]="util config graph calendar sched"
  [health]="util config graph calendar sched exec store"
  [ui]="util config graph calendar sched exec store health"
  [web]="util config graph calendar sched exec store health ui"
  [units]="util config graph calendar sched generated"
  [app]="util config graph calendar sched exec store health ui web units generated"
  [serve]="util config graph calendar sched exec store health ui web app"
  [cli]="util config graph calendar sched exec store health ui web units app serve"
)

problems=""
for dir in "$root"/src/*/ "$root"/include/orchestrator/*/; do
  layer="$(basename "$dir")"
  if [ -z "${allowed[$layer]+set}" ]; then
    problems+="${dir#"$root"/}: a layer folder the rule does not know (add it to tests/check_layers.sh and CMakeLists.txt)"$'\n'
    continue
  fi
  ok="$layer ${allowed[$layer]}"
  while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    used="$(sed -E 's|.*#include *"orchestrator/([a-z_]+)/.*|\1|' <<<"$hit")"
    [[ " $ok " == *" $used "* ]] || problems+="$hit  ($layer/ may not use $used/)"$'\n'
  done < <(grep -rnE '#include *"orchestrator/[a-z_]+/' "$dir" 2>/dev/null)
done

third_party() {  # pattern, the one layer that may include it
  grep -rnE "#include *[<\"]($1)" "$root"/src "$root"/include 2>/dev/null |
    grep -vE "^$root/(src|include/orchestrator)/$2/" | sed 's/$/  (only '"$2"'\/ may include this)/'
}
problems+="$(third_party 'SQLiteCpp|sqlite3' store)"$'\n'
problems+="$(grep -rn 'SQLite::' "$root"/src "$root"/include --include='*.h' --include='*.cpp' 2>/dev/null |
             grep -v "^$root/src/store/" | sed 's/$/  (only store\/ sees SQLite types)/')"$'\n'
problems+="$(third_party 'yaml-cpp' config)"$'\n'
problems+="$(third_party 'httplib\.h' serve)"$'\n'
posix='#include *[<"](unistd\.h|sys/|signal\.h|fcntl\.h|spawn\.h|poll\.h|pthread\.h)'
problems+="$(grep -rnE "$posix" "$root"/src/graph "$root"/src/sched "$root"/src/units \
              "$root"/include/orchestrator/graph "$root"/include/orchestrator/sched \
              "$root"/include/orchestrator/units 2>/dev/null |
             sed 's/$/  (graph\/, sched\/ and units\/ stay free of POSIX)/')"
problems="$(grep -v '^$' <<<"$problems")"
if [ -n "$problems" ]; then
  echo "layering violations:"; echo "${problems//$root\//}"; echo "0 passed, 1 failed"; exit 1
fi
echo "layers: every include follows the layer rule; SQLite only in store/, yaml-cpp only in config/, httplib only in serve/"
echo "1 passed, 0 failed"
