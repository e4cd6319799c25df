"""Rendering stays cheap: long terminal tables are paged, ``--format json`` and ``--quiet`` never
build the table, and the HTML and JSON reports still hold every finding. (No timings here: the
figures are in benchmarks/bench_render.py.)"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.report import terminal
from claimcheck.report.html import render_html
from claimcheck.service.reports import report_json
from claimcheck.taxonomy import Category
from claimcheck.types import Finding, ScreenResult, Severity, Verdict
from tests.conftest import MINI_LEXICON, ROOT

runner = CliRunner()
LINE = "家人们这是顶级工艺的面霜。\n"  # one finding (顶级) a line with the mini lexicon


def cli(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "160"})


def finding(start: int, end: int, text: str, **kw) -> Finding:
    base = dict(
        detector="lexicon",
        category=Category.ABSOLUTE_TERM,
        rule_id="absolute.best",
        severity=Severity.BLOCK,
        score=1.0,
        legal_basis="《中华人民共和国广告法》第九条第三项",
        suggestion="口碑很好",
        explanation="绝对化用语",
    )
    return Finding(start=start, end=end, text=text, **(base | kw))


def many(n: int) -> tuple[ScreenResult, str]:
    text = "".join(f"第{i}句：这是最好的面霜。\n" for i in range(n))
    findings = [finding(m.start(), m.end(), "最好") for m in re.finditer("最好", text)]
    return ScreenResult(verdict=Verdict.BLOCK, findings=findings, versions={"lexicon": "x"}), text


def table_text(result: ScreenResult, text: str, **kw) -> str:
    out = io.StringIO()
    terminal.render(result, text, Console(file=out, width=160, color_system=None), source="t.txt", **kw)
    return out.getvalue()


def numbered_rows(out: str) -> list[int]:
    return [int(m.group(1)) for m in re.finditer(r"^│ +(\d+) │", out, flags=re.M)]


# --- the table -----------------------------------------------------------------------------------


def test_a_long_table_is_paged_and_says_how_many_are_left_out() -> None:
    result, text = many(120)
    out = table_text(result, text, full_report="reports/t.html")
    assert numbered_rows(out) == list(range(1, 51))
    assert "另有 70 处未在此列出（共 120 处" in out
    assert "reports/t.html" in out and "--all" in out
    assert "禁止 120 处" in out  # the verdict line counts every finding, not the listed ones


@pytest.mark.parametrize(("limit", "rows"), [(None, 120), (0, 120), (7, 7)])
def test_the_limit_can_list_more_or_fewer(limit: int | None, rows: int) -> None:
    result, text = many(120)
    out = table_text(result, text, limit=limit)
    assert numbered_rows(out) == list(range(1, rows + 1))
    assert ("未在此列出" in out) is (rows < 120)


def test_a_short_table_is_not_paged() -> None:
    result, text = many(3)
    out = table_text(result, text)
    assert numbered_rows(out) == [1, 2, 3] and "未在此列出" not in out


def test_table_lines_line_up_whatever_the_text_holds() -> None:
    """Wide, zero-width and joined characters, control characters and markup stay inside their cells."""
    text = "前言[b]\t全网最👨\u200d👩好\u0301的\x1b[31m面霜\r\n" + "第二行：頂級​工艺" * 6 + "[/]"
    hits = [(text.index("全网"), text.index("的")), (text.index("頂級"), text.index("頂級") + 2)]
    findings = [
        finding(
            s, e, text[s:e], explanation="说明[/]\x07" * 9, suggestion="改写\t" * 20, sku="A-1", product_name="面霜"
        )
        for s, e in hits
    ]
    result = ScreenResult(verdict=Verdict.BLOCK, findings=findings, versions={})
    for width in (160, 90, 60):
        out = io.StringIO()
        terminal.render(result, text, Console(file=out, width=width, color_system=None), source="a[/].txt")
        lines = out.getvalue().splitlines()
        body = lines[
            lines.index(next(x for x in lines if x.startswith("┏"))) : 1
            + lines.index(next(x for x in lines if x.startswith("└")))
        ]
        assert len({cell_len(x) for x in body}) == 1, (width, {cell_len(x) for x in body})
        assert all("\x1b" not in x and "\t" not in x and "\x07" not in x for x in lines)
        assert "[/]" in out.getvalue()


def test_styles_survive_the_fast_layout() -> None:
    result, text = many(2)
    console = Console(file=io.StringIO(), width=160, force_terminal=True, color_system="standard")
    terminal.render(result, text, console)
    raw = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[1;31m【最好】\x1b[0m" in raw  # the hit in bold red
    assert "\x0e" not in raw and "\x0f" not in raw  # the layout's style marks never reach the terminal


# --- the reports hold every finding ------------------------------------------------------------


def test_html_and_json_reports_hold_every_finding_when_the_table_is_paged() -> None:
    result, text = many(120)
    html = render_html(result, text, source="t.txt")
    assert len(re.findall(r'<tr id="f\d+">', html)) == 120
    assert html.count("<mark class=") == 2 * 120  # in its row and in the highlighted text
    assert len(json.loads(report_json(result))["findings"]) == 120


def test_report_json_is_the_finding_contract() -> None:
    result, _ = many(5)
    assert json.loads(report_json(result)) == result.to_json_dict()
    assert report_json(result) == json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2)


# --- the CLI: json and quiet skip the table ----------------------------------------------------


@pytest.fixture()
def no_table(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("the terminal table was built")

    monkeypatch.setattr(terminal, "render", refuse)


@pytest.fixture()
def long_script(tmp_path: Path) -> Path:
    path = tmp_path / "long.txt"
    path.write_text(LINE * 80, encoding="utf-8")
    return path


def screen(path: Path, tmp_path: Path, *extra: str):
    reports = tmp_path / "reports"
    args = ("--lexicon", str(MINI_LEXICON), "--no-classifier", "--no-record", "--report-dir", str(reports))
    return cli("screen", str(path), *args, *extra), reports


def test_screen_json_is_valid_holds_every_finding_and_builds_no_table(
    no_table: None, long_script: Path, tmp_path: Path
) -> None:
    res, reports = screen(long_script, tmp_path, "--format", "json")
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert len(data["findings"]) == 80
    (json_report,) = reports.glob("*.json")
    assert json.loads(json_report.read_text(encoding="utf-8")) == data


def test_screen_quiet_prints_nothing_and_still_writes_the_reports(
    no_table: None, long_script: Path, tmp_path: Path
) -> None:
    res, reports = screen(long_script, tmp_path, "--quiet")
    assert res.exit_code == 1  # the exit code still gives the verdict
    assert res.stdout == ""
    assert len(list(reports.glob("*.html"))) == 1 and len(list(reports.glob("*.json"))) == 1
    res, _ = screen(long_script, tmp_path, "--quiet", "--format", "json")
    assert res.exit_code == 1 and res.stdout == ""


def test_screen_table_is_paged_and_its_html_report_has_every_finding(long_script: Path, tmp_path: Path) -> None:
    res, reports = screen(long_script, tmp_path)
    assert res.exit_code == 1
    assert numbered_rows(res.stdout) == list(range(1, 51))
    assert "另有 30 处未在此列出（共 80 处" in res.stdout
    (html_report,) = reports.glob("*.html")
    assert html_report.name in res.stdout.replace("\n", "")  # the note and the footer name the full report
    html = html_report.read_text(encoding="utf-8")
    assert len(re.findall(r'<tr id="f\d+">', html)) == 80


@pytest.mark.parametrize(("extra", "rows"), [(("--all",), 80), (("--limit", "0"), 80), (("--limit", "5"), 5)])
def test_screen_limit_and_all(long_script: Path, tmp_path: Path, extra: tuple[str, ...], rows: int) -> None:
    res, _ = screen(long_script, tmp_path, *extra)
    assert res.exit_code == 1
    assert numbered_rows(res.stdout) == list(range(1, rows + 1))


def test_audit_json_and_quiet_build_no_table(no_table: None, tmp_path: Path) -> None:
    srt = ROOT / "data" / "examples" / "broadcast_example.srt"
    args = ("--no-record", "--report-dir", str(tmp_path / "reports"), "--db", f"sqlite:///{tmp_path / 'a.db'}")
    res = cli("audit", str(srt), *args, "--format", "json")
    assert res.exit_code in (0, 1), res.output
    assert json.loads(res.stdout)["findings"]
    res = cli("audit", str(srt), *args, "--quiet")
    assert res.exit_code in (0, 1) and res.stdout == ""
