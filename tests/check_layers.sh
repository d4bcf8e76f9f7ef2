#!/usr/bin/env bash
# The layering rules: graph/, sched/ and units/ include no SQLite, yaml or POSIX headers, and
# no header of the layers above them (exec, store, ui, app, cli); only src/store/ sees SQLite
# (no SQLite header or type anywhere else in src/ or include/). Prints offenders, fails on any.
set -u
root="$(cd "$(dirname "$0")/.." && pwd)"
forbidden='#include *[<"](yaml-cpp|SQLiteCpp|sqlite3|unistd\.h|sys/|signal\.h|fcntl\.h|spawn\.h|poll\.h|pthread\.h|orchestrator/(exec|store|ui|app|cli)/)'
hits=$(grep -rnE "$forbidden" "$root"/src/graph "$root"/src/sched "$root"/src/units \
        "$root"/include/orchestrator/graph "$root"/include/orchestrator/sched \
        "$root"/include/orchestrator/units 2>/dev/null)
sqlite=$(grep -rnE '#include *[<"](SQLiteCpp|sqlite3)|SQLite::' "$root"/src "$root"/include \
           --include='*.h' --include='*.cpp' 2>/dev/null | grep -v "^$root/src/store/")
if [ -n "$hits" ] || [ -n "$sqlite" ]; then
  echo "layering violations:"; echo "$hits$sqlite"; echo "0 passed, 1 failed"; exit 1
fi
echo "layers: graph/, sched/ and units/ are free of SQLite, yaml and POSIX headers; only store/ sees SQLite"
echo "1 passed, 0 failed"
