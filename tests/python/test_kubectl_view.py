"""What kubectl reads from keelson's output is what it would read from the template text.

PyYAML's safe_load is a YAML 1.1 reader like kubectl's: `yes` is a boolean, `0644` is octal,
`1_000` an integer, `2001-12-14` a date. keelson re-emits every document; this checks that
the re-emitted form means exactly what the template said, on a corpus of such scalars.
"""
import pathlib

import yaml

from conftest import ROOT

CORPUS = ROOT / "tests" / "fixtures" / "kubectl-view"


def objects(text):
    docs = [d for d in yaml.safe_load_all(text) if d is not None]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def test_yaml11_reading_is_preserved(keelson):
    code, out, err = keelson("render", str(CORPUS))
    assert code == 0, err
    expected = {}
    for template in sorted((CORPUS / "templates").glob("*.yaml")):
        expected.update(objects(template.read_text()))
    actual = objects(out)
    assert actual.keys() == expected.keys()
    for key, want in expected.items():
        assert actual[key] == want, key


def test_corpus_really_has_yaml11_scalars():
    # Guards the test above from passing on a corpus without the hard cases.
    data = objects((CORPUS / "templates" / "scalars.yaml").read_text())[("ConfigMap", "yaml11-corpus")]["data"]
    assert data["bool-yes"] is True and data["octal"] == 420 and data["underscore"] == 1000
    assert data["sexagesimal"] == 685230 and str(data["date"]) == "2001-12-14"
    # Block scalars that run to the end of a text without a line break end with none.
    block = (CORPUS / "templates" / "block-at-end.yaml").read_text()
    assert not block.endswith("\n")
    assert objects(block)[("ConfigMap", "block-at-end")]["data"]["clip"].endswith("break")
    keep = objects((CORPUS / "templates" / "keep-at-end.yaml").read_text())
    assert keep[("ConfigMap", "keep-at-end")]["data"]["keep"] == "kept\n\n"


def test_example_chart_data_stays_strings_for_kubectl(keelson):
    """Every ConfigMap/Secret data value and every label reaches a YAML 1.1 reader as a
    string (kubectl rejects numbers and booleans there), e.g. DATABASE_POOL_SIZE "2"."""
    for env in ("dev", "staging", "prod"):
        code, out, err = keelson("render", "-f", f"values/{env}.yaml")
        assert code == 0, err
        docs = [d for d in yaml.safe_load_all(out) if d is not None]
        assert len(docs) == out.count("# Source: ")
        for doc in docs:
            labels = doc["metadata"].get("labels", {})
            assert all(isinstance(v, str) for v in labels.values()), (doc["metadata"]["name"], labels)
            if doc["kind"] in ("ConfigMap", "Secret"):
                data = doc.get("data", {})
                assert data and all(isinstance(v, str) for v in data.values()), (doc["metadata"]["name"], data)
