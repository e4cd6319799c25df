"""The workbench's product page, approvals, upload, export and queue (issue 13, item 3).

Against the real app (FastAPI TestClient, lifespan included) on a real SQLite database in a
temp dir; users and products are made through the service layer. The ledger side of approvals
(hash chain, signatures, verify, export, ``GET /v1/ledger?kind=approval``, the migration that
allows the new kind) is tested here too.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from claimcheck.api import create_app
from claimcheck.config import Settings
from claimcheck.ledger import LedgerError
from claimcheck.service import Services, approvals, products, review, worklist
from claimcheck.service import users as user_service
from claimcheck.service.products import UnknownProduct
from claimcheck.service.worklist import QueueFilters
from claimcheck.store.keys import create_key
from claimcheck.store.schema import ProductRecord
from claimcheck.taxonomy import Category
from claimcheck.types import Finding, ScreenResult, Severity, Verdict
from tests.conftest import MINI_LEXICON

PASSWORD = "correct horse battery"
MAX_INPUT = 200_000
TODAY = dt.datetime.now().astimezone().date()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PRODUCTS = [
    {
        "sku": "WP-SHIRT-1",
        "name": "纯棉免烫衬衫",
        "category": "apparel",
        "supplier": {"name": "杭州某服饰有限公司", "credit_code": "91330100MA0WEB001X", "contact": "张经理 0571-1234"},
        "certificates": [
            {"type": "3C认证", "number": "CERT-OLD", "issuer": "某认证中心", "valid_until": "2020-01-31"},
            {"type": "绿色食品证书", "number": "CERT-NEW", "issuer": "某认证中心", "valid_until": "2099-01-31"},
        ],
        "test_reports": [
            {
                "report_no": "RPT-FAIL-1",
                "laboratory": "某检测技术有限公司",
                "issue_date": "2026-05-20",
                "valid_until": "2099-05-19",
                "conclusion": "fail",
                "items": [{"item": "甲醛含量", "measured": "120", "unit": "mg/kg", "limit": "≤75", "result": "fail"}],
            }
        ],
    },
    {"sku": "WP-TEA-2", "name": "高山云雾绿茶", "category": "food", "supplier": {"name": "某茶业公司"}},
    {"sku": "WP-PEN-3", "name": "充电宝", "category": "digital"},
]


def _settings(base: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{base / 'pages.db'}",
        report_dir=base / "reports",
        ledger_key_file=base / "ledger.key",
        ledger_checkpoint_file=base / "checkpoints.jsonl",
        lexicon_dir=MINI_LEXICON,
        detectors=["lexicon"],
        max_input_bytes=MAX_INPUT,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[TestClient, Settings]]:
    settings = _settings(tmp_path_factory.mktemp("pages"))
    services = Services(settings)
    user_service.create(services, "审核员乙", "reviewer", PASSWORD)
    user_service.create(services, "admin.w", "admin", PASSWORD)
    products.import_records(services, [ProductRecord.model_validate(p) for p in PRODUCTS])
    with TestClient(create_app(settings)) as client:
        yield client, settings


@pytest.fixture
def client(site) -> Iterator[TestClient]:
    client, _ = site
    client.cookies.clear()
    yield client
    client.cookies.clear()


@pytest.fixture
def services(site) -> Services:
    return site[0].app.state.services  # type: ignore[attr-defined]


def token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def sign_in(client: TestClient, name: str = "审核员乙") -> str:
    """Sign ``name`` in; returns a CSRF token for their forms."""
    page = client.get("/login")
    res = client.post("/login", data={"name": name, "password": PASSWORD, "next": "/", "csrf_token": token(page.text)})
    assert res.status_code == 200, res.text[:300]  # followed to the queue
    return token(res.text)


def user(services: Services, name: str = "审核员乙") -> user_service.WebUser:
    found = user_service.authenticate(services, name, PASSWORD)
    assert found is not None
    return found


def finding(text: str, severity: str = "block", **kw: Any) -> Finding:
    fields: dict[str, Any] = {
        "start": 0,
        "end": len(text),
        "text": text,
        "detector": "lexicon",
        "category": "absolute_term",
        "rule_id": "absolute.best",
        "score": 1.0,
    } | kw
    fields["category"] = Category(fields["category"])
    return Finding(severity=Severity(severity), **fields)


def model(text: str, category: str, score: float) -> Finding:
    """A classifier finding that needs review."""
    return finding(
        text, "review", rule_id=f"classifier.{category}", category=category, detector="exaggeration", score=score
    )


def record(services: Services, *findings: Finding, sku: str | None = None, kind: str = "screening") -> int:
    severities = {f.severity for f in findings}
    verdict = Verdict.BLOCK if "block" in severities else Verdict.REVIEW if "review" in severities else Verdict.PASS
    result = ScreenResult(verdict=verdict, findings=list(findings), versions={"test": "1"})
    return services.ledger.append_result(kind, result, subject="测试脚本", sku=sku, input_hash="0" * 64)  # type: ignore[arg-type]


def workbook(res: Any) -> Any:
    assert res.status_code == 200, res.text[:500]
    assert res.headers["content-type"] == XLSX
    assert re.match(r'attachment; filename="[\w.-]+\.xlsx"', res.headers["content-disposition"])
    return load_workbook(io.BytesIO(res.content))


# ---------------------------------------------------------------------------- approvals in the ledger
def test_approvals_are_signed_ledger_entries_that_verify_and_export(site, services: Services, tmp_path: Path) -> None:
    api, settings = site
    reviewer, admin = user(services), user(services, "admin.w")
    first = approvals.set_approval(services, reviewer, "WP-TEA-2", "needs_changes", "检测报告缺失")
    with pytest.raises(approvals.ApprovalConflict, match="supersedes"):
        approvals.set_approval(services, admin, "WP-TEA-2", "approved", "")  # did not see the current one
    with pytest.raises(LedgerError, match="reason"):
        approvals.set_approval(services, admin, "WP-TEA-2", "rejected", "  ", supersedes=first)
    with pytest.raises(LedgerError, match="status"):
        approvals.set_approval(services, admin, "WP-TEA-2", "maybe", "x", supersedes=first)
    with pytest.raises(UnknownProduct):
        approvals.set_approval(services, admin, "NO-SUCH-SKU", "approved", "")
    second = approvals.set_approval(services, admin, "WP-TEA-2", "approved", "已补交报告", supersedes=first)

    history = approvals.approval_history(services, "WP-TEA-2")
    assert [h["seq"] for h in history] == [second, first]  # newest first: the current status
    assert history[0] | {"created_at": None} == {
        "seq": second,
        "created_at": None,
        "sku": "WP-TEA-2",
        "product_name": "高山云雾绿茶",
        "status": "approved",
        "reason": "已补交报告",
        "reviewer": "admin.w",
        "reviewer_via": "web-session",
        "supersedes": first,
    }
    entry = services.ledger.get(second)
    assert entry["kind"] == "approval" and entry["signature"] and entry["sku"] == "WP-TEA-2"
    assert approvals.current_approvals(services)["WP-TEA-2"]["status"] == "approved"

    report = review.verify(services)
    assert report.ok and report.signed == report.entries, report.summary()

    key = create_key(settings.database_url, "pages-reader", scopes=["read"])
    listed = api.get("/v1/ledger", params={"kind": "approval", "sku": "WP-TEA-2"}, headers={"X-API-Key": key})
    assert listed.status_code == 200, listed.text
    assert [e["seq"] for e in listed.json()] == [first, second]
    assert listed.json()[1]["payload"]["status"] == "approved"

    out = review.export(services, tmp_path / "ledger.xlsx", "xlsx", sku="WP-TEA-2")  # the CLI's archive export
    sheet = load_workbook(out)["approvals"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("seq", "time", "sku", "product", "status")
    assert [(r[0], r[4], r[6]) for r in rows[1:]] == [
        (first, "needs_changes", "审核员乙"),
        (second, "approved", "admin.w"),
    ]
    by_reviewer = review.export(services, tmp_path / "mine.xlsx", "xlsx", reviewer="审核员乙")
    assert [r[0] for r in load_workbook(by_reviewer)["approvals"].iter_rows(min_row=2, values_only=True)] == [first]


def test_an_older_database_is_migrated_to_accept_approvals(tmp_path: Path) -> None:
    from alembic import command

    from claimcheck.ledger import Ledger
    from claimcheck.store import migrate
    from claimcheck.store.db import alembic_config, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    with make_engine(url).begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")  # the schema before approvals
    migrate._CURRENT.add(url)  # this process writes to it as the old version would
    old = Ledger(url, key_file=tmp_path / "k.key")
    seq = old.append_result(
        "screening",
        ScreenResult(verdict=Verdict.PASS, findings=[], versions={}),
        subject="旧",
        sku="A",
        input_hash="0" * 64,
    )
    with pytest.raises(Exception, match="CHECK constraint"):
        old.add_approval("A", "approved", "", "x")
    migrate.forget(url)
    ledger = Ledger(url, key_file=tmp_path / "k.key")  # migrates
    assert ledger.add_approval("A", "approved", "", "x") == seq + 1
    assert ledger.verify().ok and ledger.get(seq)["subject"] == "旧"


# ---------------------------------------------------------------------------- the product pages
def test_product_page_shows_supplier_documents_records_and_sets_the_approval(
    client: TestClient, services: Services
) -> None:
    screening = record(services, finding("最好"), finding("第一", severity="review"), sku="WP-SHIRT-1")
    audit = record(services, finding("顶级", sku="WP-SHIRT-1"), finding("最低", sku="WP-PEN-3"), kind="audit")
    other = record(services, finding("最好"), sku="WP-PEN-3")
    user_service.decide(services, user(services), screening, 1, "confirm", "属实")
    csrf = sign_in(client)

    page = client.get("/products/WP-SHIRT-1")
    assert page.status_code == 200
    text = page.text
    for shown in ("纯棉免烫衬衫", "杭州某服饰有限公司", "91330100MA0WEB001X", "张经理 0571-1234", "服装", "未审核"):
        assert shown in text, shown
    certs = text[text.index('id="certs-title"') :]
    assert "CERT-OLD" in certs and "已过期" in certs[: certs.index("CERT-NEW")]
    assert "不合格：甲醛含量" in text
    assert f'href="/screenings/{screening}"' in text and f'href="/audits/{audit}"' in text
    assert f'href="/screenings/{other}"' not in text  # another product's record
    row = text[text.index(f'href="/audits/{audit}"') - 700 : text.index(f'href="/audits/{audit}"')]
    assert re.search(r"<strong>1</strong></td>\s*<td>0</td>\s*<td>1</td>", row)  # only the finding about this SKU
    row = text[text.index(f'href="/screenings/{screening}"') - 700 : text.index(f'href="/screenings/{screening}"')]
    assert re.search(r"<strong>1</strong></td>\s*<td>1</td>\s*<td>2</td>", row)  # open, decided, findings

    missing = client.post("/products/WP-SHIRT-1", data={"csrf_token": csrf, "status": "rejected", "reason": " "})
    assert missing.status_code == 422 and "必须填写理由" in missing.text
    done = client.post(
        "/products/WP-SHIRT-1",
        data={"csrf_token": csrf, "status": "needs_changes", "reason": "甲醛超标，需重新送检", "supersedes": ""},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/products/WP-SHIRT-1#approval"
    page = client.get("/products/WP-SHIRT-1").text
    assert "已记录审核结论" in page and "甲醛超标，需重新送检" in page
    current = approvals.approval_history(services, "WP-SHIRT-1")[0]
    assert current["status"] == "needs_changes" and current["reviewer"] == "审核员乙"
    assert current["reviewer_via"] == "web-session"
    assert f'name="supersedes" value="{current["seq"]}"' in page

    stale = client.post("/products/WP-SHIRT-1", data={"csrf_token": csrf, "status": "approved", "supersedes": ""})
    assert stale.status_code == 409 and "已被他人修改" in stale.text
    assert approvals.approval_history(services, "WP-SHIRT-1")[0]["seq"] == current["seq"]  # nothing overwritten

    listing = client.get("/products", params={"q": "衬衫"}).text
    assert 'href="/products/WP-SHIRT-1"' in listing and "需修改" in listing and "WP-TEA-2" not in listing
    assert 'href="/products" aria-current="page"' in listing  # the 商品 navigation entry
    assert "WP-SHIRT-1" not in client.get("/products", params={"status": "approved"}).text


def test_unknown_sku_answers_a_chinese_404_page(client: TestClient) -> None:
    csrf = sign_in(client)
    page = client.get("/products/NOPE-404")
    assert page.status_code == 404 and "未找到商品" in page.text and "NOPE-404" in page.text
    post = client.post("/products/NOPE-404", data={"csrf_token": csrf, "status": "approved"})
    assert post.status_code == 404 and "未找到商品" in post.text


# ---------------------------------------------------------------------------- upload
def test_uploading_a_script_records_it_as_the_user_and_opens_its_page(client: TestClient, services: Services) -> None:
    csrf = sign_in(client)
    form = client.get("/upload")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text and 'for="script-file"' in form.text
    script = "家人们，这件衬衫是最好的，全网第一！".encode("gb18030")  # not UTF-8: decoded as the CLI does
    res = client.post(
        "/upload",
        data={"csrf_token": csrf, "kind": "script", "sku": "WP-SHIRT-1", "category": "apparel"},
        files={"script": ("口播稿.txt", script, "text/plain")},
        follow_redirects=False,
    )
    assert res.status_code == 303, res.text[:500]
    match = re.fullmatch(r"/screenings/(\d+)", res.headers["location"])
    assert match
    entry = services.ledger.get(int(match.group(1)))
    assert entry["kind"] == "screening" and entry["sku"] == "WP-SHIRT-1" and entry["subject"] == "口播稿.txt"
    meta = entry["payload"]["meta"]
    assert meta["uploaded_by"] == "审核员乙" and meta["uploaded_via"] == "web-session" and meta["source"] == "web"
    assert entry["payload"]["verdict"] == "block"
    assert {f["text"] for f in entry["payload"]["findings"]} >= {"最好"}


@pytest.mark.parametrize(
    ("files", "fields", "status", "words"),
    [
        ({"script": ("a.txt", b"\x00\x01\x02binary\x00" * 50, "text/plain")}, {}, 422, "二进制"),
        ({"script": ("a.txt", b"", "text/plain")}, {}, 422, "空文件"),
        ({"script": ("a.txt", b"   \n\n", "text/plain")}, {}, 422, "空文件"),
        ({"script": ("a.pdf", b"%PDF-1.4 ...", "application/pdf")}, {}, 422, "只支持"),
        ({"script": ("a.doc", b"\xd0\xcf\x11\xe0", "application/msword")}, {}, 422, ".docx"),
        ({"script": ("a.docx", b"PK\x03\x04 not a docx", "application/zip")}, {}, 422, "无法读取"),
        ({"script": ("", b"", "application/octet-stream")}, {}, 422, "请选择"),
        ({"script": ("big.txt", "好".encode() * (MAX_INPUT // 3 + 1), "text/plain")}, {}, 413, "上限"),
        ({"script": ("a.txt", "最好".encode(), "text/plain")}, {"sku": "NO-SUCH"}, 422, "商品库中没有"),
        ({"script": ("a.txt", "最好".encode(), "text/plain")}, {"broadcast_date": "2026-13-40"}, 422, "有效日期"),
        ({"transcript": ("t.srt", b"not a transcript at all", "text/plain")}, {"kind": "transcript"}, 422, "t.srt"),
        (
            {
                "transcript": ("t.srt", "1\n00:00:01,000 --> 00:00:02,000\n最好\n".encode(), "text/plain"),
                "run_sheet": ("rs.csv", b"start,end,sku\nlater,never,X\n", "text/csv"),
            },
            {"kind": "transcript"},
            422,
            "rs.csv",
        ),
    ],
)
def test_bad_uploads_answer_the_form_with_a_chinese_message(
    client: TestClient, services: Services, files: dict, fields: dict, status: int, words: str
) -> None:
    csrf = sign_in(client)
    before = services.ledger.count()
    res = client.post("/upload", data={"csrf_token": csrf, "kind": "script", **fields}, files=files)
    assert res.status_code == status, res.text[:500]
    assert 'class="flash flash-error" role="alert"' in res.text and words in res.text
    assert 'for="script-file"' in res.text  # the form again, not an error page
    assert services.ledger.count() == before


def test_uploading_a_transcript_with_a_run_sheet_opens_the_audit(client: TestClient, services: Services) -> None:
    csrf = sign_in(client)
    srt = (
        "1\n00:00:01,000 --> 00:00:04,000\n家人们，这件衬衫是最好的\n\n"
        "2\n00:10:01,000 --> 00:10:04,000\n这个充电宝全网最低价\n"
    )
    sheet = "start,end,sku\n00:00:00,00:10:00,WP-SHIRT-1\n00:10:00,00:20:00,WP-PEN-3\n"
    res = client.post(
        "/upload",
        data={"csrf_token": csrf, "kind": "transcript", "broadcast_id": "直播间-1208"},
        files={
            "transcript": ("回放.srt", srt.encode(), "text/plain"),
            "run_sheet": ("排品.csv", sheet.encode(), "text/csv"),
        },
        follow_redirects=False,
    )
    assert res.status_code == 303, res.text[:500]
    match = re.fullmatch(r"/audits/(\d+)", res.headers["location"])
    assert match
    entry = services.ledger.get(int(match.group(1)))
    assert entry["kind"] == "audit" and entry["subject"] == "直播间-1208"
    assert entry["payload"]["meta"]["uploaded_by"] == "审核员乙" and entry["payload"]["meta"]["schedule"] == "排品.csv"
    by_sku = {f["text"]: f.get("sku") for f in entry["payload"]["findings"]}
    assert by_sku.get("最好") == "WP-SHIRT-1" and by_sku.get("全网最低") == "WP-PEN-3", by_sku
    assert all(f.get("start_ms") is not None for f in entry["payload"]["findings"])
    page = client.get("/products/WP-PEN-3").text  # the run sheet put it on the product's page
    assert f'href="/audits/{entry["seq"]}"' in page


# ---------------------------------------------------------------------------- export
def test_ledger_export_is_excel_with_dates_chinese_headers_and_filters(client: TestClient, services: Services) -> None:
    seq = record(services, finding("最好"), sku="WP-TEA-2")
    user_service.decide(services, user(services, "admin.w"), seq, 0, "dismiss", "引用法规原文")
    sign_in(client)
    form = client.get("/export")
    assert (
        form.status_code == 200 and 'action="/export/ledger.xlsx"' in form.text and 'for="export-reviewer"' in form.text
    )
    day = dt.timedelta(days=1)
    res = client.get(
        "/export/ledger.xlsx", params={"from": str(TODAY - day), "to": str(TODAY + day), "sku": "WP-TEA-2"}
    )
    book = workbook(res)
    assert "WP-TEA-2" in res.headers["content-disposition"]
    assert book.sheetnames == ["导出说明", "审核记录", "商品审核结论", "台账条目"]
    about = dict(book["导出说明"].iter_rows(min_row=2, values_only=True))
    assert about["导出人"] == "审核员乙" and about["台账校验"].startswith("通过") and about["SKU"] == "WP-TEA-2"
    records = book["审核记录"]
    header = [c.value for c in records[1]]
    assert header[0] == "编号" and header[1].startswith("时间（UTC") and "发现文本" in header and "审核人" in header
    assert records.auto_filter.ref == f"A1:{records.cell(1, len(header)).column_letter}{records.max_row}"
    assert records.freeze_panes == "A2" and records.column_dimensions["J"].width >= 30
    rows = [dict(zip(header, r, strict=True)) for r in records.iter_rows(min_row=2, values_only=True)]
    mine = [r for r in rows if r["编号"] == seq]
    assert mine and mine[0]["审核决定"] == "驳回（误报）" and mine[0]["审核人"] == "admin.w"
    assert mine[0]["类型"] == "话术筛查" and mine[0]["级别"] == "禁止"
    assert {r["SKU"] for r in rows} == {"WP-TEA-2"}
    time_cell = records.cell(row=2 + rows.index(mine[0]), column=2)
    assert time_cell.is_date and isinstance(time_cell.value, dt.datetime)  # a real date, not text
    decided = records.cell(
        row=2 + rows.index(mine[0]), column=header.index(next(h for h in header if h.startswith("决定时间"))) + 1
    )
    assert decided.is_date
    approvals_sheet = book["商品审核结论"]
    assert approvals_sheet.cell(2, 2).is_date and approvals_sheet.auto_filter.ref

    by_reviewer = workbook(client.get("/export/ledger.xlsx", params={"reviewer": "admin.w"}))
    seqs = {r[0] for r in by_reviewer["审核记录"].iter_rows(min_row=2, values_only=True)}
    assert seq in seqs and all(
        any(d["reviewer"] == "admin.w" for d in services.ledger.get(s)["decisions"]) for s in seqs
    )
    nothing = workbook(client.get("/export/ledger.xlsx", params={"from": str(TODAY + 2 * day)}))
    assert nothing["审核记录"].max_row == 1 and nothing["审核记录"].auto_filter.ref == "A1:AA1"

    bad = client.get("/export/ledger.xlsx", params={"from": "2026-02-30"})
    assert bad.status_code == 422 and "不是有效日期" in bad.text and 'for="export-from"' in bad.text
    backwards = client.get("/export/ledger.xlsx", params={"from": str(TODAY), "to": str(TODAY - day)})
    assert backwards.status_code == 422 and "晚于" in backwards.text


def test_one_screening_exports_its_findings_with_formulas_kept_as_text(client: TestClient, services: Services) -> None:
    csrf = sign_in(client)
    res = client.post(
        "/upload",
        data={"csrf_token": csrf, "kind": "script"},
        files={"script": ("f.txt", '=HYPERLINK("http://x","最好")\n家人们，全网第一！'.encode(), "text/plain")},
        follow_redirects=False,
    )
    seq = int(res.headers["location"].rsplit("/", 1)[1])
    user_service.decide(services, user(services), seq, 0, "confirm", "属实")
    book = workbook(client.get(f"/screenings/{seq}/export.xlsx"))
    assert book.sheetnames == ["发现", "记录信息"]
    sheet = book["发现"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["发现序号", "发现文本", "所在句子"] and sheet.auto_filter.ref and sheet.freeze_panes == "A2"
    contexts = [sheet.cell(r, 3) for r in range(2, sheet.max_row + 1)]
    formula_like = [c for c in contexts if isinstance(c.value, str) and c.value.startswith("=")]
    assert formula_like and all(c.data_type == "s" for c in formula_like)  # text, never a live formula
    decided_at = sheet.cell(2, header.index(next(h for h in header if h.startswith("决定时间"))) + 1)
    assert decided_at.is_date and sheet.cell(2, header.index("审核人") + 1).value == "审核员乙"
    info = dict(book["记录信息"].iter_rows(min_row=2, values_only=True))
    assert info["编号"] == seq and info["上传人"] == "审核员乙" and info["类型"] == "话术筛查"
    assert any(isinstance(v, dt.datetime) for k, v in info.items() if str(k).startswith("时间"))

    missing = client.get("/screenings/999999/export.xlsx")
    assert missing.status_code == 404 and "未找到记录" in missing.text


# ---------------------------------------------------------------------------- the queue
def _queue_seqs(client: TestClient, **params: str) -> list[int]:
    page = client.get("/", params=params)
    assert page.status_code == 200
    return [int(s) for s in re.findall(r'<a href="/(?:screenings|audits)/(\d+)">查看', page.text)]


def test_queue_filters_narrow_the_list_and_open_blocks_come_first(client: TestClient, services: Services) -> None:
    sku = "Q-ORDER"
    passed = record(services, sku=sku)
    confident = record(services, model("很多", "guarantee", 0.95), sku=sku)
    unsure = record(services, model("大概", "unclassified", 0.7), sku=sku)
    coin = record(services, model("也许", "guarantee", 0.55), sku=sku)
    blocked = record(services, finding("最好", product_name="测试用保温杯", sku=sku))
    decided = record(services, finding("顶级"), sku=sku, kind="audit")
    user_service.decide(services, user(services, "admin.w"), decided, 0, "confirm", "属实")
    sign_in(client)

    assert _queue_seqs(client, sku=sku) == [blocked, unsure, coin, confident, decided, passed]
    assert _queue_seqs(client, sku=sku, verdict="review") == [unsure, coin, confident]
    assert _queue_seqs(client, sku=sku, kind="audit") == [decided]
    assert _queue_seqs(client, sku=sku, state="open") == [blocked, unsure, coin, confident]
    assert _queue_seqs(client, sku=sku, state="done") == [decided, passed]
    assert _queue_seqs(client, reviewer="admin.w", sku=sku) == [decided]
    assert _queue_seqs(client, product="保温") == [blocked]
    assert _queue_seqs(client, sku=sku, to=str(TODAY - dt.timedelta(days=1))) == []
    assert _queue_seqs(client, sku=sku, **{"from": str(TODAY - dt.timedelta(days=1))}) != []
    page = client.get("/", params={"sku": sku, "from": "not-a-date"})
    assert page.status_code == 200 and "不是有效日期" in page.text
    assert 'for="q-verdict"' in page.text and 'for="q-reviewer"' in page.text and 'role="search"' in page.text
    row = page.text[: page.text.index(f'href="/audits/{decided}"')][-900:]
    assert re.search(r"<td>1</td>\s*<td><strong>0</strong> / 1", row)  # decided 1, open 0 of 1

    first = worklist.queue(services, QueueFilters(sku=sku), page=1, per_page=4)
    second = worklist.queue(services, QueueFilters(sku=sku), page=2, per_page=4)
    assert (first.total, first.pages) == (6, 2) and [r.record.seq for r in second.rows] == [decided, passed]
    assert worklist.queue(services, QueueFilters(sku=sku), page=99, per_page=4).page == 2


def test_queue_pages_link_with_their_filters(client: TestClient, services: Services) -> None:
    for _ in range(worklist.PAGE_SIZE + 1):
        record(services, sku="Q-PAGES")
    sign_in(client)
    page = client.get("/", params={"sku": "Q-PAGES"}).text
    assert "第 1 / 2 页" in page and 'href="/?sku=Q-PAGES&amp;page=2"' in page
    assert len(_queue_seqs(client, sku="Q-PAGES", page="2")) == 1


# ---------------------------------------------------------------------------- CSRF
@pytest.mark.parametrize(
    ("path", "data", "files"),
    [
        ("/upload", {"kind": "script"}, {"script": ("a.txt", "最好".encode(), "text/plain")}),
        ("/products/WP-PEN-3", {"status": "approved"}, None),
    ],
)
def test_every_post_without_the_csrf_token_is_refused(
    client: TestClient, services: Services, path: str, data: dict, files: dict | None
) -> None:
    sign_in(client)
    before = services.ledger.count()
    for extra in ({}, {"csrf_token": "forged"}):
        res = client.post(path, data=data | extra, files=files)
        assert res.status_code == 403 and "请求被拒绝" in res.text
    assert services.ledger.count() == before
