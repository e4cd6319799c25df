"""A reviewer's day in a real browser (issue 13, item 5), against a real ``claimcheck serve``.

Sign in (a wrong password first), upload a script for a product, see its findings highlighted,
move between them with j/k, confirm one with ``c``, dismiss another with a reason (without one
it is refused), accept a third one's rewrite, set the product's approval, export the review
record and the one screening as Excel and read both back, see a POST without the CSRF token
refused, and sign out (a copy of the old session cookie no longer works).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

from .helpers import UPLOAD_TIMEOUT_MS, Site

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install '.[test]'").expect
expect.set_options(timeout=15_000)  # a busy two-core CI machine

SCRIPT = ROOT / "data" / "examples" / "script_products.txt"
SKU = "CC-APP-001"
DISMISS_REASON = "白色是商品图中的实际颜色，不是宣称，属误报"
APPROVAL_REASON = "面料成分与话术“纯棉”不符，请改为“棉混纺”后再上播"
HAN = re.compile(r"[\u4e00-\u9fff]")
#: local time as the pages show it: the server runs at UTC+8 (conftest.SERVER_TZ)
TIME_SHOWN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+08:00")
SERVER_ZONE = dt.timezone(dt.timedelta(hours=8))


def panel_n(page: Any) -> int:
    return int(page.get_attribute("#panel", "data-n") or 0)


def expect_panel(page: Any, n: int) -> None:
    """The panel shows finding ``n``, and the text, the list and the focus follow (after htmx settled)."""
    expect(page.locator("#panel")).to_have_attribute("data-n", str(n))
    expect(page.locator(f".script-text mark#hl-{n}")).to_have_class(re.compile(r"\bis-selected\b"))
    expect(page.locator(f"#row-{n}")).to_have_class(re.compile(r"\bis-selected\b"))
    expect(page.locator(".script-text mark.is-selected:not(.cont)")).to_have_count(1)


def sheet_rows(book: Any, title: str) -> tuple[list[str], list[dict[str, Any]]]:
    """A sheet's header and its rows as dicts keyed by header."""
    assert title in book.sheetnames, f"no sheet {title!r} in {book.sheetnames}"
    rows = list(book[title].iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return header, [dict(zip(header, row, strict=False)) for row in rows[1:]]


def column(header: list[str], prefix: str) -> str:
    """The header that starts with ``prefix`` (time columns name their UTC offset: 时间（UTC+08:00）)."""
    found = [h for h in header if h == prefix or h.startswith(prefix + "（")]
    assert found, f"no column {prefix!r} in {header}"
    return found[0]


def download(page: Any, click: Any, tmp: Path) -> tuple[Any, Path]:
    with page.expect_download() as info:
        click()
    dl = info.value
    assert dl.failure() is None, dl.failure()
    path = tmp / dl.suggested_filename
    dl.save_as(path)
    return dl, path


def test_reviewer_signs_in_reviews_approves_exports_and_signs_out(new_page: Any, site: Site, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    page = new_page()
    me = site.reviewer

    # --- a wrong password is refused: the form again, with a message in Chinese --------------------
    page.goto("/upload")
    assert page.url.endswith("/login?next=/upload"), page.url
    page.fill("#login-name", me.name)
    page.fill("#login-password", "not-the-password")
    with page.expect_navigation() as nav:
        page.click("form[action='/login'] button[type=submit]")
    assert nav.value.status == 401
    assert page.url.split("?")[0].endswith("/login")
    assert "用户名或密码错误" in page.inner_text("#login-error")
    assert page.context.cookies() and "cc_session" not in {c["name"] for c in page.context.cookies()}

    # --- sign in with the keyboard: the name is kept, Tab to the password, Enter ------------------
    assert page.input_value("#login-name") == me.name
    page.focus("#login-name")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "login-password"
    page.keyboard.type(me.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == site.at("/upload"), page.url  # back where the browser was sent from
    assert page.inner_text(".who .user-name") == me.name
    session = {c["name"]: c for c in page.context.cookies()}["cc_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"

    # --- upload a script for one product ----------------------------------------------------------
    page.set_input_files("#script-file", str(SCRIPT))
    page.fill("#script-sku", SKU)
    page.click("text=上传并筛查")
    page.wait_for_url(re.compile(r"/screenings/\d+$"), timeout=UPLOAD_TIMEOUT_MS)
    seq = int(page.url.rsplit("/", 1)[1])
    assert f"已记入台账第 {seq} 条" in page.inner_text(".flashes")

    # --- the findings, highlighted in the text -------------------------------------------------------
    rows = page.locator("table.findings tbody tr")
    findings = rows.count()
    assert findings >= 3
    marks = page.locator(".script-text mark")
    assert marks.count() >= findings
    for n in range(1, findings + 1):  # every finding has its numbered highlight in the text
        assert page.locator(f".script-text mark#hl-{n}").count() == 1, f"finding {n} is not highlighted"
    assert f"{findings} 条发现已标出" in page.inner_text("#text-title")
    first = panel_n(page)
    assert 1 <= first < findings - 2, "the panel opens on the first finding that needs a decision"
    assert page.locator(f".script-text mark#hl-{first}.is-selected").count() == 1
    assert page.get_attribute("#panel", "data-decision") == ""

    # --- j / k move between findings (the panel, the address and the focus follow) ---------------
    page.keyboard.press("j")
    expect_panel(page, first + 1)
    expect(page).to_have_url(re.compile(rf"/screenings/{seq}\?f={first + 1}$"))
    assert page.evaluate("document.activeElement.dataset.nav") == str(first + 1)
    page.keyboard.press("k")
    expect_panel(page, first)
    assert page.evaluate("document.activeElement.dataset.nav") == str(first)

    # --- c confirms the selected finding, as the signed-in reviewer -------------------------------
    page.keyboard.press("c")
    expect(page.locator("#panel")).to_have_attribute("data-decision", "confirm")
    expect(page.locator(f"#status-{first}")).to_have_text("已确认")
    expect(page.locator(".script-text mark#hl-" + str(first))).to_have_class(re.compile(r"\bst-confirm\b"))
    history = page.inner_text("#panel ol.history")
    assert me.name in history and "审核台" in history
    assert "已记录" in page.inner_text("#panel [role=status]")

    # --- dismissing needs a reason ---------------------------------------------------------------------
    page.keyboard.press("j")
    second = first + 1
    expect_panel(page, second)
    dismiss = page.locator("#panel form[data-action=dismiss] button[type=submit]")
    dismiss.click()  # empty: the browser refuses (required), nothing is sent
    assert page.eval_on_selector("#dismiss-reason", "el => el.validity.valueMissing")
    page.fill("#dismiss-reason", "   ")  # blank passes `required`: the server refuses it
    dismiss.click()
    expect(page.locator("#panel-error")).to_contain_text("驳回须填写理由")
    assert page.get_attribute("#panel", "data-decision") == ""
    expect(page.locator("#dismiss-reason")).to_be_focused()  # back in the field to fix it
    # d focuses the reason from anywhere; Enter there sends it
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("d")
    assert page.evaluate("document.activeElement.id") == "dismiss-reason"
    page.keyboard.press("Control+A")
    page.keyboard.type(DISMISS_REASON)
    page.keyboard.press("Enter")
    expect(page.locator("#panel")).to_have_attribute("data-decision", "dismiss")
    expect(page.locator(f"#status-{second}")).to_have_text("已驳回")
    assert DISMISS_REASON in page.inner_text("#panel ol.history")

    # --- accept the suggested rewrite of the next one ------------------------------------------------
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("j")
    third = second + 1
    expect_panel(page, third)
    rewrite = page.inner_text("#panel .accept-text")
    page.click("#panel form[data-action=accept] button[type=submit]")
    expect(page.locator(f"#status-{third}")).to_have_text("已采纳改写")
    expect(page.locator("#panel ol.history")).to_contain_text("采纳改写：")

    # --- the decisions are in the review record: a reload shows them ------------------------------
    page.reload()
    assert page.inner_text(f"#status-{first}") == "已确认"
    assert page.inner_text(f"#status-{second}") == "已驳回"
    assert page.inner_text(f"#status-{third}") == "已采纳改写"
    assert "已决定 3" in page.inner_text("#progress")
    page.goto(f"/screenings/{seq}?f={second}")
    now = page.inner_text("#panel .decision-now")
    assert me.name in now and TIME_SHOWN.search(now), now
    finding_texts = [page.inner_text(f"#row-{n} .quote") for n in range(1, findings + 1)]

    # --- the product's approval: needs changes, with the reason ------------------------------------
    page.goto(f"/products/{SKU}")
    assert page.locator(f"a[href='/screenings/{seq}']").count() == 1, "the screening is listed on the product"
    page.check("input[name=status][value=needs_changes]")
    page.click("form.approval-form button[type=submit]")  # no reason: refused
    assert "必须填写理由" in page.inner_text("#approval-error")
    assert page.locator(".approval-current").count() == 0
    page.fill("#approval-reason", APPROVAL_REASON)
    page.click("form.approval-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/products/{SKU}(#approval)?$"))
    current = page.inner_text(".approval-current")
    assert "需修改" in current and me.name in current and TIME_SHOWN.search(current), current
    assert APPROVAL_REASON in page.inner_text(".approval-reason")
    assert "已记录审核结论" in page.inner_text(".flashes")
    page.goto(f"/products?q={SKU}")
    assert "需修改" in page.inner_text("table.queue tbody")

    # --- the ledger as Excel, from /export: read back ---------------------------------------------
    page.click("nav.site-nav >> text=台账导出")
    today = dt.datetime.now(SERVER_ZONE).date()  # whole days in the server's zone
    page.fill("#export-from", (today - dt.timedelta(days=1)).isoformat())
    page.fill("#export-to", today.isoformat())
    page.fill("#export-sku", SKU)
    page.fill("#export-reviewer", me.name)
    dl, path = download(page, lambda: page.click("form[action='/export/ledger.xlsx'] button[type=submit]"), tmp_path)
    assert path.suffix == ".xlsx"
    verified = page.request.get(dl.url)
    assert verified.status == 200 and verified.headers.get("x-claimcheck-ledger-verified") == "true"
    book = load_workbook(path)
    assert book.sheetnames[0] == "导出说明"
    for title in book.sheetnames:
        header = [str(c.value or "") for c in book[title][1]]
        assert all(HAN.search(h) or h in ("SKU",) or h.startswith("输入 SHA") for h in header), (title, header)
    header, records = sheet_rows(book, "审核记录")
    seq_col, time_col = column(header, "编号"), column(header, "时间")
    assert time_col == "时间（UTC+08:00）", time_col  # local time, and the header says which
    ours = [r for r in records if r[seq_col] == seq]
    assert len(ours) == findings, f"{len(ours)} rows for record {seq}, {findings} findings on the page"
    assert all(isinstance(r[time_col], dt.datetime) for r in ours)
    local_now = dt.datetime.now(SERVER_ZONE).replace(tzinfo=None)
    assert abs(ours[0][time_col] - local_now) < dt.timedelta(minutes=30), (ours[0][time_col], local_now)
    assert sorted(r[column(header, "发现文本")] for r in ours) == sorted(finding_texts)
    decision, reason = column(header, "审核决定"), column(header, "决定理由")
    decided = sorted((r for r in ours if r[decision]), key=lambda r: r[decision])
    assert [r[decision] for r in decided] == ["确认违规", "确认违规", "驳回（误报）"], decided
    assert all(r[column(header, "审核人")] == me.name for r in decided)
    assert all(isinstance(r[column(header, "决定时间")], dt.datetime) for r in decided)
    assert decided[2][reason] == DISMISS_REASON
    assert any((r[reason] or "").startswith("采纳改写：") and r[reason][5:] in rewrite for r in decided[:2])
    header, approvals = sheet_rows(book, "商品审核结论")
    mine = [a for a in approvals if a[column(header, "SKU")] == SKU]
    assert len(mine) == 1 and mine[0][column(header, "审核结论")] == "需修改"
    assert mine[0][column(header, "理由")] == APPROVAL_REASON and mine[0][column(header, "审核人")] == me.name
    assert isinstance(mine[0][column(header, "时间")], dt.datetime)

    # --- the one screening as Excel, from its page ----------------------------------------------------
    page.goto(f"/screenings/{seq}")
    _, path = download(page, lambda: page.click("a.export-link"), tmp_path)
    book = load_workbook(path)
    header, rows_ = sheet_rows(book, "发现")
    assert len(rows_) == findings
    assert sorted(r[column(header, "发现文本")] for r in rows_) == sorted(finding_texts)
    reasons = {r[column(header, "决定理由")] for r in rows_}
    assert DISMISS_REASON in reasons
    _, info = sheet_rows(book, "记录信息")
    facts = {str(r["项目"]): r["内容"] for r in info}
    assert facts["编号"] == seq and facts["上传人"] == me.name and facts["SKU"] == SKU
    assert any(k.startswith("时间") and isinstance(v, dt.datetime) for k, v in facts.items())

    # --- a POST without the CSRF token is refused, and records nothing -------------------------------
    token = page.get_attribute("input[name=csrf_token]", "value")
    assert token
    form = {"finding_index": str(findings - 1), "action": "confirm", "view": "screening"}
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        refused = page.request.post(f"/records/{seq}/decisions", form=form, headers=headers, max_redirects=0)
        assert refused.status == 403, refused.status
        assert "请求被拒绝" in refused.text()
    refused = page.request.post("/logout", form={}, max_redirects=0)
    assert refused.status == 403
    refused = page.request.post(f"/products/{SKU}", form={"status": "approved", "supersedes": ""}, max_redirects=0)
    assert refused.status == 403
    page.reload()
    assert page.inner_text(f"#status-{findings}") in ("待处理", "未处理（提示）")
    assert "已决定 3" in page.inner_text("#progress")

    # --- sign out: the session is gone, even a copy of the cookie ---------------------------------
    saved = {c["name"]: c for c in page.context.cookies()}["cc_session"]
    with page.expect_navigation():
        page.click(".who form[action='/logout'] button")
    assert page.url.endswith("/login?signed_out=1")
    assert "您已退出登录" in page.inner_text("main")
    assert "cc_session" not in {c["name"] for c in page.context.cookies()}
    page.goto("/")
    assert page.url == site.at("/login"), page.url
    page.context.add_cookies([saved])
    page.goto(f"/screenings/{seq}")
    assert "/login?next=" in page.url, "a signed-out session cookie still works"
    assert not page.js_errors, f"JavaScript errors: {page.js_errors}"
