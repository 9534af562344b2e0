#!/usr/bin/env python3
"""Regenerates the vendored Kubernetes schemas in this directory.

Source: the PyPI package `kubernetes-validate` (Apache-2.0), whose
`kubernetes-json-schema/v1.X.0-local-strict/_definitions.json` is derived from the official
Kubernetes OpenAPI spec with `additionalProperties: false` on every object (strict).

For each version this writes `kubernetes-1.X.json.gz`: one JSON bundle

    {"version": "1.X", "kinds": {"apps/v1/Deployment": "io.k8s.api.apps.v1.Deployment", ...},
     "defs": {"io.k8s.api.apps.v1.Deployment": {...}, ...}}

where each definition keeps only the keywords keelson's validator reads (`type`,
`properties`, `additionalProperties`, `items`, `required`, `enum`, `format`, `oneOf`,
`$ref`), and `$ref` is the bare definition name. Descriptions are dropped. The gzip header
carries no name and no time, so the same input gives the same bytes.

Usage:
    python3 schemas/update.py                   # pip-installs kubernetes-validate into a temp dir
    python3 schemas/update.py PATH/TO/kubernetes_validate
"""

import gzip
import io
import json
import pathlib
import subprocess
import sys
import tempfile

PACKAGE = "kubernetes-validate==1.37.0"
VERSIONS = ["1.34", "1.35", "1.36", "1.37"]
KEEP = {"type", "properties", "additionalProperties", "items", "required", "enum", "format", "oneOf", "$ref"}
REF_PREFIXES = ("#/$defs/", "/api/_definitions.json#/$defs/")


def strip(schema):
    if isinstance(schema, list):
        return [strip(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key not in KEEP:
            continue
        if key == "$ref":
            for prefix in REF_PREFIXES:
                if value.startswith(prefix):
                    value = value[len(prefix):]
            out[key] = value
        elif key == "properties":
            out[key] = {name: strip(sub) for name, sub in value.items()}
        elif key == "format" and value not in ("int32", "int64", "byte"):
            continue
        else:
            out[key] = strip(value)
    return out


def bundle(package: pathlib.Path, version: str) -> bytes:
    path = package / "kubernetes-json-schema" / f"v{version}.0-local-strict" / "_definitions.json"
    defs = json.loads(path.read_text())["$defs"]
    kinds = {}
    for name, schema in defs.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            api = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            key = f"{api}/{gvk['kind']}"
            # List kinds and the meta types (DeleteOptions, WatchEvent) share GVKs; keep the
            # definition whose name ends in the kind.
            if key not in kinds or name.endswith("." + gvk["kind"]):
                kinds[key] = name
    data = {
        "version": version,
        "kinds": dict(sorted(kinds.items())),
        "defs": {name: strip(schema) for name, schema in sorted(defs.items())},
    }
    text = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
        gz.write(text)
    return out.getvalue()


def main() -> None:
    here = pathlib.Path(__file__).resolve().parent
    if len(sys.argv) > 1:
        package = pathlib.Path(sys.argv[1])
    else:
        target = tempfile.mkdtemp()
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", target, PACKAGE],
            check=True,
        )
        package = pathlib.Path(target) / "kubernetes_validate"
    for version in VERSIONS:
        data = bundle(package, version)
        (here / f"kubernetes-{version}.json.gz").write_bytes(data)
        print(f"kubernetes-{version}.json.gz: {len(data)} bytes")


if __name__ == "__main__":
    main()
