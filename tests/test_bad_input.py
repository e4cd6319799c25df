"""Hostile and malformed input gives one clear line and exit code 2 (an InputError below the CLI),
never a traceback, and no message shows a server's temporary path (issue 11, item 1)."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.errors import InputError
from claimcheck.io.runsheet import parse_run_sheet
from claimcheck.io.scripts import script_from_bytes
from claimcheck.io.transcripts import parse_transcript, run_sheet_from_bytes, transcript_from_bytes
from claimcheck.store.io import ImportError_, read_products

runner = CliRunner()
LIMIT = 10 * 1024 * 1024
HUGE = "9" * 5000
SRT = b"1\n00:00:01,000 --> 00:00:02,000\n\xe5\x85\xa8\xe7\xbd\x91\xe6\x9c\x80\xe4\xbd\x8e\xe4\xbb\xb7\n"


def cli(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def one_line_error(res, exit_code: int = 2) -> str:
    """The result is ``exit_code`` with one line on standard error and no traceback; that line."""
    assert res.exit_code == exit_code, (res.exit_code, res.output, res.exception)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    return lines[0]


# --------------------------------------------------------------------------- transcripts and run sheets


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (f'[{{"start": 0, "end": {HUGE}, "text": "全网最低价"}}]', "5000 digits"),
        ('[{"start": 0, "end": 1e300, "text": "全网最低价"}]', "too large"),
        ('[{"start": 0, "end": NaN, "text": "全网最低价"}]', "NaN is not a JSON number"),
        ('[{"start": [[[[1]]]], "end": 5, "text": "全网最低价"}]', "got an array"),
    ],
    ids=["nested", "digits", "float-huge", "nan", "array"],
)
def test_hostile_asr_json_is_one_line_exit_2(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "asr.json"
    path.write_text(content, encoding="utf-8")
    line = one_line_error(cli("audit", str(path), "--no-record"))
    assert "asr.json" in line and fragment in line
    with pytest.raises(InputError, match=fragment):
        transcript_from_bytes(content.encode(), "upload.json", LIMIT)


def test_run_sheet_time_with_5000_digits(tmp_path: Path) -> None:
    (tmp_path / "t.srt").write_bytes(SRT)
    sheet = tmp_path / "rs.csv"
    sheet.write_text(f"start,end,sku\n0,{HUGE},A\n", encoding="utf-8")
    line = one_line_error(cli("audit", str(tmp_path / "t.srt"), "-s", str(sheet), "--no-record"))
    assert "rs.csv: line 2: invalid end time" in line
    with pytest.raises(InputError, match="invalid start time"):
        parse_run_sheet(f"start,end,sku\n{HUGE},{HUGE},A\n", "rs.csv")


def test_run_sheet_csv_errors_and_control_characters() -> None:
    with pytest.raises(InputError, match="line 2: not readable as CSV"):
        parse_run_sheet('start,end,sku\n0,1,"' + "a" * 200_000 + '"\n', "rs.csv")
    with pytest.raises(InputError, match="control character"):
        parse_run_sheet("start,end,sku\n0,1,A\x00B\n", "rs.csv")


def test_subtitle_hours_with_5000_digits() -> None:
    vtt = f"WEBVTT\n\n{HUGE}:00:01.000 --> 00:00:02.000\n你好\n"
    with pytest.raises(InputError, match="line 3: invalid timestamp"):
        parse_transcript(vtt, "t.vtt", ".vtt")
    srt = f"1\n{HUGE}:00:01,000 --> 00:00:02,000\n你好\n"
    with pytest.raises(InputError, match="line 2: invalid timestamp"):
        parse_transcript(srt, "t.srt", ".srt")


# --------------------------------------------------------------------------- product files


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('[{"sku": "A", "name": "x", "category": "food", "brand": ' + HUGE + "}]", "5000 digits"),
        ('{"products": ' + "[" * 5000 + "]" * 5000 + "}", "nested too deeply"),
    ],
    ids=["nested", "digits", "nested-in-object"],
)
def test_hostile_product_json(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content, encoding="utf-8")
    line = one_line_error(cli("products", "import", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}"))
    assert "p.json" in line and fragment in line and "nothing imported" in line


# --------------------------------------------------------------------------- names and paths


@pytest.mark.parametrize("name", ["..", ".", "", "x" * 300 + ".srt", "../../etc/passwd.srt", "/tmp/evil/a.srt"])
def test_upload_names_are_base_names(name: str) -> None:
    t = transcript_from_bytes(SRT, name, LIMIT)
    assert "/" not in t.source and t.source not in ("", ".", "..") and len(t.source) <= 100
    s = script_from_bytes("全网最低价".encode(), name, LIMIT)
    assert "/" not in s.source and s.source not in ("", ".", "..") and len(s.source) <= 100
    with pytest.raises(InputError) as err:
        run_sheet_from_bytes(b"start,end\n", name, LIMIT)
    assert "/" not in str(err.value).split(":")[0]


def test_messages_never_show_a_temporary_path(tmp_path: Path) -> None:
    tmp = tempfile.gettempdir()
    for name, data in (("p.xlsx", b"PK\x03\x04 damaged"), ("p.json", b"{bad"), ("p.csv", b"\x00\x01")):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ImportError_) as err:
            read_products(path)
        assert tmp not in str(err.value) and str(tmp_path) not in str(err.value), str(err.value)
    for data in (b"\xff\xfe\x00", b"[" * 100_000, b"\x00" * 10):
        with pytest.raises(InputError) as err:
            transcript_from_bytes(data, "/tmp/upload-123/t.json", LIMIT)
        assert tmp not in str(err.value)


# --------------------------------------------------------------------------- the command line


def test_keys_create_with_an_empty_name(tmp_path: Path) -> None:
    line = one_line_error(cli("keys", "create", "", "--db", f"sqlite:///{tmp_path / 'k.db'}"))
    assert "name" in line


@pytest.mark.parametrize(
    "args",
    [
        ["ledger", "export", "--out", "{missing}/x.csv"],
        ["products", "export", "--out", "{missing}/x.csv"],
        ["products", "template", "--out", "{missing}/x.xlsx"],
    ],
)
def test_unwritable_output_paths(tmp_path: Path, args: list[str]) -> None:
    db = f"sqlite:///{tmp_path / 'o.db'}"
    out = [a.replace("{missing}", str(tmp_path / "no" / "such")) for a in args]
    extra = [] if args[1] == "template" else ["--db", db]
    line = one_line_error(cli(*out, *extra))
    assert "x." in line


def test_os_errors_in_any_command_are_one_line(tmp_path: Path, monkeypatch) -> None:
    """The shared handler: an OSError nobody caught (here from opening the ledger key) is exit 2, one line."""
    from claimcheck.service import review

    def fail(*_a, **_k):
        raise PermissionError(13, "Permission denied", str(tmp_path / "ledger.key"))

    monkeypatch.setattr(review, "require_intact", fail)
    line = one_line_error(cli("ledger", "verify", "--db", f"sqlite:///{tmp_path / 'v.db'}"))
    assert "Permission denied" in line and "ledger.key" in line


@pytest.mark.parametrize("damage", ["not-sqlite", "malformed"])
def test_ledger_verify_on_a_damaged_database(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "d.db"
    if damage == "not-sqlite":
        path.write_bytes(b"this is not a database" * 200)
    else:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE t (x TEXT)")
            conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 200)
        data = bytearray(path.read_bytes())
        data[100:4000] = b"\xff" * 3900
        path.write_bytes(bytes(data))
    for command in (["ledger", "verify"], ["ledger", "show"], ["products", "show", "A"], ["keys", "list"]):
        line = one_line_error(cli(*command, "--db", f"sqlite:///{path}"))
        assert "database" in line, (command, line)


def test_ledger_show_with_a_seq_beyond_64_bits(tmp_path: Path) -> None:
    line = one_line_error(cli("ledger", "show", "99999999999999999999", "--db", f"sqlite:///{tmp_path / 's.db'}"))
    assert "99999999999999999999" in line


def test_brackets_are_printed_as_written_never_as_markup(tmp_path: Path, monkeypatch) -> None:
    """A file name, report folder or ledger subject with [/] or [hh:mm:ss] is text, never rich markup."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x[").mkdir()
    Path("x[/].txt").write_text("[hh:mm:ss] 这是全网最低价[/]", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'm.db'}"
    res = cli("screen", "x[/].txt", "--db", db, "--report-dir", str(tmp_path / "r[/]"), "--no-classifier")
    assert res.exit_code == 1, (res.output, res.exception)
    assert "r[/]" in res.stdout.replace("\n", "")
    res = cli("ledger", "show", "--db", db)
    assert res.exit_code == 0, (res.output, res.exception)
    assert "x[/].txt" in res.stdout.replace("\n", "")
    line = one_line_error(cli("screen", "[hh:mm:ss].txt", "--no-record"))
    assert "[hh:mm:ss].txt" in line


