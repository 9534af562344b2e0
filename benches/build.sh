# Sourced by the benchmark scripts, after ROOT and log are set: builds keelson unless
# KEELSON_BIN names a binary already, and sets KEELSON_BIN. On x86-64 Linux that is the
# shipped binary, `cargo build-static` (README, "Performance"); elsewhere the release build.
if [[ -z "${KEELSON_BIN:-}" ]]; then
  if [[ "$(uname -sm)" == "Linux x86_64" ]]; then
    if ! rustup target list --installed 2>/dev/null | grep -qx x86_64-unknown-linux-musl; then
      log "the shipped build needs: rustup target add x86_64-unknown-linux-musl"
      exit 2
    fi
    if ! command -v musl-gcc >/dev/null; then
      log "the shipped build needs musl-gcc: apt-get install -y musl-tools"
      exit 2
    fi
    log "building with cargo build-static (the shipped binary, see README)"
    (cd "$ROOT" && cargo build-static --quiet) >&2
    KEELSON_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/x86_64-unknown-linux-musl/release/keelson"
  else
    log "building release"
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" >&2
    KEELSON_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/keelson"
  fi
fi
