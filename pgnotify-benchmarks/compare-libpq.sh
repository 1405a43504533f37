#!/usr/bin/env bash
# pgnotify's handler entry against the C libpq listener (the physical limit) and Vert.x, at 100, 1,000 and
# 5,000 notifications/s, all listening in the same run (with pgnotify-no-watcher, the reading thread waking a worker
# before every handler it runs, as before the watcher, beside the default); prints the p50/p99 ratios per rate at the end
# (docs/benchmarks.md, "Against libpq in one command"). Extra arguments go to the benchmark, e.g. --runs 1.
# The whole Markdown report is kept in pgnotify-benchmarks/target/libpq-comparison.md (or $REPORT).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in gcc pg_config; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$tool not found: the libpq baseline needs gcc and libpq-dev (apt-get install -y gcc libpq-dev)" >&2
        exit 1
    fi
done
./mvnw -B -q -pl pgnotify-benchmarks -am package -DskipTests
report="${REPORT:-pgnotify-benchmarks/target/libpq-comparison.md}"
java -jar pgnotify-benchmarks/target/pgnotify-benchmarks.jar \
    --listeners pgnotify,pgnotify-no-watcher,libpq,vertx --rates 100,1000,5000 "$@" >"$report"
echo "Full report: $report"
echo
if ! grep -q '^### Against libpq' "$report"; then
    grep -m 1 'libpq listener' "$report" >&2 || echo "The report has no libpq rows" >&2
    exit 1
fi
sed -n '/^### Against libpq/,$p' "$report"
