"""Data quirks (issue 11, item 7): suppliers keyed by credit code, errors that name the right sheet,
dates that are dates, text without control characters, one rule for empty imports, encodings,
spreadsheet formulas, report names and times."""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.clock import show_time
from claimcheck.config import Settings
from claimcheck.errors import ConflictError, InputError
from claimcheck.io.text import decode_bytes, read_text
from claimcheck.service import Services
from claimcheck.service import products as product_service
from claimcheck.store.io import ImportError_, read_products, write_products
from claimcheck.store.repository import SpecStore, SupplierConflict
from claimcheck.store.schema import NO_RECORDS, ProductRecord, SupplierIn

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def product(sku: str, supplier: dict | None = None, **fields) -> ProductRecord:
    return ProductRecord.model_validate(
        {"sku": sku, "name": f"商品{sku}", "category": "food", **fields} | ({"supplier": supplier} if supplier else {})
    )


# --------------------------------------------------------------------------- suppliers


def test_a_supplier_of_another_product_is_never_changed(db_url: str) -> None:
    store = SpecStore(db_url)
    store.upsert([product("A", {"name": "甲公司", "credit_code": "91A", "contact": "张三"})])
    # same name, another credit code: another supplier, and A's is untouched
    store.upsert([product("B", {"name": "甲公司", "credit_code": "91B"})])
    assert store.get("A").supplier == SupplierIn(name="甲公司", credit_code="91A", contact="张三")
    assert store.get("B").supplier == SupplierIn(name="甲公司", credit_code="91B")
    # same credit code, same details: shared
    store.upsert([product("C", {"name": "甲公司", "credit_code": "91a", "contact": "张三"})])
    # same credit code, other details: refused, and nothing of the import is written
    with pytest.raises(SupplierConflict, match=r"would change the supplier of sku A, C"):
        store.upsert([product("D"), product("E", {"name": "甲公司", "credit_code": "91A", "contact": "李四"})])
    assert store.get("D") is None and store.get("A").supplier.contact == "张三"
    # everyone who shows the supplier is in the import: the change is theirs to make
    store.upsert([product(s, {"name": "甲公司", "credit_code": "91A", "contact": "李四"}) for s in "AC"])
    assert store.get("A").supplier.contact == store.get("C").supplier.contact == "李四"
    # without a credit code, the name is the key
    store.upsert([product("F", {"name": "乙公司", "contact": "王五"})])
    with pytest.raises(SupplierConflict):
        store.upsert([product("G", {"name": "乙公司", "contact": "赵六"})])


def test_one_supplier_with_two_sets_of_details_in_one_import(db_url: str) -> None:
    with pytest.raises(SupplierConflict, match="differs from the same supplier in this import for sku A"):
        SpecStore(db_url).upsert(
            [
                product("A", {"name": "甲公司", "credit_code": "91A"}),
                product("B", {"name": "甲厂", "credit_code": "91A"}),
            ]
        )
    assert issubclass(SupplierConflict, ConflictError)


def test_cli_supplier_conflict_is_one_line(db_url: str, tmp_path: Path) -> None:
    for name, contact in (("a.json", "张三"), ("b.json", "李四")):
        sku = name[0].upper()
        record = {
            "sku": sku,
            "name": "x",
            "category": "food",
            "supplier": {"name": "甲", "credit_code": "9", "contact": contact},
        }
        (tmp_path / name).write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    assert cli("products", "import", str(tmp_path / "a.json"), "--db", db_url).exit_code == 0
    res = cli("products", "import", str(tmp_path / "b.json"), "--db", db_url)
    assert res.exit_code == 2 and "would change the supplier of sku A" in res.stderr and "Traceback" not in res.output