def test_terminal_report_cells_are_text() -> None:
    from claimcheck.report.terminal import render
    from claimcheck.taxonomy import Category
    from claimcheck.types import Finding, ScreenResult, Severity, Verdict

    text = "[hh:mm:ss] 全网最低价"
    finding = Finding(
        start=11,
        end=16,
        text="全网最低价",
        detector="lexicon",
        category=next(iter(Category)),
        rule_id="r",
        severity=Severity.BLOCK,
        score=1.0,
        legal_basis="[b]法条[/b]",
        suggestion="[/]",
        explanation="在 [hh:mm:ss] 说的",
    )
    console = Console(record=True, width=200, color_system=None)
    render(ScreenResult(verdict=Verdict.BLOCK, findings=[finding], versions={}), text, console)
    out = console.export_text()
    assert "[hh:mm:ss] 说的" in out and "[b]法条[/b]" in out and "[/]" in out


def test_product_show_escapes_markup(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    path = tmp_path / "p.json"
    record = {"sku": "A", "name": "面霜[/]", "category": "food", "supplier": {"name": "[red]供应商"}}
    path.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    assert cli("products", "import", str(path), "--db", db).exit_code == 0
    res = cli("products", "show", "A", "--db", db)
    assert res.exit_code == 0, (res.output, res.exception)
    assert "面霜[/]" in res.stdout and "[red]供应商" in res.stdout
