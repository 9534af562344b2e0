#!/usr/bin/env bash
# Release-history speed (README "Release history"): what `--record` adds to a render of the
# example chart, and `diff`/`history` on two revisions of a 1,000-component chart.
#
#   benches/history.sh [KEELSON]      KEELSON defaults to target/release/keelson (built if missing)
#
# Environment: GEN_SYNTHETIC (the chart generator, default benches/gen_synthetic.py),
# BENCH_DISK_DIR (a directory on disk for the fsync'd record, default target/bench-history),
# RUNS (hyperfine --runs, default: hyperfine decides). Needs hyperfine and python3.
# Prints a markdown table; the state for the tmpfs rows lives in /dev/shm when it exists.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/keelson}
if [ ! -x "$bin" ]; then
    (cd "$root" && cargo build --release -q)
fi
generator=${GEN_SYNTHETIC:-$root/benches/gen_synthetic.py}
work=$(mktemp -d /dev/shm/keelson-bench.XXXXXX 2>/dev/null || mktemp -d)
disk=${BENCH_DISK_DIR:-$root/target/bench-history}
rm -rf "$disk"
mkdir -p "$disk"
trap 'rm -rf "$work" "$disk"' EXIT
runs=()
if [ -n "${RUNS:-}" ]; then
    runs=(--runs "$RUNS")
fi

# Timestamps are injected so every run records the same bytes.
export KEELSON_NOW=1777636800
unset KEELSON_STATE_DIR

python3 "$generator" 1000 --tera --out "$work/synthetic" >/dev/null
big=$work/synthetic/tera-1000
"$bin" render "$big" --release big --record --state-dir "$work/big" >/dev/null 2>&1
# A new image pull policy changes all 1,000 Deployments: 1,000 patches to print.
"$bin" render "$big" --release big --record --state-dir "$work/big" \
    --set global.imagePullPolicy=Always >/dev/null 2>&1

example="$bin render $root/chart -f $root/values/prod.yaml --release todo"
hyperfine --shell=none --warmup 5 "${runs[@]}" --ignore-failure \
    --export-json "$work/results.json" \
    -n "render example chart" "$example" \
    -n "render example chart --record (tmpfs)" "$example --record --state-dir $work/example" \
    -n "render example chart --record (disk, fsync)" "$example --record --state-dir $disk" \
    -n "render 1,000 components" "$bin render $big --release big" \
    -n "render 1,000 components --record (tmpfs)" "$bin render $big --release big --record --state-dir $work/big-record" \
    -n "diff, 1,000 components (1,000 changed)" "$bin diff big --state-dir $work/big" \
    -n "diff -o json, 1,000 components" "$bin diff big -o json --state-dir $work/big" \
    -n "history, 1,000 components (2 revisions)" "$bin history big --state-dir $work/big" \
    >&2

echo
echo "keelson history benchmarks: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "one 1,000-component revision file: $(wc -c <"$work/big/releases/big/revision-000001.json") bytes"
echo
# Medians resist the noise of a shared machine better than means; record rows also show
# their median against the plain render's.
python3 - "$work/results.json" <<'PY'
import json, statistics, sys

results = json.load(open(sys.argv[1]))["results"]
print("| command | median | mean ± σ | min | user + sys | vs render |")
print("|---|---:|---:|---:|---:|---:|")
for r in results:
    times = r["times"]
    median = statistics.median(times)
    if "--record" not in r["command"]:
        base = median
    ratio = f"{(median / base - 1) * 100:+.1f} %" if "--record" in r["command"] else ""
    print(
        f"| `{r['command']}` | {median * 1e3:.1f} ms | {r['mean'] * 1e3:.1f} ± {r['stddev'] * 1e3:.1f} ms"
        f" | {r['min'] * 1e3:.1f} ms | {(r['user'] + r['system']) * 1e3:.1f} ms | {ratio} |"
    )
PY
