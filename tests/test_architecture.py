"""The package's shape: import contracts, no import cycles, small modules, a light start-up path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "claimcheck"


def test_import_contracts_hold() -> None:
    """The layers, forbidden and acyclic contracts in pyproject.toml (the same check as `lint-imports`)."""
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "BROKEN" not in proc.stdout


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other in a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    out.append(sorted(group))
    return out


def test_no_import_cycle_between_modules() -> None:
    import grimp

    graph = grimp.build_graph("claimcheck", cache_dir=None)
    modules = {m for m in graph.modules if m.startswith("claimcheck")}
    edges = {
        m: {d for d in graph.find_modules_directly_imported_by(m) if d in modules and not _is_parent(d, m)}
        for m in modules
    }
    assert _strongly_connected(edges) == []


def _is_parent(candidate: str, module: str) -> bool:
    return module.startswith(candidate + ".")  # importing a name from one's own package __init__


def test_cycle_finder_finds_a_cycle() -> None:
    assert _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_modules_stay_small() -> None:
    too_long = {
        str(p.relative_to(ROOT)): n
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts and (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert too_long == {}


@pytest.mark.parametrize(
    ("script", "spacy"),
    [
        ("家人们这是全网最低价\n今天下单明天发货\n", False),  # no pattern anchor: not even spaCy
        ("只要坚持吃三个月一定有效果\n长期吃也没有任何副作用\n", True),  # pattern rules: spaCy, never torch
    ],
)
def test_screening_imports_no_heavy_optional_library(tmp_path: Path, script: str, spacy: bool) -> None:
    """The default screen path never imports torch, transformers, skops or pyspark; spaCy only for pattern rules."""
    path = tmp_path / "s.txt"
    path.write_text(script, encoding="utf-8")
    script = path  # type: ignore[assignment]
    code = (
        "import json, sys\n"
        "from claimcheck.cli import app\n"
        f"try:\n    app(['screen', {str(script)!r}, '--no-record', '--format', 'json'])\n"
        "except SystemExit:\n    pass\n"
        "heavy = {'spacy', 'torch', 'transformers', 'skops', 'pyspark', 'py4j'}\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & heavy)\n"
        "print(json.dumps(heavy), file=sys.stderr)\n"
    )
    env = {"CLAIMCHECK_REPORT_DIR": str(tmp_path / "r"), "CLAIMCHECK_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    import os

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env})
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == (["spacy"] if spacy else [])