def test_migration_keys_existing_suppliers_and_changes_none(db_url: str) -> None:
    from alembic import command

    from claimcheck.store import migrate
    from claimcheck.store.db import alembic_config, make_engine

    engine = make_engine(db_url)
    with engine.begin() as conn:
        cfg = alembic_config(db_url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
    with engine.begin() as conn:
        for sku, name, code, contact in (
            ("A", "甲公司", "91A", None),
            ("B", "甲有限公司", "91a", "张三"),
            ("C", "乙", None, None),
        ):
            conn.execute(
                text("INSERT INTO suppliers (name, credit_code, contact) VALUES (:n, :c, :t)"),
                {"n": name, "c": code, "t": contact},
            )
            conn.execute(
                text(
                    "INSERT INTO products (sku, name, category, supplier_id) "
                    "SELECT :s, 'x', 'food', id FROM suppliers WHERE name = :n"
                ),
                {"s": sku, "n": name},
            )
    migrate.forget(db_url)
    migrate.upgrade(db_url)
    store = SpecStore(db_url)
    assert store.get("A").supplier == SupplierIn(name="甲公司", credit_code="91A")
    assert store.get("B").supplier == SupplierIn(name="甲有限公司", credit_code="91a", contact="张三")
    with engine.connect() as conn:
        keys = list(conn.execute(text("SELECT lookup_key FROM suppliers ORDER BY id")).scalars())
    assert keys[0] == "code:91A" and keys[1].startswith("legacy:") and keys[2] == "name:乙"
    # two suppliers may now share a name
    store.upsert([product("D", {"name": "乙", "credit_code": "92"})])
    assert store.get("C").supplier == SupplierIn(name="乙")


# --------------------------------------------------------------------------- Excel and product fields


def write_xlsx(path: Path, sheets: dict) -> None:
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, rows in sheets.items():
            pd.DataFrame(rows).to_excel(xw, sheet_name=name, index=False)


PRODUCTS = [{"sku": "A", "name": "x", "category": "food"}]
REPORT = {"sku": "A", "report_no": "R", "laboratory": "L", "issue_date": "2026-01-01"}


@pytest.mark.parametrize(
    ("sheets", "message"),
    [
        ({"reports": [REPORT | {"issue_date": "2026-13-01"}]}, "sheet reports, row 2: issue_date:"),
        ({"Reports": [REPORT | {"valid_until": "2025-01-01"}]}, "sheet Reports, row 2: Value error, valid_until"),
        ({"reports": [REPORT | {"issue_date": 0}]}, "sheet reports, row 2: issue_date: Value error, a date is written"),
        (
            {
                "reports": [REPORT],
                "report_items": [{"sku": "A", "report_no": "R", "item": "铅"}] * 2
                + [{"sku": "A", "report_no": "R", "item": "汞", "result": "maybe"}],
            },
            "sheet report_items, row 4: result:",
        ),
        (
            {"certificates": [{"sku": "A", "type": "t", "number": "n", "issuer": "i", "valid_until": "x"}]},
            "sheet certificates, row 2: valid_until:",
        ),
        (
            {"specs": [{"sku": "A", "name": "材质", "value": "棉"}, {"sku": "A", "name": "长" * 101, "value": "1"}]},
            "sheet specs, row 3: name:",
        ),
        (
            {"nutrition": [{"sku": "A", "item": "能量", "value": "1", "unit": "千焦" * 20}]},
            "sheet nutrition, row 2: unit:",
        ),
    ],
)
def test_excel_errors_name_the_sheet_the_value_is_in(tmp_path: Path, sheets: dict, message: str) -> None:
    path = tmp_path / "p.xlsx"
    write_xlsx(path, {"products": PRODUCTS} | sheets)
    with pytest.raises(ImportError_) as err:
        read_products(path)
    assert message in str(err.value), str(err.value)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("issue_date", 0, "not as a number"),
        ("issue_date", "45000", "not as a number"),
        ("valid_until", 1.5, "not as a number"),
        ("issue_date", True, "not as a number"),
    ],
)
def test_dates_are_never_numbers(field: str, value, message: str) -> None:
    report = {"report_no": "R", "laboratory": "L", "issue_date": "2026-01-01"} | {field: value}
    with pytest.raises(ValueError, match=message):
        ProductRecord.model_validate({"sku": "A", "name": "x", "category": "food", "test_reports": [report]})
    with pytest.raises(ValueError, match=message):
        ProductRecord.model_validate(
            {
                "sku": "A",
                "name": "x",
                "category": "food",
                "certificates": [{"type": "t", "number": "n", "issuer": "i", "issue_date": value}],
            }
        )


