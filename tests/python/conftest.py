"""Shared fixtures: the keelson binary and the project root."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def keelson():
    """A function that runs keelson and returns (exit code, stdout, stderr)."""
    binary = os.environ.get("KEELSON_BIN") or str(ROOT / "target" / "release" / "keelson")

    def run(*args, stdin=""):
        done = subprocess.run(
            [binary, *args], cwd=ROOT, input=stdin, capture_output=True, text=True, check=False
        )
        return done.returncode, done.stdout, done.stderr

    return run
