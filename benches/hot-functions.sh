#!/usr/bin/env bash
# The functions `keelson render` runs, for .cargo/hot-functions.txt: `cargo build-static`
# places them first and together in the binary (see .cargo/link-hot-first). The list is
# what valgrind's callgrind sees run for the example chart with each values file and for
# a synthetic chart of 100 components, in the order callgrind first meets them.
#
#   benches/hot-functions.sh            builds with `cargo build-static`, rewrites the list
#   benches/hot-functions.sh --check    fails if the list misses more than 5% of the
#                                       functions a render runs now, or if the static
#                                       binary renders the example chart differently
#                                       from target/release/keelson (CI runs this)
#
# Needs valgrind and Python 3. Nothing is written outside WORK (default: a new temporary
# directory) but the list itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LIST="$ROOT/.cargo/hot-functions.txt"
KEY="$ROOT/.cargo/symbol-key.awk"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"
check=no
[[ "${1:-}" == "--check" ]] && check=yes

log() { echo "[hot-functions] $*" >&2; }

if ! command -v valgrind >/dev/null; then
  log "valgrind missing: apt-get install -y valgrind"
  exit 2
fi

unset KEELSON_BIN
# shellcheck source=benches/build.sh
source "$ROOT/benches/build.sh"
BIN="$KEELSON_BIN"
python3 "$ROOT/benches/gen_synthetic.py" 100 --tera --out "$WORK/synthetic" >&2

runs=(
  "render $ROOT/chart -f $ROOT/values/dev.yaml"
  "render $ROOT/chart -f $ROOT/values/staging.yaml"
  "render $ROOT/chart -f $ROOT/values/prod.yaml"
  "render $WORK/synthetic/tera-100"
)
i=0
for run in "${runs[@]}"; do
  i=$((i + 1))
  # shellcheck disable=SC2086 # each run is a command line of paths without spaces
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$WORK/callgrind.$i" \
    "$BIN" $run > /dev/null 2> "$WORK/valgrind.$i" \
    || { log "failed: keelson $run"; cat "$WORK/valgrind.$i" >&2; exit 1; }
done

# Callgrind names each function once per file, as "fn=(id) name" or "cfn=(id) name",
# with 'N after the name for a recursion depth. Keep the names defined in the binary.
nm --defined-only --format=just-symbols "$BIN" | awk -f "$KEY" -v mode=keys | sort -u > "$WORK/defined"
for i in $(seq "${#runs[@]}"); do
  sed -n "s/^c\{0,1\}fn=([0-9]*) \(.*\)/\1/p" "$WORK/callgrind.$i" | sed "s/'[0-9]*\$//"
done | awk -f "$KEY" -v mode=keys > "$WORK/run"
awk 'NR == FNR { defined[$0] = 1; next } $0 in defined' "$WORK/defined" "$WORK/run" > "$WORK/hot"

# unlisted FILE: how many of the keys in FILE the list lacks.
unlisted() {
  grep -v '^#' "$LIST" | awk 'NR == FNR { listed[$0] = 1; next } !($0 in listed)' - "$1" | wc -l
}

if [[ $check == yes ]]; then
  # The key of a name drops what changes between builds, and nothing else.
  expected=$'_ZN7keelson4yaml4fast4peekE\n_RNvNtC4core3fmt5write\n_ZN3foo3barE\nmemcpy'
  got=$(printf '%s\n' '_ZN7keelson4yaml4fast4peek17h7e32ae014d10a58dE' \
    '_RNvNtCsgEmfK2I1SDS_4core3fmt5write' '_ZN3foo3bar17h0123456789abcdefE.llvm.12345' memcpy \
    | awk -f "$KEY" -v mode=keys)
  [[ "$got" == "$expected" ]] || { log "symbol-key.awk gives"$'\n'"$got"; exit 1; }
  # The binary starts with the listed functions: the linker took the list.
  nm -n --defined-only "$BIN" | awk '$2 ~ /^[tT]$/ && ++n <= 300 { print $3 }' \
    | awk -f "$KEY" -v mode=keys > "$WORK/first"
  if (( $(unlisted "$WORK/first") * 10 > $(wc -l < "$WORK/first") )); then
    log "the binary's first functions are not the listed ones: was it linked by .cargo/link-hot-first?"
    exit 1
  fi
  # The static binary must print what the portable build prints.
  portable="${CARGO_TARGET_DIR:-$ROOT/target}/release/keelson"
  if [[ -x "$portable" ]]; then
    for env in dev staging prod; do
      cmp -s <("$BIN" render "$ROOT/chart" -f "$ROOT/values/$env.yaml") \
        <("$portable" render "$ROOT/chart" -f "$ROOT/values/$env.yaml") \
        || { log "cargo build-static renders values/$env.yaml differently"; exit 1; }
    done
  fi
  total=$(wc -l < "$WORK/hot")
  missing=$(unlisted "$WORK/hot")
  log "$missing of the $total functions a render runs are not in .cargo/hot-functions.txt"
  if (( missing * 20 > total )); then
    log "the list is stale: run benches/hot-functions.sh and commit .cargo/hot-functions.txt"
    exit 1
  fi
  exit 0
fi

{
  echo "# Functions \`keelson render\` runs, placed first by \`cargo build-static\`."
  echo "# Written by benches/hot-functions.sh; keys as in .cargo/symbol-key.awk."
  cat "$WORK/hot"
} > "$LIST"
log "wrote $(wc -l < "$WORK/hot") functions to .cargo/hot-functions.txt"
