"""A review record that cannot be silently rewritten: signed entries, checkpoints, decisions by identity.

The reproductions of issue 11 (delete the newest entries; re-hash from an edited entry; edit a
decision and re-hash; append a forged entry) are each written against a real database (SQLite,
and PostgreSQL where CLAIMCHECK_TEST_DATABASE_URL is set) and must be reported by ``verify``.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text, update
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.config import Settings
from claimcheck.errors import EXIT_INTEGRITY, EXIT_USAGE
from claimcheck.ledger import (
    GENESIS_HASH,
    CheckpointRefused,
    DecisionConflict,
    Ledger,
    LedgerError,
    LedgerKeyError,
    canonical_json,
    compute_hash,
    generate_key,
    public_key_path,
)
from claimcheck.ledger.chain import iso_utc
from claimcheck.store.db import make_engine
from claimcheck.store.models import LedgerEntry
from tests.conftest import MINI_LEXICON
from tests.test_ledger import fill, result, sha, two_findings

T = LedgerEntry.__table__


def signed(tmp_path: Path, url: str) -> Ledger:
    return Ledger(url, key_file=tmp_path / "keys" / "ledger.key", checkpoint_file=tmp_path / "cp" / "checkpoints.jsonl")


def rows(url: str) -> list:
    with make_engine(url).connect() as conn:
        return list(conn.execute(select(T).order_by(T.c.seq)))


def rehash_from(url: str, start: int, payload_of: dict[int, str] | None = None) -> None:
    """What an attacker with write access to the database does: edit, then re-hash every later entry."""
    payload_of = payload_of or {}
    all_rows = rows(url)
    prev = all_rows[start - 2].entry_hash if start > 1 else GENESIS_HASH
    with make_engine(url).begin() as conn:
        for r in all_rows[start - 1 :]:
            payload = payload_of.get(r.seq, r.payload)
            new = compute_hash(prev, r.seq, r.kind, iso_utc(r.created_at), payload)
            conn.execute(update(T).where(T.c.seq == r.seq).values(payload=payload, prev_hash=prev, entry_hash=new))
            prev = new


def forge_next(url: str, **columns) -> int:
    """Append an entry that links and hashes correctly, as someone without the key would."""
    head = rows(url)[-1]
    seq = head.seq + 1
    payload = canonical_json(
        {
            "sku": "SKU-0",
            "subject": "forged.txt",
            "input_sha256": sha("f"),
            "verdict": "pass",
            "versions": {},
            "findings": [],
            "meta": {},
        }
    )
    created = head.created_at
    values = {
        "seq": seq,
        "kind": "screening",
        "created_at": created,
        "payload": payload,
        "prev_hash": head.entry_hash,
        "entry_hash": compute_hash(head.entry_hash, seq, "screening", iso_utc(created), payload),
        "sku": "SKU-0",
        "subject": "forged.txt",
        "record_seq": None,
    }
    with make_engine(url).begin() as conn:
        conn.execute(insert(T).values(**(values | columns)))
    return seq


# ---------------------------------------------------------------------------- signing and checkpoints


def test_entries_are_signed_and_checkpoints_pin_the_head(db_url: str, tmp_path: Path) -> None:
    ledger = signed(tmp_path, db_url)
    fill(ledger, 4)
    key_file = tmp_path / "keys" / "ledger.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and public_key_path(key_file).is_file()
    assert all(r.signature and r.key_id == ledger.signing_key().key_id for r in rows(db_url))
    report = ledger.verify()
    assert report.ok and report.signed == 4 and report.unsigned == 0 and report.checkpoint_seq is None
    assert "no checkpoint yet" in report.summary()

    cp = ledger.checkpoint()
    assert (cp.seq, cp.entry_hash) == (4, ledger.get(4)["entry_hash"])
    line = json.loads((tmp_path / "cp" / "checkpoints.jsonl").read_text().splitlines()[-1])
    assert set(line) == {"seq", "entry_hash", "time", "key_id", "unsigned_upto", "signature"}
    fill(ledger, 2)
    report = ledger.verify()
    assert report.ok and report.checkpoint_seq == 4 and "matches checkpoint at entry 4" in report.summary()

    # a verifier holding only the public key checks everything but cannot sign
    public_only = Ledger(
        db_url, key_file=public_key_path(key_file), checkpoint_file=tmp_path / "cp" / "checkpoints.jsonl"
    )
    assert public_only.verify().ok
    with pytest.raises(LedgerKeyError, match="only a public key"):
        fill(public_only, 1)


def test_deleting_the_newest_entries_is_truncation(db_url: str, tmp_path: Path) -> None:
    ledger = signed(tmp_path, db_url)
    fill(ledger, 6)
    ledger.checkpoint()
    with make_engine(db_url).begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE seq >= 5"))
    report = ledger.verify()
    assert not report.ok and report.truncated and report.first_bad_seq == 5
    assert "records entry 6, but the chain ends at entry 4: entries 5..6 were deleted" in report.problem
    assert report.summary().startswith("台账被截断 review record truncated")
    with pytest.raises(CheckpointRefused, match="truncated"):
        ledger.checkpoint()  # a damaged record is never checkpointed
    with make_engine(db_url).begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries"))
    assert "the chain is empty" in ledger.verify().problem


def test_rehashing_from_an_edited_entry_is_found(db_url: str, tmp_path: Path) -> None:
    ledger = signed(tmp_path, db_url)
    fill(ledger, 6)
    edited = canonical_json(ledger.get(3)["payload"] | {"verdict": "pass", "findings": []})
    rehash_from(db_url, 3, {3: edited})
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 3
    assert "entry 3's signature does not match" in report.problem
    assert report.summary().startswith("台账受损 review record damaged at entry 3")


def test_rehashing_a_legacy_chain_is_found_by_the_checkpoint(db_url: str, tmp_path: Path) -> None:
    fill(Ledger(db_url), 5)  # written before signing: unsigned
    ledger = signed(tmp_path, db_url)
    report = ledger.verify()
    assert report.ok and report.unsigned == 5 and "entries 1..5 unsigned (legacy" in report.summary()
    assert ledger.checkpoint().unsigned_upto == 5
    rehash_from(db_url, 2, {2: canonical_json(ledger.get(2)["payload"] | {"verdict": "pass"})})
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 5 and "differs from the checkpoint" in report.problem


def test_editing_a_decision_and_rehashing_is_found(db_url: str, tmp_path: Path) -> None:
    ledger = signed(tmp_path, db_url)
    s1 = ledger.append_result("screening", two_findings(), subject="a", sku="A", input_hash=sha("a"))
    d = ledger.add_decision(s1, 0, "confirm", "属实", "张三", via="operator")
    fill(ledger, 2)
    payload = ledger.get(d)["payload"] | {"decision": "dismiss", "reason": "误报", "reviewer": "李四"}
    rehash_from(db_url, d, {d: canonical_json(payload)})
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == d and "signature does not match" in report.problem


@pytest.mark.parametrize("how", ["unsigned", "copied signature", "another key"])
def test_a_forged_entry_is_found(db_url: str, tmp_path: Path, how: str) -> None:
    ledger = signed(tmp_path, db_url)
    fill(ledger, 3)
    first = rows(db_url)[0]
    columns: dict = {}
    if how == "copied signature":
        columns = {"signature": first.signature, "key_id": first.key_id}
    elif how == "another key":
        mine = generate_key(tmp_path / "attacker.key")
        columns = {"key_id": mine.key_id}
    seq = forge_next(db_url, **columns)
    if how == "another key":  # sign the forged entry properly, with the wrong key
        with make_engine(db_url).begin() as conn:
            h = conn.execute(select(T.c.entry_hash).where(T.c.seq == seq)).scalar_one()
            conn.execute(update(T).where(T.c.seq == seq).values(signature=mine.sign_entry(h)))
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == seq == 4
    expected = {
        "unsigned": "entry 4 is not signed but entry 1 before it is",
        "copied signature": "entry 4's signature does not match",
        "another key": f"signed by key {mine.key_id if how == 'another key' else ''}",
    }[how]
    assert expected in report.problem


def test_stripped_signatures_are_found(db_url: str, tmp_path: Path) -> None:
    fill(Ledger(db_url), 2)  # legacy entries 1..2
    ledger = signed(tmp_path, db_url)
    fill(ledger, 3)
    assert ledger.verify().ok and ledger.checkpoint().unsigned_upto == 2
    with make_engine(db_url).begin() as conn:
        conn.execute(update(T).values(signature=None, key_id=None))  # make every entry look legacy
    report = ledger.verify()
    assert not report.ok and report.first_bad_seq == 3
    assert "the checkpoints allow unsigned entries only up to 2" in report.problem


def test_a_record_from_before_signing_stays_readable_after_the_upgrade(db_url: str, tmp_path: Path) -> None:
    from alembic import command

    from claimcheck.store import migrate
    from claimcheck.store.db import alembic_config

    fill(Ledger(db_url), 3)
    with make_engine(db_url).begin() as conn:  # back to the schema before signatures, as an old install has it
        cfg = alembic_config(db_url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    migrate.forget(db_url)
    ledger = signed(tmp_path, db_url)  # migrates to the newest schema
    assert [e["signature"] for e in ledger.entries()] == [None] * 3
    fill(ledger, 2)
    report = ledger.verify()
    assert report.ok and (report.unsigned, report.signed) == (3, 2)
    assert "entries 1..3 unsigned (legacy, written before signing)" in report.summary()


def test_a_tampered_checkpoint_file_is_reported(db_url: str, tmp_path: Path) -> None:
    ledger = signed(tmp_path, db_url)
    fill(ledger, 3)
    ledger.checkpoint()
    cp_file = tmp_path / "cp" / "checkpoints.jsonl"
    line = json.loads(cp_file.read_text())
    cp_file.write_text(canonical_json(line | {"seq": 2}) + "\n")
    report = ledger.verify()
    assert not report.ok and "line 1: its signature does not match" in report.problem
    cp_file.write_text("not json\n")
    assert "line 1: not a checkpoint record" in ledger.verify().problem


def test_keys_and_checkpoints_need_what_they_need(db_url: str, tmp_path: Path) -> None:
    ledger = signed(tmp_path, db_url)
    with pytest.raises(LedgerError, match="empty"):
        ledger.checkpoint()
    fill(ledger, 1)
    (tmp_path / "keys" / "ledger.key").unlink()
    with pytest.raises(LedgerKeyError, match=r"signed but the ledger key file ledger\.key is missing"):
        signed(tmp_path, db_url).verify()
    with pytest.raises(LedgerKeyError, match="never overwritten"):
        generate_key(public_key_path(tmp_path / "keys" / "ledger.key"))
    (tmp_path / "bad.key").write_text("not a key")
    with pytest.raises(LedgerKeyError, match="not an Ed25519 PEM key"):
        Ledger(db_url, key_file=tmp_path / "bad.key").verify()
    with pytest.raises(LedgerError, match="need a ledger key file"):
        Ledger(db_url).checkpoint()


# ---------------------------------------------------------------------------- decisions


def test_a_second_decision_must_name_the_one_it_supersedes(db_url: str, tmp_path: Path) -> None:
    ledger = signed(tmp_path, db_url)
    s1 = ledger.append_result("screening", two_findings(), subject="a", sku="A", input_hash=sha("a"))
    with pytest.raises(DecisionConflict, match="has no decision yet"):
        ledger.add_decision(s1, 0, "confirm", "", "张三", supersedes=1)
    d1 = ledger.add_decision(s1, 0, "confirm", "", "张三", via="api-key")
    with pytest.raises(DecisionConflict, match=rf"already has a decision \(entry {d1}: confirm by 张三\)") as exc:
        ledger.add_decision(s1, 0, "dismiss", "误报", "李四")
    assert exc.value.http_status == 409 and exc.value.exit_code == EXIT_USAGE
    d2 = ledger.add_decision(s1, 0, "dismiss", "误报", "李四", supersedes=d1)
    with pytest.raises(DecisionConflict, match=f"entry {d1} is not the current decision .* the current one is {d2}"):
        ledger.add_decision(s1, 0, "confirm", "复核", "王五", supersedes=d1)
    assert ledger.add_decision(s1, 1, "confirm", "", "王五")  # another finding: no conflict
    decisions = ledger.get(s1)["decisions"]
    assert [(d["finding_index"], d["reviewer"], d["reviewer_via"], d["supersedes"]) for d in decisions] == [
        (0, "张三", "api-key", None),
        (0, "李四", "direct", d1),
        (1, "王五", "direct", None),
    ]
    assert ledger.verify().ok


# ---------------------------------------------------------------------------- command line

runner = CliRunner()


def cli(tmp_path: Path, *args: str, operator: str | None = "审核员甲"):
    env = {
        "COLUMNS": "200",
        "CLAIMCHECK_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "CLAIMCHECK_LEDGER_KEY_FILE": str(tmp_path / "cli.key"),
        "CLAIMCHECK_LEDGER_CHECKPOINT_FILE": str(tmp_path / "cli-checkpoints.jsonl"),
        "CLAIMCHECK_OPERATOR": operator,
    }
    return runner.invoke(app, list(args), env=env)


def one_line(res) -> str:
    assert "Traceback" not in res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def test_cli_verify_reports_each_reproduction_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    ledger = Ledger(url, key_file=tmp_path / "cli.key", checkpoint_file=tmp_path / "cli-checkpoints.jsonl")
    fill(ledger, 5)
    res = cli(tmp_path, "ledger", "checkpoint")
    assert res.exit_code == 0 and "checkpoint: entry 5" in res.stdout
    res = cli(tmp_path, "ledger", "verify")
    assert (
        res.exit_code == 0 and res.stdout.startswith("OK 台账完好: 5 entries") and "checkpoint at entry 5" in res.stdout
    )

    forge_next(url)
    res = cli(tmp_path, "ledger", "verify")
    assert res.exit_code == EXIT_INTEGRITY
    assert "review record damaged at entry 6" in one_line(res)

    with make_engine(url).begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE seq >= 4"))
    res = cli(tmp_path, "ledger", "verify")
    assert res.exit_code == EXIT_INTEGRITY and "entries 4..5 were deleted" in one_line(res)

    res = cli(tmp_path, "ledger", "export", "--out", str(tmp_path / "out.json"))
    assert res.exit_code == EXIT_INTEGRITY and (tmp_path / "out.json").is_file()
    line = one_line(res)
    assert line.startswith("警告 warning: out.json was written but cannot be trusted") and "truncated" in line
    assert str(tmp_path) not in line


def test_screen_with_an_unwritable_report_dir_records_nothing(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("这是全网最好的面霜", encoding="utf-8")
    res = cli(
        tmp_path, "screen", str(script), "--lexicon", str(MINI_LEXICON), "--no-classifier", "--report-dir", "/proc/x"
    )
    assert res.exit_code == EXIT_USAGE and "cannot write the report" in one_line(res)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert Ledger(url).count() == 0
    res = cli(
        tmp_path,
        "screen",
        str(script),
        "--lexicon",
        str(MINI_LEXICON),
        "--no-classifier",
        "--report-dir",
        str(tmp_path / "reports"),
        "--format",
        "json",
    )
    assert res.exit_code == 1 and Ledger(url).count() == 1
    (html,) = (tmp_path / "reports").glob("*.html")
    assert "台账记录号：1" in html.read_text(encoding="utf-8")


def test_cli_decisions_are_the_operators_and_name_what_they_supersede(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    Ledger(url, key_file=tmp_path / "cli.key").append_result(
        "screening", result(*two_findings().findings), subject="a", sku="A", input_hash=sha("a")
    )
    res = cli(tmp_path, "ledger", "decide", "1", "--finding", "0", "--decision", "confirm", "--reviewer", "老板")
    assert res.exit_code == EXIT_USAGE and "No such option" in res.output  # no deciding "as" someone else
    res = cli(tmp_path, "ledger", "decide", "1", "--finding", "0", "--decision", "confirm")
    assert res.exit_code == 0 and "审核员甲" in res.stdout
    res = cli(
        tmp_path,
        "ledger",
        "decide",
        "1",
        "--finding",
        "0",
        "--decision",
        "dismiss",
        "--reason",
        "误报",
        operator="审核员乙",
    )
    assert res.exit_code == EXIT_USAGE and "must name the one it supersedes (supersedes 2)" in one_line(res)
    res = cli(
        tmp_path,
        "ledger",
        "decide",
        "1",
        "--finding",
        "0",
        "--decision",
        "dismiss",
        "--reason",
        "误报",
        "--supersedes",
        "2",
        operator="审核员乙",
    )
    assert res.exit_code == 0
    decisions = Ledger(url).get(1)["decisions"]
    assert [(d["reviewer"], d["reviewer_via"], d["supersedes"]) for d in decisions] == [
        ("审核员甲", "operator", None),
        ("审核员乙", "operator", 2),
    ]
    res = cli(tmp_path, "ledger", "keygen")
    assert res.exit_code == EXIT_USAGE and "never overwritten" in one_line(res)


# ---------------------------------------------------------------------------- HTTP API


def test_api_decisions_carry_the_key_name_and_409_without_supersedes(tmp_path: Path) -> None:
    from claimcheck.api import create_app
    from claimcheck.store.keys import create_key

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        report_dir=tmp_path / "reports",
        ledger_key_file=tmp_path / "api.key",
        ledger_checkpoint_file=tmp_path / "api-checkpoints.jsonl",
        lexicon_dir=MINI_LEXICON,
        detectors=["lexicon"],
    )
    key = create_key(settings.database_url, "审核台-A")
    h = {"X-API-Key": key}
    with TestClient(create_app(settings)) as client:
        res = client.post("/v1/screen", json={"script": "这是全网最好的面霜", "subject": "脚本A"}, headers=h)
        assert res.status_code == 200, res.text
        seq = res.json()["record_seq"]
        url = f"/v1/ledger/{seq}/decisions"
        res = client.post(url, json={"finding_index": 0, "decision": "confirm", "reviewer": "老板"}, headers=h)
        assert res.status_code == 422 and "cannot name someone else" in res.json()["error"]
        res = client.post(url, json={"finding_index": 0, "decision": "confirm"}, headers=h)
        assert res.status_code == 200
        first = res.json()["decision_seq"]
        res = client.post(url, json={"finding_index": 0, "decision": "dismiss", "reason": "误报"}, headers=h)
        assert res.status_code == 409 and f"supersedes {first}" in res.json()["error"]
        body = {"finding_index": 0, "decision": "dismiss", "reason": "误报", "supersedes": first}
        assert client.post(url, json=body, headers=h).status_code == 200
        entry = client.get(f"/v1/ledger/{seq}", headers=h).json()
        assert [(d["reviewer"], d["reviewer_via"]) for d in entry["decisions"]] == [("审核台-A", "api-key")] * 2
        verify = client.get("/v1/ledger/verify", headers=h).json()
        assert verify["ok"] and verify["signed"] == 3 and verify["message"].startswith("OK")
        forge_next(settings.database_url)
        verify = client.get("/v1/ledger/verify", headers=h).json()
        assert not verify["ok"] and verify["first_bad_seq"] == 4 and "damaged at entry 4" in verify["message"]
