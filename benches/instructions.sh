#!/usr/bin/env bash
# Instructions executed by one `keelson render` process (valgrind's callgrind), for the
# example chart and synthetic charts of N components. Unlike wall time, this count barely
# moves between runs or with other load on the machine, so it shows whether a change made
# keelson do less work even where timings drift by a fifth. It counts the whole process
# (dynamic loader, start-up, both threads) but not the kernel's work (page faults,
# system calls); benches/whole-process.sh measures time and memory.
#
#   benches/instructions.sh                  builds (benches/build.sh), prints a markdown table
#   KEELSON_BIN=path SIZES="1000" benches/instructions.sh
#
# Needs valgrind (apt-get install -y valgrind) and Python 3. The table goes to stdout,
# progress to stderr. Nothing is written outside WORK (default: a new temporary directory).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES="${SIZES:-1 100 1000}"
WORK="${WORK:-$(mktemp -d)}"
PY="${PYTHON:-python3}"
mkdir -p "$WORK"

log() { echo "[instructions] $*" >&2; }

if ! command -v valgrind >/dev/null; then
  log "valgrind missing: apt-get install -y valgrind"
  exit 2
fi

# shellcheck source=benches/build.sh
source "$ROOT/benches/build.sh"

"$PY" "$ROOT/benches/gen_synthetic.py" $SIZES --tera --out "$WORK/synthetic" >&2

# count NAME CMD...: instructions executed, and the sha256 of what the command printed.
count() {
  local name=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" \
    > "$WORK/$name.yaml" 2> "$WORK/$name.err"
  local refs
  refs=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$WORK/$name.err")
  if [[ -z $refs ]]; then
    log "no count for $name (see $WORK/$name.err)"
    exit 1
  fi
  echo "$refs $(sha256sum < "$WORK/$name.yaml" | cut -c1-16)"
}

millions() { awk -v n="$1" 'BEGIN {printf "%.2f M", n / 1e6}'; }

echo "| chart | instructions | output sha256 (first 16) |"
echo "|---|---:|---|"
log "example"
read -r refs digest < <(count example "$KEELSON_BIN" render "$ROOT/chart" -f "$ROOT/values/prod.yaml")
echo "| example (prod values) | $(millions "$refs") | $digest |"
for n in $SIZES; do
  log "N = $n"
  read -r refs digest < <(count "tera-$n" "$KEELSON_BIN" render "$WORK/synthetic/tera-$n")
  echo "| synthetic N = $n | $(millions "$refs") | $digest |"
done
