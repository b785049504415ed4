"""The packages import one way (docs/architecture.md): views and jobs -> reports, notify -> sheets
-> state, partnership -> procedures. Views never import jobs, nor jobs views, and no module imports
itself round a loop."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each package and the packages it may import (``config`` is the app's settings module, read by all).
MAY_IMPORT = {
    "procedures": set(),
    "partnership": {"procedures"},
    "state": {"config"},
    "sheets": {"procedures", "partnership", "state"},
    "notify": {"procedures", "partnership", "sheets", "state"},
    "reports": {"procedures", "partnership", "sheets", "state"},
    "forms": {"procedures", "sheets"},
    "jobs": {"procedures", "partnership", "sheets", "state", "notify", "reports", "config"},
    "views": {"procedures", "partnership", "sheets", "state", "notify", "reports", "forms", "config"},
}
OURS = set(MAY_IMPORT) | {"config", "app"}


def imports(path: Path, top_level_only: bool = False) -> set[str]:
    """The modules of ours that ``path`` imports (only those at module level, if asked)."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] in OURS)
    return found


def modules() -> dict[str, Path]:
    found = {}
    for package in MAY_IMPORT:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def test_packages_import_only_the_layers_below_them():
    wrong = []
    for name, path in modules().items():
        package = name.split(".")[0]
        for imported in imports(path):
            target = imported.split(".")[0]
            if target != package and target not in MAY_IMPORT[package]:
                wrong.append(f"{name} imports {imported}")
    assert wrong == []


def test_no_module_imports_itself_round_a_loop():
    known = modules()
    graph = {name: {m for m in imports(path, top_level_only=True) if m in known and m != name}
             for name, path in known.items()}
    loops = []
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1:
                loops.append(" -> ".join(trail[trail.index(nxt):] + [nxt]) if nxt in trail else nxt)
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert loops == []


def test_the_check_notices_a_view_imported_by_a_job(tmp_path):
    (tmp_path / "x.py").write_text("from views.records import lists\nimport jobs.run\n")
    assert imports(tmp_path / "x.py") == {"views.records", "views.records.lists", "jobs.run"}
