"""The README opens with two commands; CI must run the second one verbatim."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(.+?)\n```", text)[:2]


def test_readme_opens_with_two_commands() -> None:
    install_run, test = readme_commands()
    assert "claimcheck screen data/examples/script_example.txt" in install_run
    assert (ROOT / "data" / "examples" / "script_example.txt").is_file()
    assert "'.[test]'" in test and "pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    _, test = readme_commands()
    assert test in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
