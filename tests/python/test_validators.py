"""The example chart's output passes real validators: yamllint and kubernetes-validate."""
import subprocess

import pytest

from conftest import ROOT

ENVIRONMENTS = ["dev", "staging", "prod"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_yamllint_relaxed(keelson, tmp_path, env):
    code, out, err = keelson("render", "-f", f"values/{env}.yaml")
    assert code == 0, err
    rendered = tmp_path / f"{env}.yaml"
    rendered.write_text(out)
    lint = subprocess.run(
        ["python3", "-m", "yamllint", "-f", "parsable", "-d", "relaxed", str(rendered)],
        capture_output=True, text=True, check=False,
    )
    errors = [line for line in lint.stdout.splitlines() if "[error]" in line]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("kube", ["1.34.0", "1.35.0", "1.36.0"])
def test_kubernetes_validate_strict(keelson, tmp_path, env, kube):
    code, out, err = keelson("render", "-f", f"values/{env}.yaml", "--kube-version", kube)
    assert code == 0, err
    rendered = tmp_path / f"{env}.yaml"
    rendered.write_text(out)
    check = subprocess.run(
        ["kubernetes-validate", "--strict", "--quiet", "-k", kube, str(rendered)],
        capture_output=True, text=True, check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_validators_catch_a_broken_object(tmp_path):
    """Guards the tests above: the validators do fail on an unknown field."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  portz: []\n")
    check = subprocess.run(
        ["kubernetes-validate", "--strict", "--quiet", "-k", "1.34.0", str(bad)],
        capture_output=True, text=True, check=False,
    )
    assert check.returncode != 0
