"""The package's layers: each module imports only from its own layer or below, and no packages import each other.

The layers are written once, here (the README draws them). Every import counts, including those inside
functions: a function-level import that dodges a cycle is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "captionkit"

#: Bottom to top. A unit is a top-level module or package of ``captionkit``.
LAYERS: list[set[str]] = [
    {"model", "errors", "text"},                                               # data model and text rules
    {"files", "progress", "media"},                                            # files, terminal, ffmpeg/PyAV
    {"style"},                                                                 # presets, fonts, layout
    {"formats"},                                                               # caption file formats
    {"cues", "speech", "script"},                                              # cues, speech, scripts
    {"render", "assembly", "engines", "infsh", "localize", "preflight"},       # what is built from them
    {"jobs"},                                                                  # whole jobs
    {"batch"},                                                                 # many jobs
    {"cli"},                                                                   # the command line
]
#: The lazy Python API (names resolved on first use) and ``python -m captionkit`` sit above everything.
TOP = {"__init__", "__main__"}
LAYER_OF = {unit: level for level, units in enumerate(LAYERS) for unit in units}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str | None:
    """``captionkit.formats.ass`` -> ``formats``; ``captionkit`` itself -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "captionkit" else None


def _imports(path: Path) -> set[str]:
    """Every captionkit module ``path`` imports, at any depth of the file, as absolute names."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "captionkit")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base = ".".join(base_parts[: len(base_parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.split(".")[0] != "captionkit":
                continue
            submodules = {f"{target}.{alias.name}" for alias in node.names if _is_module(f"{target}.{alias.name}")}
            found.update(submodules or {target})  # from .. import formats: the module, not the package
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _unit_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _unit(_module_name(path)) or path.stem
        targets = {_unit(name) for name in _imports(path)} - {None, source}
        graph.setdefault(source, set()).update(t for t in targets if t is not None)
    return graph


def test_every_unit_has_a_layer():
    units = set(_unit_graph()) - TOP
    units.discard("styles")  # the preset TOML files and fonts, installed as captionkit.styles; no code
    assert units - set(LAYER_OF) == set(), "place new modules or packages in LAYERS (tests/test_layers.py)"


def test_no_module_imports_a_higher_layer():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _unit(_module_name(path)) or path.stem
        if source in TOP or source not in LAYER_OF:
            continue
        for name in sorted(_imports(path)):
            target = _unit(name)
            if target in LAYER_OF and LAYER_OF[target] > LAYER_OF[source]:
                upward.append(f"{path.relative_to(PACKAGE.parent)} imports {name} "
                              f"(layer {LAYER_OF[target] + 1} > {LAYER_OF[source] + 1})")
    assert upward == []


def test_no_cycle_between_packages():
    graph = _unit_graph()
    cycles = []
    for start in graph:
        stack = [(start, [start])]
        while stack:
            unit, path = stack.pop()
            for following in graph.get(unit, ()):
                if following == start:
                    cycles.append(" -> ".join([*path, start]))
                elif following not in path:
                    stack.append((following, [*path, following]))
    assert cycles == []


@pytest.mark.parametrize("source, expected", [
    ("from ..style import load_style\n", {"captionkit.style"}),
    ("from .. import formats\n", {"captionkit.formats"}),
    ("def f():\n    from ..cues.segment import build_track\n", {"captionkit.cues.segment"}),
    ("import captionkit.media\n", {"captionkit.media"}),
    ("from . import srt\n", {"captionkit.formats.srt"}),
])
def test_imports_are_found_at_any_depth_and_resolved(tmp_path, monkeypatch, source, expected):
    """The walker itself: relative, absolute and function-level imports, as if in captionkit/formats/x.py."""
    path = PACKAGE / "formats" / "x.py"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert _imports(path) == expected


def test_test_helpers_are_imported_one_way():
    """``from helpers import ...`` (pyproject's pythonpath), never ``from tests.helpers``: plain pytest has no
    repository root on its path, so that form works only under ``python -m pytest``."""
    tests = Path(__file__).resolve().parent
    offending = [
        f"{path.name}: {node.module}"
        for path in sorted(tests.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests"
    ]
    assert offending == []
