"""keelson's chart archives and repository index, read by real Helm (helm-python-sdk embeds
Helm v4's Go code), and Helm's archives read by keelson."""
import functools
import hashlib
import http.server
import pathlib
import threading

import helm_python
import pytest

from conftest import ROOT


def package(keelson, tmp_path, *extra):
    code, out, err = keelson("package", "chart", "-d", str(tmp_path), *extra)
    assert code == 0, err
    path, digest = out.split()
    return pathlib.Path(path), digest


def test_helm_loads_a_keelson_archive(keelson, tmp_path):
    archive, digest = package(keelson, tmp_path)
    assert digest == "sha256:" + hashlib.sha256(archive.read_bytes()).hexdigest()
    assert helm_python.digest(archive) in (digest, digest.removeprefix("sha256:"))
    with helm_python.Chart.load(archive) as chart:
        assert chart.name == "todo-app"
        assert chart.version == "1.0.0"
        templates = sorted(t["name"] for t in chart.templates)
    expected = sorted(
        str(p.relative_to(ROOT / "chart")) for p in (ROOT / "chart" / "templates").iterdir()
    )
    assert templates == expected


def test_helm_reads_the_packaged_version(keelson, tmp_path):
    archive, _ = package(keelson, tmp_path, "--version", "2.0.0-rc.1", "--app-version", "9.9")
    assert archive.name == "todo-app-2.0.0-rc.1.tgz"
    with helm_python.Chart.load(archive) as chart:
        assert chart.version == "2.0.0-rc.1"
        assert chart.metadata["appVersion"] == "9.9"


def test_keelson_renders_a_helm_archive_like_the_directory(keelson, tmp_path):
    archive = pathlib.Path(helm_python.package(ROOT / "chart", destination=tmp_path))
    code, from_helm, err = keelson("render", str(archive), "-f", "values/dev.yaml")
    assert code == 0, err
    code, from_dir, err = keelson("render", "chart", "-f", "values/dev.yaml")
    assert code == 0, err
    assert from_helm == from_dir
    code, out, err = keelson("verify", str(archive))
    assert code == 0, err


def test_helm_reads_the_index_over_plain_http(keelson, tmp_path):
    _, digest = package(keelson, tmp_path)
    package(keelson, tmp_path, "--version", "1.1.0")
    code, _, err = keelson("repo", "index", str(tmp_path))
    assert code == 0, err
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(tmp_path)
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        index = helm_python.repo_index(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
    versions = index["entries"]["todo-app"]
    assert [v["version"] for v in versions] == ["1.1.0", "1.0.0"]
    assert versions[1]["digest"] == digest.removeprefix("sha256:")
    assert versions[1]["urls"] == ["todo-app-1.0.0.tgz"]


@pytest.mark.parametrize("epoch", [None, "1700000000"])
def test_packaging_twice_gives_the_same_bytes(keelson, tmp_path, epoch, monkeypatch):
    if epoch:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    first, _ = package(keelson, tmp_path / "a")
    second, _ = package(keelson, tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
