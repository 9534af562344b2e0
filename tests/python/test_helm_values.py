"""keelson's values layering against real Helm v4.2.3, case by case.

The oracle is Helm itself, in-process through `helm-python-sdk` (libhelm_c): every values
file is read by Helm's chart loader (`loader.LoadValues`: several documents merged), every
`--set`-family flag is parsed by Helm's `strvals`, and the final values are what a tiny chart
whose only template is `{{ toJson .Values }}` renders under `action.Install` with
`dry_run="client"`, the code path of `helm template` (`CoalesceValues` included).

The C ABI has no `strvals.ParseInto` (it parses into a fresh map), so the glue between those
steps is `values.Options.MergeValues` re-told in a few lines (`merge_maps` is `loader.MergeMaps`)
and `ParseInto(expr, base)` is taken as `MergeMaps(base, Parse(expr))`. That is exact unless an
expression walks into a value already in `base` that is not a map (an index into an existing
list, a `.` into an existing scalar): `parse_into` detects that and refuses to guess. Such cases
give a *primer*: an expression of the same flag kind that rebuilds the touched keys (checked
against `base`), so real Helm parses `primer,expr` and sees the existing value. `--set-json`
needs no primer: one is written from `base`.

Numbers are compared by value (Helm holds YAML numbers as float64): int 3 equals float 3.0,
but strings, numbers, booleans and null stay distinct. Deliberate differences are explicit
cases with keelson's expected result; README's "Differences from Helm" lists each.
"""
import fractions
import json
import os
import pathlib
import re

import helm_python as helm
import pytest

KINDS = ["json", "set", "string", "file", "literal"]  # Helm's precedence, lowest first
FLAG = {
    "json": "--set-json",
    "set": "--set",
    "string": "--set-string",
    "file": "--set-file",
    "literal": "--set-literal",
}
PARSE = {
    "json": helm.parse_set_json,
    "set": helm.parse_set_string,
    "string": helm.parse_set_string_values,
    "file": helm.parse_set_file,
    "literal": helm.parse_set_literal,
}
CHART_YAML = "apiVersion: v2\nname: c\nversion: 0.1.0\n"


class OracleGap(Exception):
    """The case needs Helm's ParseInto on an existing value: give it a primer."""


# ---------------------------------------------------------------------------------------
# the oracle


def merge_maps(a, b):
    """Helm's `loader.MergeMaps`: maps merge recursively, anything else in `b` wins."""
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge_maps(out[k], v)
        else:
            out[k] = v
    return out


def walks_into_non_map(base, fresh, indexed):
    """Whether applying `fresh` (parsed alone) onto `base` in place could differ from
    MergeMaps: a map or an indexed list meeting an existing value that is not a map."""
    for k, fv in fresh.items():
        if k not in base:
            continue
        bv = base[k]
        if isinstance(fv, dict):
            if not isinstance(bv, dict) or walks_into_non_map(bv, fv, indexed):
                return True
        elif isinstance(fv, list) and indexed:
            return True
    return False


def escape_key(key):
    return re.sub(r"([\\.\[\],=])", r"\\\1", key)


