"""The one-way flow, checked on the code itself: every import (those inside functions included,
`if TYPE_CHECKING:` blocks excluded) goes from a layer to a layer below it, and no module
reaches itself again through other modules.

The order, as the README draws it:
    errors, wording, typography, untrusted, paths, files → bank → engine → storage → documents
    → session → cli, ui
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "diag_tui"

LAYERS = [
    ("diag_tui", "diag_tui.errors", "diag_tui.wording", "diag_tui.typography", "diag_tui.untrusted",
     "diag_tui.paths", "diag_tui.files"),
    ("diag_tui.bank",),
    ("diag_tui.engine",),
    ("diag_tui.storage",),
    ("diag_tui.documents",),
    ("diag_tui.session", "diag_tui.guidance"),
    ("diag_tui.cli", "diag_tui.ui", "diag_tui.text_mode", "diag_tui.__main__"),
]


def modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        name = ".".join(path.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def layer(module: str) -> int:
    best = None
    for n, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[1]):
                best = (n, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS (and to the README)"
    return best[0]


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(path: Path, known: dict[str, Path]) -> dict[str, int]:
    """Internal modules imported by the file at `path`, with the line of the first import."""
    found: dict[str, int] = {}
    todo: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while todo:
        node = todo.pop()
        if _type_checking(node):
            todo += getattr(node, "orelse", [])
            continue
        todo += list(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `from pkg import module` or a name in a module
                target = target.rpartition(".")[0]
            if target and target.startswith("diag_tui"):
                found.setdefault(target, node.lineno)
                break
    return found


def graph() -> dict[str, dict[str, int]]:
    known = modules()
    edges = {}
    for name, path in known.items():
        edges[name] = {target: line for target, line in imports(path, known).items() if target != name}
    return edges


def test_every_import_goes_down_the_layers():
    wrong = [
        f"{name} (layer {layer(name)}) imports {target} (layer {layer(target)}), line {line}"
        for name, targets in graph().items()
        for target, line in targets.items()
        if layer(target) > layer(name)
    ]
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_no_import_cycle():
    edges = graph()
    reach: dict[str, set[str]] = defaultdict(set)
    for start in edges:
        todo = [start]
        while todo:
            for nxt in edges.get(todo.pop(), {}):
                if nxt not in reach[start]:
                    reach[start].add(nxt)
                    todo.append(nxt)
    cycles = sorted(name for name in edges if name in reach[name])
    assert not cycles, f"modules that import themselves through others: {cycles}"


def test_the_checker_sees_lazy_imports_and_skips_type_checking(tmp_path):
    """The two checks above mean something only if function-level imports count."""
    (tmp_path / "m.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from diag_tui.ui.app import DiagApp\n"
        "def f():\n    from diag_tui.session import Session\n",
        encoding="utf-8",
    )
    found = imports(tmp_path / "m.py", modules())
    assert "diag_tui.session" in found and "diag_tui.ui.app" not in found


@pytest.mark.parametrize("module", ["diag_tui.bank.referential", "diag_tui.engine.plan", "diag_tui.ui.results"])
def test_every_module_has_a_layer(module):
    assert module in modules()
    layer(module)
