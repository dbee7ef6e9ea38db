"""Dependencies run one way: the import-linter layers in pyproject.toml hold, no two simcoh modules import each other
(directly or around a cycle, at module level or inside a function), and the package never touches sys.path or
imports the repository's validation/ folder."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simcoh"


# ----------------------------------------------------------------------------- the import graph, from the source

def module_files(package_dir: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package) for every .py file under ``package_dir``."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_nodes(tree: ast.AST):
    """Every Import / ImportFrom node, at any depth (functions included), except those under ``if TYPE_CHECKING``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imported_names(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Absolute names ``node`` imports (``pkg.mod`` for ``from pkg import mod``, ``pkg.name`` for an attribute)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        origin = ".".join(base + ([node.module] if node.module else []))
    else:
        origin = node.module or ""
    return [f"{origin}.{alias.name}" for alias in node.names]


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the package's modules that importing it executes: each imported module and its parent packages
    (those that are not already parents of the importer)."""
    modules = module_files(package_dir)

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, (path, is_package) in modules.items():
        own_parents = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
        targets = set()
        for node in import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for name in imported_names(module, is_package, node):
                target = resolve(name)
                if target is None:
                    continue
                parts = target.split(".")
                targets |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)} - own_parents
        graph[module] = targets - {module}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a list of modules, the first repeated at the end) for each strongly connected group of modules."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []

    def visit(v):  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_cycle_in(group, graph) for group in groups]


def _cycle_in(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, within the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for v in frontier:
            for w in sorted(graph[v] & group):
                if w == start:
                    return paths[v] + [start]
                if w not in paths:
                    paths[w] = paths[v] + [w]
                    following.append(w)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # unreachable for a strongly connected group


# ----------------------------------------------------------------------------- the checks

def test_no_import_cycles_between_simcoh_modules():
    cycles = find_cycles(import_graph(PACKAGE))
    assert not cycles, "import cycles (break each by moving the shared code down a layer):\n" + "\n".join(
        "  " + " -> ".join(cycle) for cycle in cycles)


def subpackage_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph with every module replaced by its top-level part of the package (``simcoh.daq.stage`` ->
    ``simcoh.daq``); the package's own ``__init__`` is left out (importing any module runs it)."""
    def top(module: str) -> str:
        return ".".join(module.split(".")[:2])

    collapsed: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if "." in module:
            collapsed.setdefault(top(module), set()).update(top(t) for t in targets if "." in t)
    return {k: v - {k} for k, v in collapsed.items()}


def test_no_import_cycles_between_subpackages():
    cycles = find_cycles(subpackage_graph(import_graph(PACKAGE)))
    assert not cycles, "subpackages that import each other:\n" + "\n".join("  " + " -> ".join(c) for c in cycles)


def test_the_cycle_finder_sees_function_level_imports_and_skips_type_checking(tmp_path):
    """The check above can fail: a cycle closed by an import inside a function is found, one closed only under
    ``if TYPE_CHECKING`` is not, and importing ``pkg.b.c`` also runs ``pkg/b/__init__``."""
    pkg = tmp_path / "pkg"
    (pkg / "b").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b.c import f\n")
    (pkg / "b" / "__init__.py").write_text("def g():\n    from .. import a\n")
    (pkg / "b" / "c.py").write_text("def f():\n    pass\n")
    (pkg / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .e import x\n")
    (pkg / "e.py").write_text("import pkg.d\n")
    graph = import_graph(pkg)
    assert graph["pkg.a"] == {"pkg.b", "pkg.b.c"} and graph["pkg.d"] == set() and graph["pkg.e"] == {"pkg.d"}
    assert find_cycles(graph) == [["pkg.a", "pkg.b", "pkg.a"]]


def test_import_linter_contracts_hold():
    """The layers declared in pyproject.toml ([tool.importlinter]), checked by import-linter on this checkout."""
    pytest.importorskip("importlinter", reason="install the test extra: pip install '.[test]'")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    proc = subprocess.run([sys.executable, "-c", code, "--no-cache"],  # reads pyproject.toml in ROOT
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[proc.stdout.find("Broken contracts"):] + proc.stderr


def _sys_path_uses(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("path", "meta_path", "path_hooks") and (
                isinstance(node.value, ast.Name) and node.value.id == "sys"):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "sys" and any(
                a.name in ("path", "meta_path", "path_hooks") for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "addsitedir":
            lines.append(node.lineno)
    return sorted(lines)


def test_the_package_leaves_sys_path_alone_and_never_imports_validation():
    problems = []
    for module, (path, is_package) in module_files(PACKAGE).items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        problems += [f"{path.relative_to(ROOT)}:{line}: changes the import path" for line in _sys_path_uses(tree)]
        for node in import_nodes(tree):
            for name in imported_names(module, is_package, node):
                if name == "validation" or name.startswith("validation."):
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports the repository's "
                                    f"validation/ (run it as python -m validation)")
    assert not problems, "\n".join(problems)


def test_sys_path_check_can_fail():
    tree = ast.parse("import sys\nsys.path.insert(0, 'x')\nfrom sys import path\nimport site\nsite.addsitedir('y')\n")
    assert _sys_path_uses(tree) == [2, 3, 5]


def test_every_top_level_module_has_a_layer():
    """A module or subpackage that no layer names would escape the contract: each one must be placed."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    named = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    package = ROOT / "simcoh"
    present = {p.stem for p in package.glob("*.py") if p.stem != "__init__"}
    present |= {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    present.discard("_scm_version")  # written by setuptools-scm when the package is built (.gitignore); no imports
    assert present - named == set(), f"modules without a layer in pyproject.toml: {sorted(present - named)}"