class Oracle:
    """Real Helm, one directory per case for its files."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.count = 0
        self.config = helm.Config(namespace="default")

    def scratch(self):
        self.count += 1
        path = self.workdir / f"h{self.count}"
        path.mkdir()
        return path

    def load_values(self, text):
        """`loader.LoadValues` as the chart loader runs it on a values.yaml."""
        chart = self.scratch()
        (chart / "Chart.yaml").write_text(CHART_YAML)
        (chart / "values.yaml").write_text(text)
        with helm.Chart.load(str(chart)) as loaded:
            return loaded.values

    def parse_into(self, kind, expr, base, primer):
        parse = PARSE[kind]
        if primer is None and kind == "json":
            fresh = parse(expr)
            touched = [k for k in fresh if k in base]
            if touched:
                primer = ",".join(f"{escape_key(k)}={json.dumps(base[k])}" for k in touched)
        if primer is None:
            fresh = parse(expr)
            if walks_into_non_map(base, fresh, "[" in expr):
                raise OracleGap(f"{FLAG[kind]} {expr!r} walks into an existing value")
            return merge_maps(base, fresh)
        primed = parse(primer)
        if any(k not in base or norm(v) != norm(base[k]) for k, v in primed.items()):
            raise OracleGap(f"primer {primer!r} does not rebuild {primed} from the base")
        rest = {k: v for k, v in base.items() if k not in primed}
        fresh = parse(primer + "," + expr)
        if walks_into_non_map(rest, {k: v for k, v in fresh.items() if k not in primed},
                              "[" in expr):
            raise OracleGap(f"{FLAG[kind]} {expr!r} walks into a value the primer lacks")
        return merge_maps(rest, fresh)

    def values(self, case, paths):
        """What `helm template` gives the templates as `.Values`; raises HelmError on error."""
        base = {}
        for text in case.files:
            base = merge_maps(base, self.load_values(text))
        for kind in KINDS:
            for index, (k, expr) in enumerate(case.flags):
                if k != kind:
                    continue
                expr = with_paths(expr, paths)
                if kind == "json" and expr.strip().startswith("{"):
                    base = merge_maps(base, json.loads(expr.strip()))
                else:
                    base = self.parse_into(kind, expr, base, case.primers.get(index))
        chart = self.scratch()
        (chart / "Chart.yaml").write_text(CHART_YAML)
        if case.chart is not None:
            (chart / "values.yaml").write_text(case.chart)
        (chart / "templates").mkdir()
        (chart / "templates" / "values.yaml").write_text("{{ toJson .Values }}\n")
        with helm.Chart.load(str(chart)) as loaded:
            release = self.config.install(loaded, "r", base, dry_run="client",
                                          namespace="default")
        lines = [line for line in release["manifest"].splitlines() if line.startswith("{")]
        assert len(lines) == 1, release["manifest"]
        return json.loads(lines[0])

    def close(self):
        self.config.close()


# ---------------------------------------------------------------------------------------
# comparison


def norm(value):
    """A form where numbers compare by exact value and keep apart from bools and strings."""
    if isinstance(value, dict):
        return {"map": {k: norm(v) for k, v in value.items()}}
    if isinstance(value, list):
        return {"list": [norm(v) for v in value]}
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("num", fractions.Fraction(value))
    if value is None:
        return ("null",)
    return ("str", value)


def same(a, b):
    return norm(a) == norm(b)


# ---------------------------------------------------------------------------------------
# cases


class Case:
    def __init__(self, id, chart=None, files=(), flags=(), primers=None, set_files=None,
                 keelson=None, helm=None, helm_fails=False, warning=None, refused=None,
                 both_fail=False):
        self.id = id
        self.chart = chart
        self.files = list(files)
        self.flags = list(flags)
        self.primers = primers or {}
        self.set_files = set_files or {}
        self.keelson = keelson      # expected keelson values where it deliberately differs
        self.helm = helm            # what Helm gives there, to show the difference is real
        self.helm_fails = helm_fails  # or Helm refuses the input where keelson reads it
        self.warning = warning      # regex keelson's stderr must match
        self.refused = refused      # the flag keelson refuses (Helm accepts)
        self.both_fail = both_fail

    def __repr__(self):
        return self.id


def with_paths(expr, paths):
    return re.sub(r"@(\w+)", lambda m: str(paths[m.group(1)]), expr)


CHART = """\
image:
  repository: nginx
  tag: "1.25"
  pullPolicy: IfNotPresent
replicas: 2
enabled: true
ports: [80, 443]
env:
  - name: A
    value: "1"
resources:
  limits: {cpu: 100m, memory: 128Mi}
  requests: {cpu: 50m}
nested:
  deep:
    deeper: {x: 1, z: two}
  flat: 1