@pytest.mark.parametrize(
    "record",
    [
        {"name": "面霜\u0000"},
        {"brand": "牌\u0007"},
        {"ingredients": ["水", "甘油\u001b"]},
        {"supplier": {"name": "甲", "contact": "张三\u0000"}},
        {"specs": [{"name": "材质", "value": "棉\u0085麻"}]},
    ],
)
def test_control_characters_are_refused(tmp_path: Path, record: dict) -> None:
    raw = {"sku": "A", "name": "x", "category": "food"} | record
    path = tmp_path / "p.json"
    path.write_text(json.dumps([raw], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ImportError_, match="control character"):
        read_products(path)
    assert ProductRecord.model_validate({"sku": "A", "name": "两行\n名称\t", "category": "food"}).name == "两行\n名称"


def test_an_empty_import_is_refused_with_one_message(tmp_path: Path) -> None:
    svc = Services(Settings(database_url=f"sqlite:///{tmp_path / 'e.db'}"))
    with pytest.raises(InputError, match=NO_RECORDS.replace("(", r"\(").replace(")", r"\)")):
        product_service.import_records(svc, [])
    path = tmp_path / "p.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(InputError) as err:
        product_service.import_file(svc, path)
    assert NO_RECORDS in str(err.value)
    res = cli("products", "import", str(path), "--db", svc.settings.database_url)
    assert res.exit_code == 2 and NO_RECORDS in res.stderr


# --------------------------------------------------------------------------- encodings

MOJIBAKE = {
    "big5": "這是繁體字的測試，我們的產品非常好，全網最低價！".encode("big5"),
    "shift_jis": "これは日本語のテストです。最安値！".encode("shift_jis"),
    "damaged": bytes(range(0x81, 0xFF)) * 2,
}


@pytest.mark.parametrize("kind", sorted(MOJIBAKE))
def test_mojibake_is_refused_naming_the_encodings_tried(tmp_path: Path, kind: str) -> None:
    data = MOJIBAKE[kind]
    with pytest.raises(InputError) as err:
        decode_bytes(data, "s.txt")
    message = str(err.value)
    assert "UTF-8" in message and "GB18030" in message and "--encoding" in message
    path = tmp_path / "s.txt"
    path.write_bytes(data)
    res = cli("screen", str(path), "--no-record")
    assert res.exit_code == 2 and "GB18030" in res.stderr


def test_an_explicit_encoding_is_used_as_named(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_bytes(MOJIBAKE["big5"])
    assert read_text(path, 10_000, encoding="big5").text.startswith("這是繁體字")
    res = cli("screen", str(path), "--no-record", "--encoding", "big5", "--format", "json", "--no-classifier")
    assert res.exit_code == 1, res.output  # 全網最低價 blocks
    with pytest.raises(InputError, match="unknown encoding"):
        read_text(path, 10_000, encoding="klingon")
    with pytest.raises(InputError, match="not valid utf-8"):
        read_text(path, 10_000, encoding="utf-8")


def test_chinese_in_gbk_is_still_read(tmp_path: Path) -> None:
    script = "家人们，这款面霜是全网最低价！纯棉衬衫，100%新疆长绒棉。"
    got = decode_bytes(script.encode("gbk"), "s.txt")
    assert got.text == script and got.encoding == "gb18030"
    csv_path = tmp_path / "p.csv"
    csv_path.write_bytes("sku,name,category\nA,饼干,food\n".encode("gb18030"))
    assert read_products(csv_path)[0].name == "饼干"
    csv_path.write_bytes("sku,name,category\nA,これは日本語のテスト,food\n".encode("shift_jis"))
    with pytest.raises(ImportError_, match="GB18030"):
        read_products(csv_path)


# --------------------------------------------------------------------------- exports


FORMULAS = ['=HYPERLINK("http://evil","点我")', "+1+1", "-2", "@SUM(A1)"]


def test_exported_product_text_is_never_a_formula(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    records = [
        product(
            f"A{i}", {"name": f, "credit_code": f"9{i}"}, brand=f, specs=[{"name": "净含量", "value": f}]
        ).model_copy(update={"name": f})
        for i, f in enumerate(FORMULAS)
    ]
    csv_path = write_products(records, tmp_path / "p.csv")
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == ["'" + f for f in FORMULAS]
    assert [r["spec:净含量"] for r in rows] == ["'" + f for f in FORMULAS]
    assert [r.name for r in read_products(csv_path)] == FORMULAS  # the round trip keeps the value
    xlsx_path = write_products(records, tmp_path / "p.xlsx")
    sheet = load_workbook(xlsx_path)["products"]
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == FORMULAS and all(c.data_type == "s" for c in cells)
    assert [r.name for r in read_products(xlsx_path)] == FORMULAS


# --------------------------------------------------------------------------- report names


def test_reports_of_one_broadcast_never_overwrite_each_other(tmp_path: Path, monkeypatch) -> None:
    from claimcheck.service import reports
    from claimcheck.types import ScreenResult, Verdict

    class Frozen(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 12, 1, 10, 0, 0, 123456)

    tokens = iter(["aaaaaa", "aaaaaa", "aaaaaa", "bbbbbb"])
    monkeypatch.setattr(reports, "dt", SimpleNamespace(datetime=Frozen))
    monkeypatch.setattr(reports.secrets, "token_hex", lambda n: next(tokens))
    result = ScreenResult(verdict=Verdict.PASS, findings=[], versions={})
    written = [
        reports.write_reports(result, "文本", tmp_path, source)
        for source in ("show.srt", "show.vtt", "show.json", "show.json")
    ]
    paths = [p for pair in written for p in pair]
    assert len(set(paths)) == 8 and all(p.exists() for p in paths)
    assert written[0][0].name == "show-srt-20261201-100000-123-aaaaaa.html"
    assert written[3][0].name.endswith("-bbbbbb.html")  # the same millisecond: a fresh suffix, never an overwrite
    assert reports.report_stem("..") == "report" and reports.report_stem("标准输入") == "stdin"


# --------------------------------------------------------------------------- times


@pytest.fixture
def shanghai(monkeypatch):
    monkeypatch.setenv("TZ", "CST-8")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_times_are_local_with_their_offset_everywhere(shanghai, tmp_path: Path) -> None:
    assert show_time("2026-12-01T16:30:00+00:00") == "2026-12-02 00:30:00 +08:00"
    assert show_time(dt.datetime(2026, 12, 1, 16, 30)) == "2026-12-02 00:30:00 +08:00"  # naive means stored UTC
    db = f"sqlite:///{tmp_path / 't.db'}"
    script = tmp_path / "s.txt"
    script.write_text("这是全网最低价", encoding="utf-8")
    res = cli("screen", str(script), "--db", db, "--report-dir", str(tmp_path / "r"), "--no-classifier")
    assert res.exit_code == 1, res.output
    (html,) = (tmp_path / "r").glob("*.html")
    assert "+08:00" in html.read_text(encoding="utf-8")
    res = cli("ledger", "show", "--db", db)
    assert res.exit_code == 0 and "+08:00" in res.stdout
    out = tmp_path / "l.csv"
    res = cli("ledger", "export", "--out", str(out), "--db", db)
    assert res.exit_code == 0, res.output
    with out.open(encoding="utf-8-sig", newline="") as fh:
        (row, *_) = list(csv.DictReader(fh))
    assert row["time"].endswith("+08:00")
    today = dt.datetime.now().astimezone().date().isoformat()
    res = cli("ledger", "export", "--out", str(tmp_path / "d.csv"), "--db", db, "--from", today, "--to", today)
    with (tmp_path / "d.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.DictReader(fh))) >= 1  # "today" is the local day the entry was made
