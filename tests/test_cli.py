"""CLI behaviour: output formats, exit codes, and bad input without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimcheck.cli import app
from tests.conftest import MINI_LEXICON, ROOT

EXAMPLE = ROOT / "data" / "examples" / "script_example.txt"
runner = CliRunner()


def run(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input, env={"COLUMNS": "200"})


def write(tmp_path: Path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


HELP = [
    [],
    ["screen"],
    ["units"],
    ["audit"],
    ["train"],
    ["evaluate"],
    ["serve"],
    ["lexicon"],
    ["lexicon", "validate"],
    ["lexicon", "stats"],
    ["corpus"],
    ["corpus", "stats"],
    ["corpus", "split"],
    ["products"],
    ["products", "import"],
    ["products", "show"],
    ["products", "export"],
    ["ledger"],
    ["ledger", "show"],
    ["ledger", "decide"],
    ["ledger", "verify"],
    ["ledger", "export"],
    ["ledger", "checkpoint"],
    ["ledger", "keygen"],
    ["keys"],
    ["keys", "create"],
    ["keys", "list"],
    ["keys", "revoke"],
]


@pytest.mark.parametrize("args", HELP, ids=lambda a: " ".join(a) or "claimcheck")
def test_every_subcommand_has_help(args: list[str]) -> None:
    res = run(*args, "--help")
    assert res.exit_code == 0, args
    assert "Usage" in res.output


def test_json_output_is_the_contract(tmp_path: Path) -> None:
    path = write(tmp_path, "s.txt", "开场白。这是全网第一的面霜，最🔥好用！".encode())
    res = run("screen", path, "--format", "json", "--lexicon", str(MINI_LEXICON))
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert data["verdict"] == "block"
    assert {"claimcheck", "lexicon", "exaggeration", "spec_check"} <= set(data["versions"])
    text = Path(path).read_text(encoding="utf-8")
    for f in data["findings"]:
        assert {
            "start",
            "end",
            "text",
            "detector",
            "category",
            "rule_id",
            "severity",
            "score",
            "legal_basis",
            "suggestion",
            "explanation",
        } <= set(f)
        assert text[f["start"] : f["end"]] == f["text"]
    assert [f["text"] for f in data["findings"]] == ["全网第一", "最🔥好"]


def test_pass_exits_zero_and_table_is_readable(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.txt", "最近天气冷了，欢迎第一次来直播间的朋友。".encode())
    res = run("screen", path, "--lexicon", str(MINI_LEXICON))
    assert res.exit_code == 0
    assert "通过" in res.stdout


def test_table_highlights_hit_in_context(tmp_path: Path) -> None:
    path = write(tmp_path, "s.txt", "这款面霜是最好的选择".encode())
    res = run("screen", path, "--lexicon", str(MINI_LEXICON))
    assert res.exit_code == 1
    assert "【最好】" in res.stdout
    assert "第九条第三项" in res.stdout
    assert "口碑很好" in res.stdout


def test_stdin(tmp_path: Path) -> None:
    res = run("screen", "-", "--format", "json", "--lexicon", str(MINI_LEXICON), input="顶级工艺".encode())
    assert res.exit_code == 1
    assert json.loads(res.stdout)["findings"][0]["rule_id"] == "absolute.top_grade"


def test_gbk_file_is_decoded_and_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "gbk.txt", "这是最好的面霜，欢迎来到直播间".encode("gbk"))
    res = run("screen", path, "--format", "json", "--lexicon", str(MINI_LEXICON))
    assert res.exit_code == 1
    assert "GB18030" in res.stderr
    assert json.loads(res.stdout)["findings"][0]["text"] == "最好"


def test_category_scope_from_cli(tmp_path: Path) -> None:
    path = write(tmp_path, "s.txt", "这款美白精华".encode())
    assert run("screen", path, "--lexicon", str(MINI_LEXICON), "--no-classifier").exit_code == 1
    args = ("--lexicon", str(MINI_LEXICON), "--no-classifier", "--category", "特殊化妆品")
    assert run("screen", path, *args).exit_code == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\t\n", "empty"),
        ("bin.dat", bytes(range(256)) * 8, "binary"),
        ("png.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "binary"),
        ("latin.txt", "caf\xe9 cr\xe8me \xff\xfe\xfd".encode("latin-1") * 3 + b"\x80\x81", "encoding"),
    ],
)
def test_bad_files_get_one_line_and_exit_2(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    res = run("screen", write(tmp_path, name, data))
    assert res.exit_code == 2
    assert message in res.stderr
    assert "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


def test_missing_file_and_directory(tmp_path: Path) -> None:
    res = run("screen", str(tmp_path / "nope.txt"))
    assert res.exit_code == 2 and "not found" in res.stderr
    res = run("screen", str(tmp_path))
    assert res.exit_code == 2 and "directory" in res.stderr


def test_fifty_megabyte_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    res = run("screen", str(big))
    assert res.exit_code == 2
    assert "too large" in res.stderr and "50.0 MB" in res.stderr


def test_oversized_stdin_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("CLAIMCHECK_MAX_INPUT_BYTES", "100")
    res = run("screen", "-", input="最好" * 100)
    assert res.exit_code == 2 and "too large" in res.stderr


@pytest.mark.parametrize(
    "args",
    [["screen"], ["screen", "x.txt", "--format", "xml"], ["bogus"]],
)
def test_usage_errors_exit_2(args) -> None:
    assert run(*args).exit_code == 2


def test_unknown_category_exits_2(tmp_path: Path) -> None:
    res = run("screen", write(tmp_path, "s.txt", "你好".encode()), "--category", "spaceships")
    assert res.exit_code == 2 and "unknown product category" in res.stderr


def test_broken_lexicon_exits_2(tmp_path: Path) -> None:
    (tmp_path / "lex").mkdir()
    res = run("screen", write(tmp_path, "s.txt", "你好".encode()), "--lexicon", str(tmp_path / "lex"))
    assert res.exit_code == 2 and "manifest.yaml" in res.stderr
    res = run("lexicon", "validate", str(tmp_path / "lex"))
    assert res.exit_code == 2


def test_lexicon_validate_and_stats() -> None:
    res = run("lexicon", "validate", str(MINI_LEXICON))
    assert res.exit_code == 0 and "mini@0.0.1" in res.stdout
    res = run("lexicon", "stats", str(MINI_LEXICON))
    assert res.exit_code == 0 and "absolute_term" in res.stdout


def test_console_script_on_bundled_example() -> None:
    """The installed `claimcheck` command, in a real process, on the README example."""
    exe = Path(sys.executable).parent / "claimcheck"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "claimcheck.cli"]
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run(
        [*cmd, "screen", str(EXAMPLE), "--format", "json"], capture_output=True, env=env, timeout=120, check=False
    )
    assert proc.returncode == 1, proc.stderr.decode()
    data = json.loads(proc.stdout)
    cats = {f["category"] for f in data["findings"]}
    assert {"absolute_term", "medical_claim", "guarantee", "false_price_urgency"} <= cats


def test_screen_reads_docx(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("这是全网最低价的面霜")
    document.save(tmp_path / "脚本.docx")
    res = run("screen", str(tmp_path / "脚本.docx"), "--no-record", "--format", "json")
    assert res.exit_code == 1, res.stderr
    assert json.loads(res.stdout)["findings"][0]["text"] == "全网最低价"


def test_ledger_export_to_an_unwritable_place_is_one_line_exit_2(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'l.db'}"
    res = run("ledger", "export", "--out", str(tmp_path / "missing" / "x.json"), "--db", db)
    assert res.exit_code == 2
    assert "cannot write x.json" in res.stderr and "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


def test_error_messages_are_not_rich_markup(tmp_path: Path) -> None:
    res = run("screen", str(tmp_path / "x[/].txt"))
    assert res.exit_code == 2 and "x[/].txt" in res.stderr
