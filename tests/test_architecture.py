"""The package's floors: no import cycles between modules, and arrows only point down.

See docs/architecture.md. The layers, bottom first:

- ``core`` (errors, findings with positions, YAML documents, date intervals) and ``runtime`` (what
  services import) stand on nothing else of marketctl, and not on each other;
- ``reference`` (ISO, CLDR, time zones, reviewed law data) may use ``core`` and ``runtime``;
- ``repository`` (sources, documents, layering, markets, settings) may use the floors below it;
- ``checks`` (schemas, rules, message analysis, reporters, validation);
- ``commands`` (build, bundle, diff, explain, scaffold, coverage, ...);
- the top: ``cli``, ``lsp`` (the language server), ``testing``, ``__main__`` and ``__init__``.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: an arrow is an
arrow whether or not it runs at import time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

# The source tree, not the installed package: a wheel also carries the schemas as package data.
PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "src" / "marketctl"

RANKS = {
    "core": 0,
    "runtime": 0,
    "reference": 1,
    "repository": 2,
    "checks": 3,
    "commands": 4,
    "<top>": 5,
}


def module_names(root: Path) -> dict[str, Path]:
    """Every module of the package under ``root``, by dotted name (packages by their name)."""
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imported_modules(path: Path, name: str, known: dict[str, Path]) -> Iterator[str]:
    """The package's own modules that ``path`` imports, resolved to the most specific module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target
                break


def layer_of(name: str) -> str:
    parts = name.split(".")
    if len(parts) > 1 and parts[1] in RANKS:
        return parts[1]
    return "<top>"


def import_graph(root: Path) -> dict[str, set[str]]:
    known = module_names(root)
    return {name: set(imported_modules(path, name, known)) for name, path in known.items()}


def upward_arrows(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for importer, imported in sorted(graph.items()):
        for target in sorted(imported):
            source_layer, target_layer = layer_of(importer), layer_of(target)
            if target_layer == "<top>" and target == root_package(importer):
                continue  # ``from marketctl import __version__``: the package's own metadata
            if source_layer != target_layer and RANKS[target_layer] >= RANKS[source_layer]:
                found.append(f"{importer} ({source_layer}) imports {target} ({target_layer})")
    return found


def root_package(name: str) -> str:
    return name.split(".")[0]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_package_has_no_import_cycle() -> None:
    assert cycles(import_graph(PACKAGE_ROOT)) == []


def test_imports_only_point_down_the_layers() -> None:
    assert upward_arrows(import_graph(PACKAGE_ROOT)) == []


def test_the_runtime_imports_nothing_else_of_marketctl() -> None:
    graph = import_graph(PACKAGE_ROOT)
    outside = sorted(
        f"{importer} imports {target}"
        for importer, targets in graph.items()
        if layer_of(importer) == "runtime"
        for target in targets
        if layer_of(target) != "runtime"
    )
    assert outside == []


def test_the_top_of_the_package_holds_only_the_layers_and_the_entry_points() -> None:
    top = sorted(p.name for p in PACKAGE_ROOT.iterdir() if not p.name.startswith((".", "__py")))
    layers = sorted(name for name in RANKS if name != "<top>")
    assert top == sorted(
        [*layers, "__init__.py", "__main__.py", "cli.py", "lsp.py", "py.typed", "testing.py"]
    )


def _write(root: Path, files: dict[str, str]) -> Path:
    package = root / "marketctl"
    for relative, text in files.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


def test_a_deliberate_cycle_is_found(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "core/documents.py": "def f():\n    from marketctl.core import findings\n",
            "core/findings.py": "from marketctl.core.documents import f\n",
            "core/errors.py": "",
        },
    )
    assert cycles(import_graph(package)) == [
        ["marketctl.core.documents", "marketctl.core.findings"]
    ]


def test_an_upward_arrow_is_found_also_in_a_function_or_relative_import(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "__init__.py": "__version__ = '1'\n",
            "core/__init__.py": "",
            "core/documents.py": "def f():\n    from ..checks.rules import catalogue\n",
            "checks/__init__.py": "",
            "checks/rules/__init__.py": "from marketctl.core import documents\n",
            "runtime/__init__.py": "import marketctl.reference.iso\n",
            "reference/__init__.py": "",
            "reference/iso.py": "from marketctl import __version__\n",
        },
    )
    assert upward_arrows(import_graph(package)) == [
        "marketctl.core.documents (core) imports marketctl.checks.rules (checks)",
        "marketctl.runtime (runtime) imports marketctl.reference.iso (reference)",
    ]
    assert cycles(import_graph(package)) == [["marketctl.checks.rules", "marketctl.core.documents"]]
