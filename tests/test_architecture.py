"""The house's shape (issue 12): no import cycle between losscli's modules, no private
name imported across modules, and library code free of the CLI's libraries.

The scan reads the syntax tree of every module under ``losscli/``. Every import counts,
at module level or inside a function (a function-local import still ties the two
modules together; it only delays the tie), except those under ``if TYPE_CHECKING:``,
which never run. ``import a.b.c`` runs the ``__init__`` of each package on the way
(``a.b``), so it is an edge to those too — except to the importer's own packages, which
Python has always begun to run before the importer (an edge there says nothing about
order). So ``from losscli.losses.labels import x`` in ``losscli.engine.merge`` is an edge
to ``losscli.losses`` and to ``losscli.losses.labels``; in ``losscli.losses.inputs`` only
to the latter; and the root ``losscli`` is reached only by importing it by name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "losscli"

pytestmark = pytest.mark.smoke


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
PACKAGES = {name for name, path in MODULES.items() if path.name == "__init__.py"}


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node, leaving out the bodies of ``if TYPE_CHECKING:``."""
    out: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        out.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                stack.extend(child.orelse)
                continue
            stack.append(child)
    return out


def _imports(name: str) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for each import statement of ``name``."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if name in PACKAGES else name.rpartition(".")[0]
    found = []
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((base, [a.name for a in node.names], node.lineno))
    return found


def _targets(module: str, names: list[str], importer: str) -> set[str]:
    """The losscli modules an import in ``importer`` runs: the module (or each imported
    submodule) and every package on the way that is not one of the importer's own."""
    if module != "losscli" and not module.startswith("losscli."):
        return set()
    hit = {f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES} or {module}
    own = importer.split(".")
    ancestors = {".".join(own[:i]) for i in range(1, len(own))}
    out = set(hit)
    for target in hit:
        parts = target.split(".")
        out |= {".".join(parts[:i]) for i in range(1, len(parts))} - ancestors
    return {t for t in out if t in MODULES}


def _graph() -> dict[str, set[str]]:
    return {
        name: {t for module, names, _ in _imports(name) for t in _targets(module, names, name)} - {name}
        for name in MODULES
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_losscli_modules():
    cycles = _cycles(_graph())
    assert not cycles, "import cycles (function-local imports counted):\n" + "\n".join(map(str, cycles))


def test_the_scan_finds_a_cycle_when_there_is_one():
    """The detector itself: a planted cycle and a function-local edge are found."""
    graph = _graph()
    graph["losscli.errors"] = graph["losscli.errors"] | {"losscli.cli.app"}
    assert any("losscli.errors" in c and "losscli.cli.app" in c for c in _cycles(graph))
    local = ast.parse("def f():\n    from losscli.engine import runner\n")
    assert any(isinstance(n, ast.ImportFrom) for n in _runtime_nodes(local))


def test_the_root_package_imports_only_leaf_modules_when_it_runs():
    """``import losscli`` (and so every console-script start) stays cheap: the public
    names are lazy attributes (PEP 562); what it imports at once imports nothing more."""
    tree = ast.parse(MODULES["losscli"].read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in top if isinstance(n, ast.ImportFrom)]
    mine = [n for n in names if n == "losscli" or n.startswith("losscli.")]
    assert mine == ["losscli.version"]
    assert not [m for m, _, _ in _imports("losscli.version") if m.startswith("losscli")]


def test_no_private_name_is_imported_across_modules():
    """``from losscli.x import _name`` reaches into another module's privates."""
    offenders = [
        f"{name}:{line}: {module}.{n}"
        for name in MODULES
        for module, names, line in _imports(name)
        if module.startswith("losscli")
        for n in names
        if n.startswith("_") and not n.startswith("__")
    ]
    assert not offenders, "\n".join(offenders)


def test_private_modules_are_imported_only_inside_their_package():
    """A ``_module`` is its package's business: other packages use the package's public names."""
    offenders = []
    for name in MODULES:
        for module, names, line in _imports(name):
            if not module.startswith("losscli"):
                continue
            for target in {f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES} or {module}:
                parts = target.split(".")
                if parts[-1].startswith("_") and not parts[-1].startswith("__"):
                    owner = ".".join(parts[:-1])
                    if not (name == owner or name.startswith(owner + ".")):
                        offenders.append(f"{name}:{line}: {target}")
    assert not offenders, "\n".join(offenders)


def test_library_code_never_imports_the_cli_libraries():
    offenders = [
        f"{name}:{line}: {module}"
        for name in MODULES
        if not (name in ("losscli.cli", "losscli.__main__") or name.startswith("losscli.cli."))
        for module, _, line in _imports(name)
        if module.split(".")[0] in ("typer", "rich", "click")
        or module == "losscli.cli"
        or module.startswith("losscli.cli.")
    ]
    assert not offenders, "\n".join(offenders)
