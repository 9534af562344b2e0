#!/usr/bin/env bash
# Whole-process benchmark of `keelson render`: the example chart and synthetic charts of
# N = 1, 100, 1000 components, timed with hyperfine (medians), peak RSS from
# /usr/bin/time -f %M, and a linearity check. With HELM_BENCH=/path/to/shared/bench, Helm's
# proxy (helm_render_proxy over libhelm_c) runs the same workloads side by side, after
# checking that keelson renders the same objects as Helm (compare_yaml.py).
#
#   benches/whole-process.sh                       keelson only
#   HELM_BENCH=/work/shared/bench benches/whole-process.sh
#
# Knobs: RUNS (hyperfine runs, 30), RUNS_LARGE (for N = 1000, 10), WARMUP (3),
# RSS_RUNS (5), SIZES ("1 100 1000"), KEELSON_BIN (skip the build, see benches/build.sh),
# WORK (scratch directory, default: a new temporary one).
# The markdown table goes to stdout, progress to stderr. Nothing is written outside WORK.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-30}"
RUNS_LARGE="${RUNS_LARGE:-10}"
WARMUP="${WARMUP:-3}"
RSS_RUNS="${RSS_RUNS:-5}"
SIZES="${SIZES:-1 100 1000}"
WORK="${WORK:-$(mktemp -d)}"
PY="${PYTHON:-python3}"
mkdir -p "$WORK"

log() { echo "[whole-process] $*" >&2; }

if ! command -v hyperfine >/dev/null; then
  log "hyperfine missing: apt-get install -y hyperfine"
  exit 2
fi

# shellcheck source=benches/build.sh
source "$ROOT/benches/build.sh"

log "generating charts in $WORK"
"$PY" "$ROOT/benches/gen_synthetic.py" $SIZES --tera --out "$WORK/synthetic" >&2

HELM=""
if [[ -n "${HELM_BENCH:-}" ]]; then
  export HELM_C_LIB="${HELM_C_LIB:-$("$HELM_BENCH/helm_c_lib.sh")}"
  cc -O2 -Wall -std=c11 -o "$WORK/helm_render_proxy" "$HELM_BENCH/helm_render_proxy.c" -ldl
  HELM="$WORK/helm_render_proxy"
fi

# stats_ms JSON: the median and the minimum of a hyperfine export, in ms.
stats_ms() {
  "$PY" - "$1" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"{statistics.median(r['times']) * 1e3:.2f} {min(r['times']) * 1e3:.2f}")
PY
}

# peak_rss CMD...: median peak RSS in KiB over RSS_RUNS runs.
peak_rss() {
  local i
  for ((i = 0; i < RSS_RUNS; i++)); do
    /usr/bin/time -f '%M' -o "$WORK/rss1.txt" "$@" > /dev/null
    tail -1 "$WORK/rss1.txt"
  done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# measure NAME RUNS CMD...: prints "median_ms min_ms rss_kib".
measure() {
  local name=$1 runs=$2
  shift 2
  local cmd
  cmd=$(printf '%q ' "$@")
  hyperfine -N --style none --warmup "$WARMUP" --runs "$runs" --output=pipe \
    --export-json "$WORK/$name.json" -- "$cmd" >&2
  echo "$(stats_ms "$WORK/$name.json") $(peak_rss "$@")"
}

declare -A K_MS K_MIN K_RSS H_MS H_MIN H_RSS BYTES
cases=(example)
for n in $SIZES; do cases+=("$n"); done

for c in "${cases[@]}"; do
  runs=$RUNS
  if [[ $c == example ]]; then
    kcmd=("$KEELSON_BIN" render "$ROOT/chart" -f "$ROOT/values/dev.yaml" --release todo-app -n todo-app)
    hcmd=("$HELM" "${HELM_BENCH:-}/todo-helm" -f "${HELM_BENCH:-}/todo-helm/values/dev.yaml" --release todo-app -n todo-app)
  else
    [[ $c -ge 1000 ]] && runs=$RUNS_LARGE
    kcmd=("$KEELSON_BIN" render "$WORK/synthetic/tera-$c" --release synth -n bench)
    hcmd=("$HELM" "$WORK/synthetic/helm-$c" --release synth -n bench)
  fi
  "${kcmd[@]}" > "$WORK/keelson-$c.yaml"
  BYTES[$c]=$(wc -c < "$WORK/keelson-$c.yaml" | tr -d ' ')
  log "keelson $c"
  read -r K_MS[$c] K_MIN[$c] K_RSS[$c] < <(measure "keelson-$c" "$runs" "${kcmd[@]}")
  if [[ -n $HELM ]]; then
    "${hcmd[@]}" > "$WORK/helm-$c.yaml"
    if [[ $c != example ]]; then
      if ! "$PY" "$HELM_BENCH/compare_yaml.py" "$WORK/helm-$c.yaml" "$WORK/keelson-$c.yaml" > "$WORK/compare-$c.txt"; then
        log "keelson's objects differ from Helm's for N = $c (see $WORK/compare-$c.txt)"
        exit 1
      fi
      log "N = $c: same objects as Helm"
    fi
    log "helm $c"
    read -r H_MS[$c] H_MIN[$c] H_RSS[$c] < <(measure "helm-$c" "$runs" "${hcmd[@]}")
  fi
done

mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f×", a / b}'; }

echo "| chart | output | keelson median (min) | keelson peak RSS |$([[ -n $HELM ]] && echo " Helm median | Helm peak RSS | Helm / keelson time | Helm / keelson RSS |")"
echo "|---|---:|---:|---:|$([[ -n $HELM ]] && echo "---:|---:|---:|---:|")"
for c in "${cases[@]}"; do
  label=$c
  [[ $c != example ]] && label="synthetic N = $c"
  [[ $c == example ]] && label="example (dev values)"
  row="| $label | $(awk -v b="${BYTES[$c]}" 'BEGIN {printf "%.1f KB", b / 1000}') | ${K_MS[$c]} ms (${K_MIN[$c]}) | $(mib "${K_RSS[$c]}") MiB |"
  if [[ -n $HELM ]]; then
    row+=" ${H_MS[$c]} ms | $(mib "${H_RSS[$c]}") MiB | $(ratio "${H_MS[$c]}" "${K_MS[$c]}") | $(ratio "${H_RSS[$c]}" "${K_RSS[$c]}") |"
  fi
  echo "$row"
done

# Linearity: the marginal cost per component between the smallest and each larger size
# should not grow with N (allow 50%). Judged on the fastest runs, which other load on a
# shared machine disturbs least.
set -- $SIZES
if [[ $# -ge 3 ]]; then
  small=$1 mid=$2 large=${!#}
  echo
  awk -v s="$small" -v m="$mid" -v l="$large" \
    -v ts="${K_MIN[$small]}" -v tm="${K_MIN[$mid]}" -v tl="${K_MIN[$large]}" 'BEGIN {
    pm = (tm - ts) / (m - s); pl = (tl - ts) / (l - s);
    verdict = (pl <= 1.5 * pm + 0.005) ? "linear" : "NOT linear";
    printf "Linearity (fastest runs): %.1f µs per component from N = %d to %d, %.1f µs from N = %d to %d: %s\n",
      pm * 1000, s, m, pl * 1000, s, l, verdict
  }'
fi
echo
echo "Machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
