"""The product store on a real database: SQLite always, and the database in
CLAIMCHECK_TEST_DATABASE_URL too when it is set (CI sets a local PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from claimcheck.cli import app
from claimcheck.context import DocContext
from claimcheck.specs.check import SpecNormalizer
from claimcheck.specs.tables import load_spec_tables
from claimcheck.store import migrate
from claimcheck.store.db import make_engine
from claimcheck.store.io import ImportError_, read_products
from claimcheck.store.migrate import is_current, upgrade
from claimcheck.store.repository import SpecStore
from claimcheck.store.schema import ProductRecord
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "products" / "sample_store.json"
runner = CliRunner()


def sample() -> list[ProductRecord]:
    return [ProductRecord.model_validate(r) for r in json.loads(SAMPLE.read_text(encoding="utf-8"))]


def store(url: str) -> SpecStore:
    return SpecStore(url, normalizer=SpecNormalizer(load_spec_tables()))


def cli(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_sample_store_is_large_and_varied() -> None:
    records = sample()
    assert len(records) >= 30
    assert len({r.category for r in records}) >= 8
    assert any(c.valid_until and c.valid_until.isoformat() < "2026-11-28" for r in records for c in r.certificates)
    assert any(it.result == "fail" for r in records for rep in r.test_reports for it in rep.items)


def test_migrations_create_and_are_idempotent(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)
    tables = set(inspect(make_engine(db_url)).get_table_names())
    assert {
        "products",
        "spec_attributes",
        "ingredients",
        "test_reports",
        "test_items",
        "certificates",
        "suppliers",
        "alembic_version",
    } <= tables
    assert is_current(db_url)


def test_round_trip_of_every_record(db_url: str) -> None:
    s = store(db_url)
    records = sample()
    assert s.upsert(records) == len(records)
    assert s.skus() == sorted(r.sku for r in records)
    for r in records:
        assert s.get(r.sku) == r.model_copy(
            update={
                "test_reports": sorted(r.test_reports, key=lambda x: (x.issue_date, x.report_no)),
                "certificates": sorted(r.certificates, key=lambda x: (x.type, x.number)),
            }
        )
    # normalised values are stored beside the raw ones
    with make_engine(db_url).connect() as conn:
        raw = conn.execute(text("SELECT normalized_value FROM spec_attributes WHERE raw_value = '65%棉 35%聚酯纤维'"))
        assert json.loads(raw.scalar_one())["composition"] == {"棉": 65.0, "聚酯纤维": 35.0}


def test_reimport_replaces_a_record(db_url: str) -> None:
    s = store(db_url)
    rec = sample()[0]
    s.upsert([rec])
    s.upsert([rec.model_copy(update={"name": "改名后的商品", "specs": []})])
    got = s.get(rec.sku)
    assert got.name == "改名后的商品" and got.specs == []
    assert len(s.skus()) == 1


def test_failed_import_writes_nothing(db_url: str, tmp_path: Path) -> None:
    s = store(db_url)
    records = [r.model_dump(mode="json") for r in sample()[:5]]
    records[3]["test_reports"] = [{"report_no": "X", "laboratory": "L", "issue_date": "2026-13-01"}]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    res = cli("products", "import", str(bad), "--db", db_url)
    assert res.exit_code == 2
    assert "record 4" in res.stderr and "test_reports.0.issue_date" in res.stderr
    assert "nothing imported" in res.stderr
    assert not s.exists() or s.skus() == []


@pytest.mark.parametrize("suffix", [".json", ".xlsx", ".csv"])
def test_cli_import_export_round_trip(db_url: str, tmp_path: Path, suffix: str) -> None:
    assert cli("products", "import", str(SAMPLE), "--db", db_url).exit_code == 0
    out = tmp_path / f"export{suffix}"
    res = cli("products", "export", "--out", str(out), "--db", db_url)
    assert res.exit_code == 0, res.output
    back = read_products(out)
    assert len(back) == len(sample())
    if suffix != ".csv":  # CSV carries products, specs and ingredients only
        originals = {r.sku: r for r in sample()}
        assert all(len(b.test_reports) == len(originals[b.sku].test_reports) for b in back)


def test_products_show(db_url: str) -> None:
    cli("products", "import", str(SAMPLE), "--db", db_url)
    res = cli("products", "show", "CC-APP-001", "--db", db_url)
    assert res.exit_code == 0 and "65%棉" in res.stdout and "检测报告" in res.stdout
    res = cli("products", "show", "CC-APP-001", "--db", db_url, "--json")
    assert json.loads(res.stdout)["sku"] == "CC-APP-001"
    res = cli("products", "show", "NOPE", "--db", db_url)
    assert res.exit_code == 2 and "NOPE" in res.stderr


def write_xlsx(path: Path, sheets: dict) -> None:
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, rows in sheets.items():
            pd.DataFrame(rows).to_excel(xw, sheet_name=name, index=False)


@pytest.mark.parametrize(
    ("sheets", "message"),
    [
        (
            {"products": [{"sku": "A", "name": "x", "category": "food"}], "specs": [{"sku": "A", "name": "材质"}]},
            "sheet 'specs' lacks column(s) value",
        ),
        (
            {
                "products": [{"sku": "A", "name": "x", "category": "food"}],
                "specs": [{"sku": "A", "name": "材质", "value": None}],
            },
            "sheet specs, row 2: value: required",
        ),
        (
            {
                "products": [{"sku": "A", "name": "x", "category": "food"}],
                "specs": [{"sku": "B", "name": "材质", "value": "棉"}],
            },
            "sheet specs, row 2: sku: 'B' is not in",
        ),
        (
            {
                "products": [
                    {"sku": "A", "name": "x", "category": "food"},
                    {"sku": "A", "name": "y", "category": "food"},
                ]
            },
            "sheet products, row 3: sku 'A' appears twice",
        ),
        ({"products": [{"sku": "A", "name": "x", "category": "spaceships"}]}, "category: unknown product category"),
        (
            {
                "products": [{"sku": "A", "name": "x", "category": "food"}],
                "reports": [
                    {
                        "sku": "A",
                        "report_no": "R",
                        "laboratory": "L",
                        "issue_date": "2026-01-01",
                        "valid_until": "2025-01-01",
                    }
                ],
            },
            "valid_until is before issue_date",
        ),
        ({"items": [{"a": 1}]}, "unknown sheet 'items'"),
    ],
)
def test_excel_errors_name_sheet_row_and_field(tmp_path: Path, sheets: dict, message: str) -> None:
    from claimcheck.lexicons import load_lexicon

    lex = load_lexicon()
    path = tmp_path / "p.xlsx"
    write_xlsx(path, sheets)
    with pytest.raises(ImportError_, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_products(path, resolve_category=lambda v: lex.resolve_product_category(v))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("p.csv", "sku,name\nA,x\n", "lacks column(s) category"),
        ("p.csv", "sku,name,category,spec:净含量[g]\nA,饼干,food,\nB,,food,400\n", "row 3: name: required"),
        ("p.json", "{not json", "not valid JSON"),
        ("p.json", '{"a": 1}', "expected an array"),
        ("p.txt", "x", "unsupported file type"),
        ("p.xlsx", "not a zip", "not a readable .xlsx"),
        ("p.json", "[]", "no product records"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, data: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    with pytest.raises(ImportError_) as err:
        read_products(path)
    assert message in str(err.value)


def test_csv_with_inline_specs_and_gbk(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(
        "sku,name,category,ingredients,spec:净含量[g],spec:产地\nA,饼干,食品,小麦粉、白砂糖,400,山东\n".encode(
            "gb18030"
        )
    )
    from claimcheck.lexicons import load_lexicon

    (rec,) = read_products(path, resolve_category=load_lexicon().resolve_product_category)
    assert rec.category == "food"
    assert rec.ingredients == ["小麦粉", "白砂糖"]
    assert [(s.name, s.value, s.unit) for s in rec.specs] == [("净含量", "400", "g"), ("产地", "山东", None)]


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody:x@127.0.0.1:1/none"
    res = cli("products", "import", str(SAMPLE), "--db", url)
    assert res.exit_code == 2
    assert "cannot open the database" in res.stderr and "Traceback" not in res.output


def test_schema_is_migrated_once_per_process_not_per_session(tmp_path: Path, monkeypatch) -> None:
    """20 screenings with per-product sections open the store 20 times but migrate it once."""
    from alembic import command

    from claimcheck.config import Settings
    from claimcheck.engine import Engine

    url = f"sqlite:///{tmp_path / 'once.db'}"
    store(url).upsert(read_products(SAMPLE))
    calls = []
    real = command.upgrade
    monkeypatch.setattr(command, "upgrade", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    migrate.forget(url)
    engine = Engine.from_settings(Settings(database_url=url, detectors=["lexicon", "spec_check"]))
    for _ in range(20):
        text = "## CC-APP-001 衬衫\n这件衬衫是纯棉的"
        engine.screen(text, DocContext(sections=tuple(engine.sections(text))))
    assert len(calls) <= 1
    assert engine.catalogue is not None and engine.catalogue.skus()  # served from the cache


def test_catalogue_invalidate_sees_new_records(tmp_path: Path) -> None:
    from claimcheck.store.catalogue import ProductCatalogue, UnknownSKUError

    url = f"sqlite:///{tmp_path / 'cat.db'}"
    s = store(url)
    catalogue = ProductCatalogue(s)
    with pytest.raises(UnknownSKUError):
        catalogue.record("CC-APP-001")
    s.upsert(read_products(SAMPLE))
    with pytest.raises(UnknownSKUError):  # cached as missing until told otherwise
        catalogue.record("CC-APP-001")
    catalogue.invalidate()
    assert catalogue.record("CC-APP-001").sku == "CC-APP-001"
