"""Supply chain (issue 7): dependency floors and what the package's code may never do.

The source checks walk the syntax tree of every module under ``losscli/`` (not
a text grep: words in docstrings and comments do not count, every import and
call does, on any code path).
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

pytestmark = pytest.mark.smoke  # also in the README's fresh-copy run (tests/README.md)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "losscli"
SOURCES = sorted(PACKAGE.rglob("*.py"))

# Modules that deserialize code or objects: loading untrusted data through them runs code.
UNSAFE_MODULES = {"pickle", "_pickle", "cPickle", "cloudpickle", "dill", "marshal", "shelve", "jsonpickle"}
UNSAFE_BUILTINS = {"eval", "exec", "compile", "__import__"}
UNSAFE_ATTRIBUTES = {  # (object, attribute) pairs, and any object for None
    ("yaml", "load"),
    ("yaml", "load_all"),
    ("yaml", "unsafe_load"),
    ("yaml", "unsafe_load_all"),
    ("yaml", "full_load"),
    ("yaml", "full_load_all"),
    (None, "read_pickle"),
    (None, "to_pickle"),
}
# PyYAML's loaders that build Python objects: never named, not even to pass as Loader=
UNSAFE_YAML_LOADERS = {"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"}
OTHER_TOML = {"toml", "tomli", "tomlkit", "rtoml", "pytoml", "qtoml"}
# The one module that reads YAML (baselines: metrics.yaml), with yaml.safe_load
YAML_READERS = {"baselines.py"}


def pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)


def requirement(name: str) -> Requirement:
    found = [
        Requirement(r)
        for r in pyproject()["project"]["dependencies"]
        if Requirement(r).name.lower() == name.lower()
    ]
    assert len(found) == 1, f"{name} is not declared exactly once"
    return found[0]


def test_pyyaml_floor_excludes_the_full_load_code_execution_cves():
    """PyYAML < 5.4 runs code from full_load/FullLoader input (CVE-2020-1747, CVE-2020-14343);
    losscli calls only safe_load, and the floor keeps a careless future call safe too."""
    spec = requirement("pyyaml").specifier
    for old in ("5.3.1", "5.1", "4.2b1"):
        assert not spec.contains(old, prereleases=True), f"PyYAML {old} is allowed by {spec}"
    assert spec.contains("6.0.2")


def test_pyarrow_floor_is_at_least_14_0_1():
    """pyarrow < 14.0.1 deserializes arbitrary Python objects from IPC/Parquet (CVE-2023-47248)."""
    spec = requirement("pyarrow").specifier
    floors = [Version(s.version) for s in spec if s.operator in (">=", "==", "~=", "===")]
    floors += [Version(s.version) for s in spec if s.operator == ">"]
    assert floors and max(floors) >= Version("14.0.1"), str(spec)
    for old in ("0.17.0", "13.0.0", "14.0.0"):
        assert not spec.contains(old, prereleases=True), f"pyarrow {old} is allowed by {spec}"
    assert spec.contains("14.0.1") or spec.contains("26.0.0")  # the floor is reachable


def _trees() -> list[tuple[Path, ast.AST]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))) for path in SOURCES]


def _imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call):  # importlib.import_module("x") / __import__("x") with a literal
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    names.add(arg.value)
    return names


def test_the_checks_see_every_module():
    assert len(SOURCES) > 20
    assert PACKAGE / "config.py" in SOURCES
    assert any(p.parent.name == "cli" for p in SOURCES)


def unsafe_imports(tree: ast.AST) -> list[str]:
    return sorted(m for m in _imported_modules(tree) if m.split(".")[0] in UNSAFE_MODULES | OTHER_TOML)


def unsafe_calls(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "yaml"
            and node.attr in UNSAFE_YAML_LOADERS
        ):
            found.append(f"{node.lineno}: yaml.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "yaml":
            found += [f"{node.lineno}: from yaml import {a.name}" for a in node.names]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in UNSAFE_BUILTINS:
            found.append(f"{node.lineno}: {func.id}(…)")
        elif isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if (owner, func.attr) in UNSAFE_ATTRIBUTES or (None, func.attr) in UNSAFE_ATTRIBUTES:
                found.append(f"{node.lineno}: {owner}.{func.attr}(…)")
            elif owner == "builtins" and func.attr in UNSAFE_BUILTINS:
                found.append(f"{node.lineno}: builtins.{func.attr}(…)")
        for kw in node.keywords:  # numpy.load(..., allow_pickle=True)
            if kw.arg == "allow_pickle" and not (
                isinstance(kw.value, ast.Constant) and kw.value.value is False
            ):
                found.append(f"{node.lineno}: allow_pickle")
    return found


def test_no_module_imports_a_deserializer_or_another_toml_library():
    offenders = {str(path.relative_to(ROOT)): unsafe_imports(tree) for path, tree in _trees()}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_eval_exec_or_unsafe_loader_is_called():
    offenders = {str(path.relative_to(ROOT)): unsafe_calls(tree) for path, tree in _trees()}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_yaml_is_read_in_one_module_with_safe_load_only():
    """YAML baselines: only losscli/baselines.py imports yaml (inside its functions, so
    --help never loads it), and it builds objects with yaml.safe_load."""
    importers = {path.name for path, tree in _trees() if "yaml" in _imported_modules(tree)}
    assert importers == YAML_READERS
    tree = ast.parse((PACKAGE / "baselines.py").read_text(encoding="utf-8"))
    top_level = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert "yaml" not in {a.name for n in top_level for a in n.names}
    called = {
        n.func.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == "yaml"
    }
    assert "safe_load" in called and called <= {"safe_load", "parse"}, called


def test_config_files_are_parsed_with_tomllib():
    config = ast.parse((PACKAGE / "config.py").read_text(encoding="utf-8"))
    assert "tomllib" in _imported_modules(config)
    calls = {
        n.func.value.id
        for n in ast.walk(config)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
    }
    assert "tomllib" in calls  # tomllib.load(...) is what reads the file


def test_the_checks_flag_what_they_are_meant_to():
    """The walkers can fail: each pattern in this snippet is reported."""
    bad = ast.parse(
        "import pickle\nfrom shelve import open\nimport tomli\nimportlib.import_module('marshal')\n"
        "eval('1')\nbuiltins.exec('x')\nyaml.load(s)\ndf.to_pickle('x')\nnp.load(f, allow_pickle=True)\n"
        "yaml.load_all(s)\nyaml.parse(s, Loader=yaml.FullLoader)\nfrom yaml import CLoader\n"
    )
    assert unsafe_imports(bad) == ["marshal", "pickle", "shelve", "tomli"]
    assert sorted(line.split(": ")[1] for line in unsafe_calls(bad)) == sorted(
        [
            "eval(…)",
            "builtins.exec(…)",
            "yaml.load(…)",
            "df.to_pickle(…)",
            "allow_pickle",
            "yaml.load_all(…)",
            "yaml.FullLoader",
            "from yaml import CLoader",
        ]
    )
    clean = ast.parse(
        "import tomllib\nre.compile('x')\nnp.load(f)\nnp.load(f, allow_pickle=False)\n"
        "yaml.safe_load(s)\nyaml.parse(s, Loader=yaml.CSafeLoader)\n"
    )
    assert unsafe_imports(clean) == [] and unsafe_calls(clean) == []