name: app
emptymap: {}
items: [{a: 1}, {b: 2}]
"""

CASES = []


def case(*args, **kwargs):
    kwargs.setdefault("chart", CHART)
    CASES.append(Case(*args, **kwargs))


def s(expr):
    return ("set", expr)


# --- -f layering ------------------------------------------------------------------------
case("f-none")
case("f-one-scalar", files=["replicas: 5\n"])
case("f-one-nested-map-merges", files=["image:\n  tag: '2.0'\n"])
case("f-new-top-key", files=["extra: 1\n"])
case("f-new-nested-key", files=["resources:\n  limits:\n    gpu: 1\n"])
case("f-list-replaces-chart-list", files=["ports: [8080]\n"])
case("f-list-of-maps-replaces", files=["items: [{c: 3}]\n"])
case("f-empty-list-replaces", files=["ports: []\n"])
case("f-empty-map-keeps-chart-map", files=["image: {}\n"])
case("f-two-files-later-wins", files=["replicas: 3\n", "replicas: 4\n"])
case("f-two-files-maps-merge", files=["image: {tag: a}\n", "image: {pullPolicy: Always}\n"])
case("f-two-files-list-then-list", files=["ports: [1, 2, 3]\n", "ports: [4]\n"])
case("f-three-files-deep", files=["nested: {deep: {deeper: {x: 2}}}\n",
                                  "nested: {deep: {deeper: {w: 3}}}\n",
                                  "nested: {deep: {deeper: {x: 4}}, flat: 9}\n"])
case("f-map-then-scalar", files=["nested: {deep: 1}\n", "nested: {deep: {k: v}}\n"])
case("f-scalar-then-map-in-files", files=["extra: 1\n", "extra: {k: v}\n"])
case("f-map-then-scalar-in-files", files=["extra: {k: v}\n", "extra: s\n"])
case("f-list-then-map", files=["extra: [1]\n", "extra: {k: v}\n"])
case("f-bool-false-over-true", files=["enabled: false\n"])
case("f-string-over-number", files=["replicas: \"3\"\n"])
case("f-number-over-string", files=["name: 7\n"])
case("f-no-chart-values", chart=None, files=["a: {b: 1}\n", "a: {c: 2}\n"])
case("f-empty-chart-values", chart="", files=["a: 1\n"])
case("f-stdin-like-order", files=["a: 1\nb: {c: 1}\n", "b: {d: 2}\n", "a: [x]\n"])

# --- null ---------------------------------------------------------------------------------
case("null-f-top-level-deletes-chart-key", files=["replicas: null\n"])
case("null-f-top-level-map-deleted", files=["image: null\n"])
case("null-f-nested-deletes-chart-key", files=["image: {tag: null}\n"])
case("null-f-deep-nested", files=["nested: {deep: {deeper: {x: null}}}\n"])
case("null-f-tilde", files=["replicas: ~\n"])
case("null-f-empty-value", files=["replicas:\n"])
case("null-f-absent-top-level-key", files=["ghost: null\n"])
case("null-f-absent-nested-key", files=["image: {ghost: null}\n"])
case("null-f-absent-under-absent", files=["ghost: {deeper: null}\n"])
case("null-f-nested-under-new-subkey", files=["nested: {newsub: {q: null}}\n"])
case("null-f-then-value-again", files=["replicas: null\n", "replicas: 7\n"])
case("null-f-value-then-null", files=["extra: 1\n", "extra: null\n"])
case("null-f-map-then-null-then-map", files=["image: null\n", "image: {tag: x}\n"])
case("null-set-top-level", flags=[s("replicas=null")])
case("null-set-nested", flags=[s("image.tag=null")])
case("null-set-uppercase", flags=[s("image.pullPolicy=NULL")])
case("null-set-absent-key", flags=[s("ghost=null")])
case("null-set-absent-nested", flags=[s("image.ghost=null")])
case("null-json-nested", flags=[("json", "resources.limits.cpu=null")])
case("null-json-empty-value", flags=[("json", "replicas=")])
case("null-json-object", flags=[("json", '{"image": {"tag": null}}')])
case("null-in-list-survives", files=["ports: [1, null, 3]\n"])
case("null-in-list-set", flags=[s("ports={1,null}")])
case("null-chart-default-top-level", chart="a: null\nb: 1\n")
case("null-chart-default-nested", chart="a: {x: null, w: 1}\n")
case("null-chart-default-deep", chart="a: {b: {c: null, d: 1}}\n")
case("null-chart-default-user-sets-map", chart="a: {x: null, w: 1}\n", files=["a: {z: 1}\n"])
case("null-chart-default-user-null-too", chart="a: {x: null, w: 1}\n", files=["a: {x: null}\n"])
case("null-chart-top-null-user-null", chart="a: null\n", files=["a: null\n"])
case("null-chart-null-user-map", chart="a: null\n", files=["a: {k: 1}\n"])
case("null-chart-null-in-list", chart="a: [1, null]\n")
case("null-user-nested-null-over-map", files=["nested: {deep: null}\n"])

# --- type changes -------------------------------------------------------------------------
case("type-user-map-over-chart-scalar", files=["replicas: {min: 1}\n"])
case("type-user-scalar-over-chart-map", files=["image: nginx:latest\n"])
case("type-user-list-over-chart-map", files=["image: [a]\n"])
case("type-user-map-over-chart-list", files=["ports: {http: 80}\n"])
case("type-nested-map-over-scalar", files=["nested: {flat: {k: 1}}\n"])
case("type-nested-scalar-over-map", files=["nested: {deep: gone}\n"])
case("type-set-scalar-over-chart-map", flags=[s("resources=none")])
case("type-set-map-over-chart-scalar", flags=[s("replicas.min=1")])
case("type-set-list-over-chart-map", flags=[s("image={a,b}")])
case("type-json-map-over-chart-list", flags=[("json", 'ports={"http":80}')])

# --- multi-document, empty and comment-only files ---------------------------------------
case("doc-two-documents-merge", files=["a: 1\n---\nb: 2\n"])
case("doc-later-document-wins", files=["a: {x: 1, w: 1}\n---\na: {w: 2}\n"])
case("doc-empty-document-between", files=["a: 1\n---\n---\nb: 2\n"])
case("doc-leading-separator", files=["---\na: 1\n"])
case("doc-null-document-deletes-nothing", files=["replicas: 9\n---\n~\n"])
case("doc-empty-file", files=[""])
case("doc-comment-only-file", files=["# nothing here\n# at all\n"])
case("doc-empty-then-real", files=["", "replicas: 1\n", "# c\n"])
case("doc-separator-with-comment", files=["a: 1\n--- # second\nb: 2\n"])
case("doc-chart-multi-document", chart="a: 1\n---\nb: 2\n---\na: 3\n")

# --- --set typing -------------------------------------------------------------------------
for value in ["true", "TRUE", "True", "false", "FaLsE", "null", "Null", "0", "1", "-1", "+5",
              "-05", "007", "00", "-0", "1.5", "1e3", "0x10", "1_000", "nil", "~", "yes",
              " 1", "1 ", "9007199254740992", "-9007199254740992", "9223372036854775808",
              "-9223372036854775809", "", "a b", "true1", "１"]:
    case(f"set-type[{value}]", flags=[s(f"v={value}")])
case("set-type-empty-before-comma", flags=[s("v=,w=1")])
case("set-string-keeps-strings", flags=[("string", "a=1,b=true,c=null,d=,e={x,1}")])
case("set-string-over-chart-number", flags=[("string", "replicas=3")])

# --- --set syntax -------------------------------------------------------------------------
case("syntax-escaped-dot", flags=[s(r"a\.b=1")])
case("syntax-escaped-comma-in-value", flags=[s(r"a=x\,y")])
case("syntax-escaped-equals-in-key", flags=[s(r"a\=b=1")])
case("syntax-escaped-backslash", flags=[s(r"a=x\\y")])
case("syntax-equals-in-value", flags=[s("a=x=y")])
case("syntax-several-assignments", flags=[s("a=1,b.c=2,d[0]=3")])
case("syntax-brace-list", flags=[s("a={x,y,1,true}")])
case("syntax-brace-list-empty-item", flags=[s("a={}")])
case("syntax-brace-list-escaped-comma", flags=[s(r"a={x\,y,z}")])
case("syntax-index-new-list", flags=[s("a[0].b=1")])
case("syntax-index-pads-with-null", flags=[s("a[2]=x")])
case("syntax-index-nested-lists", flags=[s("a[1][0]=x")])
case("syntax-index-then-key-same-element", flags=[s("a[0].b=1,a[0].c=2")])
case("syntax-index-into-chart-list-replaces", flags=[s("ports[0]=8080")])
case("syntax-index-into-chart-list-of-maps", flags=[s("items[1].c=3")])
case("syntax-index-into-chart-env", flags=[s("env[0].value=2")])
case("syntax-list-assign-then-index", flags=[s("a={1,2,3},a[1]=x")])
case("syntax-deep-keys", flags=[s("a.b.c.d.e.f=1")])
case("syntax-unicode-keys", flags=[s("ä.ö=ü,🦀[0]=🦀")])
case("syntax-space-in-key-and-value", flags=[s("a b=c d")])
case("syntax-same-key-twice", flags=[s("a=1,a=2")])
case("syntax-map-then-scalar-same-flag", flags=[s("a.b=1,a=2")])
case("syntax-nested-level-30", flags=[s(".".join(f"k{i}" for i in range(31)) + "=1")])
case("syntax-trailing-comma", flags=[s("a=1,")])
case("syntax-empty-expression", flags=[s("")])
case("syntax-merge-into-chart-map", flags=[s("image.tag=2,image.extra=x")])
case("syntax-dot-into-file-map", files=["m: {a: 1}\n"], flags=[s("m.b=2")])

# --- --set on values already set (ParseInto through a primer) ---------------------------
case("into-index-existing-file-list", files=["l: [1, 2, 3]\n"], flags=[s("l[1]=x")],
     primers={0: "l={1,2,3}"})
case("into-index-past-end-of-file-list", files=["l: [1]\n"], flags=[s("l[2]=x")],
     primers={0: "l={1}"})
case("into-index-element-map-of-file-list", files=["l: [{a: 1}]\n"], flags=[s("l[0].b=2")],
     primers={0: "l[0].a=1"})
case("into-index-across-set-flags", flags=[s("l={a,b}"), s("l[1]=c")], primers={1: "l={a,b}"})
case("into-index-set-over-json-list", flags=[("json", "l=[1,2]"), s("l[0]=9")],
     primers={1: "l={1,2}"})
case("into-string-index-over-set-list", flags=[s("l={a,b}"), ("string", "l[1]=3")],
     primers={1: "l={a,b}"})
case("into-json-index-existing-list", files=["l: [1, 2]\n"], flags=[("json", 'l[1]={"a":1}')])
case("into-json-dot-into-map", files=["m: {a: 1}\n"], flags=[("json", "m.b=[1]")])

# --- both fail ----------------------------------------------------------------------------
case("fail-dot-into-file-scalar", files=["a: 1\n"], flags=[s("a.b=1")],
     primers={0: "a=1"}, both_fail=True)
case("fail-dot-into-file-null", files=["a: null\n"], flags=[s("a.b=1")],
     primers={0: "a=null"}, both_fail=True)
case("fail-index-into-file-map", files=["a: {b: 1}\n"], flags=[s("a[0]=1")],
     primers={0: "a.b=1"}, both_fail=True)
case("fail-dot-into-scalar-same-flag", flags=[s("a=1,a.b=2")], both_fail=True)
case("fail-index-into-scalar-same-flag", flags=[s("a=x,a[0]=1")], both_fail=True)
case("fail-json-dot-into-file-scalar", files=["a: 1\n"], flags=[("json", "a.b=1")],
     both_fail=True)
case("fail-file-top-level-list", files=["- a\n- b\n"], both_fail=True)
case("fail-file-top-level-scalar", files=["just a string\n"], both_fail=True)
case("fail-file-bad-yaml", files=["a: [1, 2\n"], both_fail=True)
case("fail-file-tab-indent", files=["a:\n\tb: 1\n"], both_fail=True)
case("fail-set-unterminated-list", flags=[s("a={x,y")], both_fail=True)
case("fail-set-no-equals", flags=[s("a")], both_fail=True)
case("fail-set-empty-key-part", flags=[s("a..b=1")], both_fail=True)
case("fail-set-empty-after-key-comma", flags=[s("a,b=1")], both_fail=True)
case("fail-set-index-too-big", flags=[s("a[65537]=1")], both_fail=True)
case("fail-set-negative-index", flags=[s("a[-1]=1")], both_fail=True)
case("fail-set-nested-level-31", flags=[s(".".join(f"k{i}" for i in range(32)) + "=1")],
     both_fail=True)
case("fail-json-invalid", flags=[("json", "a={x}")], both_fail=True)
case("fail-json-object-invalid", flags=[("json", '{"a": }')], both_fail=True)
case("fail-set-file-missing", flags=[("file", "a=/nonexistent/keelson/file")], both_fail=True)

# --- precedence of the --set kinds --------------------------------------------------------
VALUE = {"json": '"json"', "set": "set", "string": "string", "file": "@pf", "literal": "literal"}
for i, low in enumerate(KINDS):
    for high in KINDS[i + 1:]:
        for first in (low, high):
            second = high if first == low else low
            case(f"prec-{first}-then-{second}-on-cli",
                 flags=[(first, f"name={VALUE[first]}"), (second, f"name={VALUE[second]}")],
                 set_files={"pf": "file"})
case("prec-all-five", flags=[(k, f"name={VALUE[k]}") for k in reversed(KINDS)],
     set_files={"pf": "file"})
case("prec-set-over-file", files=["replicas: 5\n"], flags=[s("replicas=6")])
case("prec-set-map-over-file-map", files=["image: {tag: f}\n"], flags=[s("image.tag=s")])
case("prec-same-kind-in-order", flags=[s("a=1"), s("a=2"), s("a=3")])
case("prec-json-then-set-nested", flags=[s("m.b=2"), ("json", 'm={"a":1}')])
case("prec-literal-beats-string", flags=[("literal", "a=x,y"), ("string", "a=z")])

# --- --set-json ---------------------------------------------------------------------------
case("json-object", flags=[("json", 'image={"tag":"j","extra":[1,2]}')])
case("json-array", flags=[("json", "ports=[1,2,3]")])
case("json-array-of-objects", flags=[("json", 'items=[{"z":1}]')])
case("json-numbers", flags=[("json", "a=1,b=-2.5,c=1e3,d=0")])
case("json-string-with-comma", flags=[("json", 'a="x,y",b=true')])
case("json-nested-key", flags=[("json", "resources.limits.cpu=2")])
case("json-index", flags=[("json", 'a[1]={"b":null}')])
case("json-whole-object", flags=[("json", '{"image": {"tag": "w"}, "new": [1]}')])
case("json-whole-object-spaces", flags=[("json", '  {"a": {"b": 1}}  ')])
case("json-spaces-around-value", flags=[("json", "a= 1 ,b=2")])
case("json-unicode-escape", flags=[("json", r'a="\u00e9\u4e2d"')])
case("json-two-flags", flags=[("json", 'm={"a":1}'), ("json", "m.b=2")])

# --- --set-file ---------------------------------------------------------------------------
case("file-content", flags=[("file", "cfg=@f1")], set_files={"f1": "line1\nline2\n"})
case("file-content-with-commas-and-equals", flags=[("file", "cfg=@f1")],
     set_files={"f1": "a=1,b=2\n"})
case("file-unicode", flags=[("file", "cfg.x=@f1")], set_files={"f1": "héllo ✓"})
case("file-empty", flags=[("file", "cfg=@f1")], set_files={"f1": ""})
case("file-two-assignments", flags=[("file", "a=@f1,b=@f2")],
     set_files={"f1": "one", "f2": "two"})
case("file-list-of-files", flags=[("file", "a={@f1,@f2}")], set_files={"f1": "1", "f2": "2"})
case("file-over-chart-map", flags=[("file", "image=@f1")], set_files={"f1": "x"})
case("file-number-stays-string", flags=[("file", "replicas=@f1")], set_files={"f1": "3"})

# --- --set-literal ------------------------------------------------------------------------
case("literal-commas", flags=[("literal", "a=x,y,z")])
case("literal-equals", flags=[("literal", "a=b=c")])
case("literal-backslashes", flags=[("literal", r"a=C:\dir\x")])
case("literal-braces", flags=[("literal", "a={x,y}")])
case("literal-empty", flags=[("literal", "a=")])
case("literal-nested-key", flags=[("literal", "image.tag=1.0,rc")])
case("literal-index", flags=[("literal", "a[1]=true")])
case("literal-number-stays-string", flags=[("literal", "replicas=3")])

# --- YAML corners -------------------------------------------------------------------------
case("yaml-anchor-alias", files=["base: &b {x: 1}\nuse: *b\n"])
case("yaml-anchor-scalar", files=["a: &v hello\nb: *v\n"])
case("yaml-merge-key", files=["base: &b {x: 1, w: 2}\nthing:\n  <<: *b\n  w: 3\n"])
case("yaml-merge-key-list", files=["a: &a {x: 1}\nb: &b {x: 2, w: 2}\nc:\n  <<: [*a, *b]\n"])
case("yaml-merge-key-in-chart", chart="base: &b {x: 1}\nthing: {<<: *b, z: 2}\n",
     files=["thing: {x: 5}\n"])
case("yaml-quoted-vs-plain", files=["a: '1'\nb: 1\nc: \"true\"\nd: true\ne: 'null'\n"])
case("yaml-block-literal", files=["a: |\n  line1\n  line2\n"])
case("yaml-block-folded", files=["a: >\n  one\n  two\n\n  three\n"])
case("yaml-block-strip", files=["a: |-\n  x\n"])
case("yaml-block-keep", files=["a: |+\n  x\n\n"])
case("yaml-unicode", files=["a: héllo\nb: 日本語\nc: \"\\u00e9\\U0001F600\"\n"])
case("yaml-emoji-key", files=["🦀: crab\n"])
case("yaml-int-2-53", files=["a: 9007199254740992\nb: -9007199254740992\n"])
case("yaml-floats", files=["a: 1.5\nb: -0.25\nc: 1.0e+3\nd: 0.0\n"])
case("yaml-float-over-int", files=["replicas: 2.5\n"])
case("yaml-null-forms", files=["a: ~\nb: null\nc: Null\nd: NULL\ne:\n"])
case("yaml-bool-forms", files=["a: true\nb: false\nc: True\nd: FALSE\n"])
case("yaml-flow-collections", files=["a: {b: [1, {c: d}], e: []}\n"])
case("yaml-long-string", files=["a: " + "x" * 5000 + "\n"])
case("yaml-special-chars-in-strings", files=["a: 'it''s'\nb: \"tab\\there\"\nc: 'a: b'\n"])
case("yaml-empty-string-values", files=["a: ''\nb: \"\"\n"])
case("yaml-key-with-dot", files=["a.b: 1\nc: {d.e: 2}\n"])
case("yaml-comments-everywhere", files=["# head\na: 1 # tail\n# mid\nb:\n  # in\n  c: 2\n"])

# --- deliberate differences ---------------------------------------------------------------
YAML11_HINT = r"Helm's YAML 1\.1 reads it as"
case("diff-yes-is-a-string", chart=None, files=["a: yes\n"],
     keelson={"a": "yes"}, helm={"a": True},
     warning=r"\.yaml:1:4: `yes` is the string \"yes\" here .*" + YAML11_HINT)
case("diff-on-off-are-strings", chart=None, files=["a: on\nb: off\n"],
     keelson={"a": "on", "b": "off"}, helm={"a": True, "b": False},
     warning=r"\.yaml:2:4: `off`")
case("diff-leading-zero-is-decimal", chart=None, files=["mode: 0644\n"], keelson={"mode": 644},
     helm={"mode": 420}, warning=r"\.yaml:1:7: `0644`.*\n  hint: write `0o644`")
case("diff-int-beyond-2-53-stays-exact", chart=None, files=["a: 9007199254740993\n"],
     keelson={"a": 9007199254740993}, helm={"a": 9007199254740992})
case("diff-json-big-int-stays-exact", chart=None, flags=[("json", "a=12345678901234567890")],
     keelson={"a": 12345678901234567890}, helm={"a": 12345678901234567000})

case("diff-yaml11-bool-keys-kept", chart=None, files=["on: 1\nyes: {no: 2}\n"],
     keelson={"on": 1, "yes": {"no": 2}}, helm={"true": {"false": 2}},
     warning=r"\.yaml:1:1: key `on` is the string \"on\" here .* reads it as the key `true`")
case("diff-yaml11-number-keys-kept", chart=None, files=["0644: a\n1e3: b\n"],
     keelson={"0644": "a", "1e3": "b"}, helm={"420": "a", "1000": "b"},
     warning=r"\.yaml:2:1: key `1e3`.*\n  hint: quote the key")
case("diff-null-key-is-a-string", chart=None, files=["~: 1\n"], keelson={"~": 1},
     helm_fails=True, warning=r"\.yaml:1:1: key `~`")

# --- --set input Helm half-applies and keelson refuses ------------------------------------
for kind, expr in [("set", "=1"), ("set", ".a=1"), ("set", "a[0"), ("set", "a."),
                   ("set", "a[0]"), ("set", "[0]=1"), ("set", "a=x\\"),
                   ("set", "a={x}b=1"), ("json", "a=1b=2"), ("set", "x[0].a="),
                   ("string", "=1"), ("file", ".a=@f1"), ("literal", "=x"),
                   ("set", "a[0].=1")]:
    case(f"refused-{kind}[{expr}]", flags=[(kind, expr)], refused=FLAG[kind],
         set_files={"f1": "x"})

CASE_IDS = [c.id for c in CASES]
assert len(CASE_IDS) == len(set(CASE_IDS)), "case ids must be unique"


# ---------------------------------------------------------------------------------------
# running


@pytest.fixture(scope="session")
def oracle(tmp_path_factory):
    helm.disable_logging()
    oracle = Oracle(tmp_path_factory.mktemp("helm"))
    yield oracle
    oracle.close()


@pytest.fixture()
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("case", numbered=True)


def keelson_args(case, workdir, paths):
    chart = workdir / "chart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text(CHART_YAML)
    if case.chart is not None:
        (chart / "values.yaml").write_text(case.chart)
    args = ["values", str(chart), "-o", "json"]
    for n, text in enumerate(case.files):
        path = workdir / f"values{n}.yaml"
        path.write_text(text)
        args += ["-f", str(path)]
    for kind, expr in case.flags:
        args += [f"{FLAG[kind]}={with_paths(expr, paths)}"]
    return args


def write_set_files(case, workdir):
    paths = {}
    for name, content in case.set_files.items():
        path = workdir / f"{name}.txt"
        path.write_bytes(content.encode())
        paths[name] = path
    return paths


def run_helm(oracle, case, paths):
    try:
        return oracle.values(case, paths), None
    except (helm.HelmError, json.JSONDecodeError) as e:  # Go's json.Unmarshal fails there too
        return None, e


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_values_like_helm(keelson, oracle, workdir, case):
    paths = write_set_files(case, workdir)
    code, out, err = keelson(*keelson_args(case, workdir, paths))
    want, helm_error = run_helm(oracle, case, paths)

    if case.refused:
        assert helm_error is None, f"Helm fails too: {helm_error}"
        assert code == 2, (code, out, err)
        assert out == ""
        assert case.refused in err, err
        return
    if case.both_fail:
        assert helm_error is not None, f"Helm accepts it: {want}"
        assert code == 2, (code, out, err)
        assert out == ""
        return
    assert code == 0, err
    got = json.loads(out)
    if case.keelson is not None:
        assert same(got, case.keelson), got
        if case.helm_fails:
            assert helm_error is not None, f"Helm accepts it: {want}"
        else:
            assert helm_error is None, helm_error
            assert same(want, case.helm), want
            assert not same(got, want)
        if case.warning:
            assert re.search(case.warning, err), err
        return
    assert helm_error is None, helm_error
    assert same(got, want), f"\nkeelson: {got}\nhelm:    {want}\nstderr: {err}"


# --- --set integers past 2^53: the SDK's JSON bridge turns them into float64, Helm's own
# --- map keeps int64, so they are checked against Helm's parser output directly.


@pytest.mark.parametrize("value", ["9007199254740993", "9223372036854775807",
                                   "-9223372036854775808"])
def test_set_int64_exact_like_helm_strvals(keelson, value):
    code, out, err = keelson("values", "tests/fixtures/null-deletes-key", "-o", "json",
                             f"--set=big={value}")
    assert code == 0, err
    helm_value = helm.parse_set_string(f"big={value}")["big"]
    assert json.loads(out)["big"] == helm_value == int(value)


# --- the comparison can fail


def test_guard_comparison_detects_differences():
    assert same({"a": 3}, {"a": 3.0})
    assert not same({"a": 3}, {"a": "3"})
    assert not same({"a": True}, {"a": 1})
    assert not same({"a": None}, {})
    assert not same({"a": [1, 2]}, {"a": [2, 1]})
    assert not same({"a": 9007199254740993}, {"a": 9007199254740992.0})


def test_guard_planted_difference_is_caught(keelson, oracle, workdir):
    """keelson run with one value changed against Helm on the original case: must differ."""
    original = Case("planted", chart=CHART, files=["image: {tag: a}\n"], flags=[s("x=1")])
    planted = Case("planted", chart=CHART, files=["image: {tag: b}\n"], flags=[s("x=1")])
    code, out, _ = keelson(*keelson_args(planted, workdir, {}))
    assert code == 0
    want, error = run_helm(oracle, original, {})
    assert error is None
    assert not same(json.loads(out), want)


def test_guard_oracle_refuses_to_guess_parse_into(oracle):
    with pytest.raises(OracleGap):
        oracle.parse_into("set", "l[1]=x", {"l": [1, 2, 3]}, None)
    with pytest.raises(OracleGap):
        oracle.parse_into("set", "l[0]=x", {"l": [1]}, "l={2}")


def test_enough_cases():
    assert len([c for c in CASES if c.keelson is None and not c.refused]) >= 150
