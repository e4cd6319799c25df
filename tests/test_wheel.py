"""The wheel carries its lexicons and models and screens on its own, away from the repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_built_wheel_screens_the_example(tmp_path: Path) -> None:
    pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling (the [test] extra)")
    dist, target, elsewhere = tmp_path / "dist", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    # no build isolation: nothing is downloaded; the venv's hatchling builds it
    subprocess.run([*pip, "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-w", str(dist)], check=True)
    (wheel,) = dist.glob("claimcheck-*.whl")
    # the wheel alone in a folder of its own; its dependencies come from this venv
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)], check=True)
    code = (
        "import sys, claimcheck, claimcheck.paths as p\n"
        "from pathlib import Path\n"
        "target = Path(sys.argv[1]).resolve()\n"
        "assert Path(claimcheck.__file__).resolve().is_relative_to(target), claimcheck.__file__\n"
        "assert p.MODELS_DIR.resolve().is_relative_to(target), p.MODELS_DIR\n"
        "assert p.DEFAULT_LEXICON_DIR.resolve().is_relative_to(target), p.DEFAULT_LEXICON_DIR\n"
        "r = claimcheck.screen(Path(sys.argv[2]).read_text(encoding='utf-8'))\n"
        "assert r.verdict == 'block' and r.findings, r\n"
        "assert 'exaggeration-sklearn' in r.versions['exaggeration'], r.versions\n"
        "import spacy\n"  # the spacy_factories entry point: no import of claimcheck.spacy_component first
        "nlp = spacy.blank('zh')\n"
        "nlp.add_pipe('claimcheck')\n"
        "doc = nlp('全网最低价')\n"
        "assert [s.text for s in doc.spans['claimcheck']] == ['全网最低价'], list(doc.spans['claimcheck'])\n"
        "print(len(r.findings))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    env["CLAIMCHECK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'wheel.db'}"
    example = ROOT / "data" / "examples" / "script_example.txt"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(target), str(example)], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.strip()) > 0
