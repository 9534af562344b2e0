#!/usr/bin/env bash
# The whole test suite: Rust unit, CLI and snapshot tests, then the checks that need real
# tools (yamllint, kubernetes-validate, PyYAML as a YAML 1.1 reader, Helm v4 as the oracle).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
  -r tests/requirements.txt

cargo test --all-targets
cargo build --release --quiet
KEELSON_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/keelson" python3 -m pytest -q tests/python
