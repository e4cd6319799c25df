"""The workbench's screening and audit pages (issue 13, item 3): findings in place, decisions, the time axis.

Against the real app (FastAPI TestClient) on a real SQLite database in a temp dir; records are made by
the service layer (``screen_script``, ``audit_transcript``), the reviewer by ``users.create``, and
every decision is read back from the review record.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from claimcheck.api import create_app
from claimcheck.config import Settings
from claimcheck.io.transcripts import run_sheet_from_bytes, transcript_from_bytes
from claimcheck.service import Services
from claimcheck.service import users as user_service
from claimcheck.service.auditing import audit_transcript
from claimcheck.service.products import import_records
from claimcheck.service.screening import input_hash, screen_script
from claimcheck.store.schema import ProductRecord
from claimcheck.taxonomy import Category
from claimcheck.types import Finding, ScreenResult, Severity, Verdict
from claimcheck.web.audit import build_axis, group_markers, tick_step
from claimcheck.web.records import FindingView, record_view
from claimcheck.web.screening import highlight
from tests.conftest import MINI_LEXICON

PASSWORD = "correct horse battery"
SCRIPT = "<script>alert('x')</script>这款面霜是全网第一，最好的美白效果！\n顶级品质 & 实惠。"
LIMIT = 1_000_000


def _clock(ms: int) -> str:
    s, milli = divmod(ms, 1000)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d},{milli:03d}"


def broadcast_srt(minutes: int = 40) -> str:
    """A cue every 30 s; cue 4 says two forbidden things at once (one marker, count 2), cue 40 one."""
    cues = []
    for i in range(minutes * 2):
        text = "欢迎来到直播间，喜欢的点点关注"
        if i == 4:
            text = "这是最好的面霜，顶级品质"
        elif i == 40:
            text = "全网第一的销量"
        cues.append(f"{i + 1}\n{_clock(i * 30_000)} --> {_clock(i * 30_000 + 25_000)}\n{text}。\n")
    return "\n".join(cues)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[dict[str, Any]]:
    base: Path = tmp_path_factory.mktemp("review")
    settings = Settings(
        database_url=f"sqlite:///{base / 'web.db'}",
        report_dir=base / "reports",
        ledger_key_file=base / "ledger.key",
        ledger_checkpoint_file=base / "checkpoints.jsonl",
        lexicon_dir=MINI_LEXICON,
        detectors=["lexicon"],
    )
    services = Services(settings)
    reviewer = user_service.create(services, "审核员-李", "reviewer", PASSWORD)
    import_records(services, [ProductRecord(sku="SKU-A1", name="水润保湿面霜", category="cosmetics")])
    app = create_app(settings)
    with TestClient(app) as client:
        yield {"client": client, "services": services, "reviewer": reviewer, "settings": settings}


@pytest.fixture
def client(site) -> Iterator[TestClient]:
    client: TestClient = site["client"]
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    data = {"name": "审核员-李", "password": PASSWORD, "next": "/", "csrf_token": token.group(1)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    yield client
    client.cookies.clear()


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def screening(site, text: str = SCRIPT) -> int:
    seq = screen_script(site["services"], text, source="脚本.txt").record_seq
    assert seq is not None
    return seq


def audit(site, srt: str | None = None) -> int:
    services = site["services"]
    raw = srt or broadcast_srt()
    transcript = transcript_from_bytes(raw.encode("utf-8"), "room.srt", LIMIT)
    sheet = run_sheet_from_bytes(b"start,end,sku\n0,00:20:00,SKU-A1\n00:20:00,00:40:00,SKU-B2\n", "plan.csv", LIMIT)
    seq = audit_transcript(services, transcript, sheet, raw=raw, subject="直播间-88").record_seq
    assert seq is not None
    return seq


def decisions(site, seq: int) -> list[dict[str, Any]]:
    return site["services"].ledger.get(seq)["decisions"]


def post_decision(client: TestClient, seq: int, page: str, htmx: bool = False, **fields: Any) -> Any:
    data = {"csrf_token": csrf(page), "view": "screening", "reason": "", **fields}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/records/{seq}/decisions", data=data, headers=headers, follow_redirects=False)


class MarkBalance(HTMLParser):
    """Checks that <mark>/<a> nest properly and collects the text outside the number links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.in_number = 0
        self.marks = 0
        self.ok = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "mark":
            self.marks += 1
        if tag == "a" and ("class", "fnum") in attrs:
            self.in_number += 1
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.ok = False
        if tag == "a":
            self.in_number = max(0, self.in_number - 1)

    def handle_data(self, data: str) -> None:
        if not self.in_number:
            self.text.append(data)


# ---------------------------------------------------------------------------- the text is kept


def test_recorded_screenings_and_audits_keep_their_text_in_the_signed_entry(site) -> None:
    services = site["services"]
    entry = services.ledger.get(screening(site))
    assert entry["payload"]["meta"]["text"] == SCRIPT
    raw = broadcast_srt()
    entry = services.ledger.get(audit(site, raw))
    meta = entry["payload"]["meta"]
    assert meta["cue_fields"] == ["start_ms", "end_ms", "start", "end"]
    assert len(meta["cues"]) == 80 and meta["slots"] == [[0, 1_200_000, "SKU-A1"], [1_200_000, 2_400_000, "SKU-B2"]]
    start_ms, end_ms, start, end = meta["cues"][4]
    assert (start_ms, end_ms) == (120_000, 145_000) and meta["text"][start:end] == "这是最好的面霜，顶级品质。"
    assert entry["payload"]["input_sha256"] == input_hash(raw)
    assert services.ledger.verify().ok


# ---------------------------------------------------------------------------- the screening page


def test_screening_page_highlights_every_finding_in_place_and_escapes_the_text(site, client: TestClient) -> None:
    seq = screening(site)
    findings = site["services"].ledger.get(seq)["payload"]["findings"]
    assert len(findings) >= 4
    page = client.get(f"/screenings/{seq}")
    assert page.status_code == 200
    html = page.text
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "</mark>品质 &amp; 实惠" in html
    for n, f in enumerate(findings, 1):
        mark = re.search(
            rf'<mark class="hl sev-{f["severity"]}[^"]*" id="hl-{n}" data-n="{n}"><a class="fnum" ([^>]*)>{n}</a>', html
        )
        assert mark, n
        assert f'href="/screenings/{seq}?f={n}#panel"' in mark.group(1) and f'data-nav="{n}"' in mark.group(1)
        assert f'hx-get="/records/{seq}/panel?f={n}&amp;view=screening"' in mark.group(1)
        assert html[mark.end() :].startswith(f["text"])
    text = html[html.index('<div class="script-text">') : html.index("</div>", html.index('<div class="script-text">'))]
    parser = MarkBalance()
    parser.feed(text + "</div>")
    assert parser.ok and "".join(parser.text) == SCRIPT and parser.marks == len(findings)
    # the panel of the first open finding: labels, explanation, evidence, legal basis, rewrite
    panel = html[html.index('<section id="panel"') :]
    assert 'data-n="1"' in panel[:200] and "第 1 条发现" in panel
    for words in (
        "绝对化用语",
        "禁止",
        "《中华人民共和国广告法》第九条第三项",
        "很受欢迎",
        "absolute.first",
        "lexicon",
    ):
        assert words in panel, words
    assert 'name="finding_index" value="0"' in panel and 'name="supersedes"' not in panel
    assert "键盘快捷键" in html and "<kbd>j</kbd>" in html and 'src="/static/review.js"' in html
    assert client.get("/static/review.js").status_code == 200
    # another finding by number; the panel alone for htmx, a redirect to the page without it
    panel = client.get(f"/records/{seq}/panel?f=3&view=screening", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and panel.text.lstrip().startswith('<section id="panel"')
    assert 'name="finding_index" value="2"' in panel.text and "<html" not in panel.text
    plain = client.get(f"/records/{seq}/panel?f=3&view=screening", follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == f"/screenings/{seq}?f=3#panel"


def test_overlapping_findings_are_nested_or_split_and_stay_well_formed() -> None:
    text = "ABCDEFGHIJ<>"
    spans = [(0, 6, "block"), (2, 4, "review"), (3, 9, "info"), (5, 5, "review"), (10, 12, "block"), (4, 40, "info")]
    views = [
        FindingView(i, text[s:e], s, e, sev, sev, "absolute_term", "绝对化用语", "", "", "", "r", "d", "", "", "",
                    None, None, "", [], [], [], [])
        for i, (s, e, sev) in enumerate(spans)
    ]  # fmt: skip
    out = str(highlight(text, views, 7, selected=2))
    parser = MarkBalance()
    parser.feed(out)
    assert parser.ok and "".join(parser.text) == text
    for n in (1, 2, 3, 4, 5):
        assert out.count(f'id="hl-{n}"') == 1
    assert 'id="hl-6"' not in out  # offsets past the text: left out of the text, still in the list
    assert 'class="hl sev-info st-none cont" data-n="3"' in out  # 3 crosses 1's end: split
    assert '<mark class="hl sev-review st-open is-selected" id="hl-2"' in out and "&lt;&gt;" in out


# ---------------------------------------------------------------------------- decisions


def test_confirm_and_dismiss_are_recorded_as_the_signed_in_reviewer(site, client: TestClient) -> None:
    seq = screening(site)
    page = client.get(f"/screenings/{seq}").text
    done = post_decision(client, seq, page, finding_index=0, action="confirm", reason="属实")
    assert done.status_code == 303 and done.headers["location"] == f"/screenings/{seq}?f=1#panel"
    shown = client.get(done.headers["location"]).text
    assert "已记录：第 1 条发现确认违规" in shown and "当前：" in shown and "已确认" in shown
    [confirm] = decisions(site, seq)
    assert (confirm["decision"], confirm["reason"], confirm["finding_index"]) == ("confirm", "属实", 0)
    assert confirm["reviewer"] == "审核员-李" and confirm["reviewer_via"] == "web-session"

    # with htmx: the updated panel, the finding's status and the progress out of band
    res = post_decision(client, seq, shown, htmx=True, finding_index=1, action="dismiss", reason="引用的是规则原文")
    assert res.status_code == 200 and res.text.lstrip().startswith('<section id="panel"')
    assert 'data-n="2"' in res.text and "已驳回" in res.text and "引用的是规则原文" in res.text
    assert '<span id="status-2" class="status status-dismiss" hx-swap-oob="true">已驳回</span>' in res.text
    assert '<span id="progress" hx-swap-oob="true">' in res.text
    dismiss = decisions(site, seq)[-1]
    assert (dismiss["decision"], dismiss["finding_index"], dismiss["reviewer"]) == ("dismiss", 1, "审核员-李")

    # accept the rewrite: a confirm whose reason names the rewrite
    findings = site["services"].ledger.get(seq)["payload"]["findings"]
    res = post_decision(client, seq, shown, finding_index=2, action="accept", reason="ignored")
    assert res.status_code == 303
    accepted = decisions(site, seq)[-1]
    assert accepted["decision"] == "confirm" and accepted["reason"] == f"采纳改写：{findings[2]['suggestion']}"
    assert "已采纳改写" in client.get(f"/screenings/{seq}?f=3").text
    assert site["services"].ledger.verify().ok


def test_dismiss_without_a_reason_is_refused_and_nothing_is_recorded(site, client: TestClient) -> None:
    seq = screening(site)
    page = client.get(f"/screenings/{seq}").text
    res = post_decision(client, seq, page, finding_index=0, action="dismiss", reason="   ")
    assert res.status_code == 422 and "驳回须填写理由" in res.text and "未记录任何决定" in res.text
    assert 'aria-invalid="true"' in res.text and '<section id="panel"' in res.text  # the page, with the error
    res = post_decision(client, seq, page, htmx=True, finding_index=0, action="dismiss")
    assert res.status_code == 200 and "驳回须填写理由" in res.text and 'role="alert"' in res.text
    res = post_decision(client, seq, page, finding_index=0, action="approve", reason="x")
    assert res.status_code == 422
    assert decisions(site, seq) == []


def test_a_second_decision_must_supersede_the_current_one(site, client: TestClient) -> None:
    seq = screening(site)
    page = client.get(f"/screenings/{seq}").text
    assert post_decision(client, seq, page, finding_index=0, action="confirm").status_code == 303
    [first] = decisions(site, seq)
    # a form shown before that decision (no supersedes): refused, the current decision named
    stale = post_decision(client, seq, page, finding_index=0, action="dismiss", reason="其实是误报")
    assert stale.status_code == 409 and "审核决定已经变化" in stale.text and f"台账第 {first['seq']} 条" in stale.text
    assert len(decisions(site, seq)) == 1
    # the refreshed panel carries the current decision as supersedes
    assert f'name="supersedes" value="{first["seq"]}"' in stale.text
    ok = post_decision(
        client, seq, page, finding_index=0, action="dismiss", reason="其实是误报", supersedes=str(first["seq"])
    )
    assert ok.status_code == 303
    second = decisions(site, seq)[-1]
    assert second["supersedes"] == first["seq"] and second["decision"] == "dismiss"
    history = client.get(f"/screenings/{seq}?f=1").text
    assert f"已被第 {second['seq']} 条取代" in history
    # naming an older decision is refused as well
    old = post_decision(client, seq, page, finding_index=0, action="confirm", supersedes=str(first["seq"]))
    assert old.status_code == 409 and len(decisions(site, seq)) == 2


def test_a_decision_without_the_csrf_token_is_refused(site, client: TestClient) -> None:
    seq = screening(site)
    res = client.post(
        f"/records/{seq}/decisions",
        data={"finding_index": "0", "action": "confirm", "view": "screening"},
        follow_redirects=False,
    )
    assert res.status_code == 403 and "请求被拒绝" in res.text
    res = client.post(
        f"/records/{seq}/decisions",
        data={"finding_index": "0", "action": "confirm", "csrf_token": "forged"},
        headers={"HX-Request": "true"},
        follow_redirects=False,
    )
    assert res.status_code == 403
    assert decisions(site, seq) == []


# ---------------------------------------------------------------------------- the audit page


def test_tick_steps_keep_about_twelve_labels() -> None:
    minute = 60_000
    cases = {10: 1, 12: 1, 13: 5, 40: 5, 120: 10, 180: 15, 181: 30, 360: 30, 600: 60, 720: 60, 1800: 180}
    for minutes, step in cases.items():
        assert tick_step(minutes * minute) == step, minutes
        assert -(-minutes // step) <= 12


def test_audit_page_has_a_time_axis_with_minute_ticks_and_grouped_overlaps(site, client: TestClient) -> None:
    seq = audit(site)
    page = client.get(f"/audits/{seq}")
    assert page.status_code == 200
    html = page.text
    labels = re.findall(r'<text class="tick-label"[^>]*>([^<]+)</text>', html)
    assert labels == ["00:00", "00:05", "00:10", "00:15", "00:20", "00:25", "00:30", "00:35", "00:40"]
    markers = re.findall(r'<a class="marker sev-(\w+)" ([^>]*) aria-label="([^"]+)">', html)
    assert len(markers) == 2  # the two findings said in one cue are one marker
    assert markers[0][2].startswith("00:02:00–00:02:25：2 条发现（禁止 2），第 1、2 条")
    assert 'href="/audits/' in markers[0][1] and "data-nav" not in markers[0][1]
    assert re.search(r'<text class="count"[^>]*>2</text>', html)
    assert "在售 SKU-A1 水润保湿面霜" in html  # the run sheet's slot, named
    # the list: time, cue text, SKU on sale, product name
    row = html[html.index('id="row-1"') : html.index("</tr>", html.index('id="row-1"'))]
    assert "00:02:00–00:02:25" in row and "这是最好的面霜，顶级品质。" in row
    assert "SKU-A1" in row and "水润保湿面霜" in row
    row3 = html[html.index('id="row-3"') : html.index("</tr>", html.index('id="row-3"'))]
    assert "00:20:00–00:20:25" in row3 and "SKU-B2" in row3 and "全网第一的销量" in row3
    # the same panel and decision route as screenings
    panel = html[html.index('<section id="panel"') :]
    assert "台词" in panel and 'name="view" value="audit"' in panel
    res = post_decision(client, seq, html, finding_index=2, action="confirm", view="audit")
    assert res.status_code == 303 and res.headers["location"] == f"/audits/{seq}?f=3#panel"
    assert decisions(site, seq)[-1]["reviewer"] == "审核员-李"
    # its whole transcript, highlighted, on the screening page
    full = client.get(f"/screenings/{seq}").text
    assert 'id="hl-3"' in full and "时间轴视图" in full


def test_markers_group_dense_findings_in_short_runs_not_one_long_one() -> None:
    views = []
    for i in range(300):  # a finding every 40 s for 200 minutes
        start = i * 40_000
        views.append(
            FindingView(i, "x", 0, 1, "review", "复核", "c", "c", "", "", "", "r", "d", "", "", "",
                        start, start + 3_000, "", [], [], [], [])
        )  # fmt: skip
    markers = group_markers(views, min_ms=72_000)
    assert 100 <= len(markers) <= 150 and max(m.count for m in markers) == 2
    assert all(a.reach_ms <= b.start_ms for a, b in itertools.pairwise(markers))
    record = record_view({"seq": 1, "kind": "audit", "payload": {"findings": []}})
    record.findings = views
    axis = build_axis(record, [], [])
    assert axis.step == 30 and [t.label for t in axis.ticks][:3] == ["00:00", "00:30", "01:00"]


def test_a_screening_on_the_audit_address_goes_to_its_own_page(site, client: TestClient) -> None:
    seq = screening(site)
    res = client.get(f"/audits/{seq}?f=2", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == f"/screenings/{seq}?f=2"


# ---------------------------------------------------------------------------- missing and old records


def test_unknown_records_and_decision_entries_answer_404_pages(site, client: TestClient) -> None:
    seq = screening(site)
    page = client.get(f"/screenings/{seq}").text
    assert post_decision(client, seq, page, finding_index=0, action="confirm").status_code == 303
    decision_seq = decisions(site, seq)[-1]["seq"]
    for path in (f"/screenings/{decision_seq}", f"/audits/{decision_seq}", "/screenings/999999", "/audits/0"):
        res = client.get(path)
        assert res.status_code == 404 and "找不到记录" in res.text, path
    res = post_decision(client, decision_seq, page, finding_index=0, action="confirm")
    assert res.status_code == 404
    res = post_decision(client, seq, page, finding_index=99, action="confirm")
    assert res.status_code == 404 and "找不到该发现" in res.text
    assert client.get("/screenings/abc").status_code == 422


def test_old_entries_without_the_text_show_the_findings_with_a_note(site, client: TestClient) -> None:
    ledger = site["services"].ledger
    finding = Finding(3, 7, "全网第一", "lexicon", Category.ABSOLUTE_TERM, "absolute.first", Severity.BLOCK, 1.0,
                      suggestion="很受欢迎", start_ms=61_000, end_ms=64_000, sku="SKU-A1")  # fmt: skip
    result = ScreenResult(verdict=Verdict.BLOCK, findings=[finding], versions={"claimcheck": "0.0.1"})
    old = ledger.append_result(
        "screening",
        result,
        subject="旧脚本",
        sku=None,
        input_hash=input_hash("x"),
        meta={"finding_contexts": ["这是全网第一的"]},
    )
    html = client.get(f"/screenings/{old}").text
    assert "旧记录未保存全文" in html and 'class="script-text"' not in html
    assert 'id="row-1"' in html and "全网第一" in html and "这是全网第一的" in html and 'data-nav="1"' in html
    old_audit = ledger.append_result("audit", result, subject="旧直播", sku=None, input_hash=input_hash("y"), meta={})
    html = client.get(f"/audits/{old_audit}").text
    assert "旧记录未保存全文" in html and "00:01:01–00:01:04" in html and '<a class="marker sev-block"' in html
    # and a decision on it works like any other
    res = post_decision(client, old_audit, html, finding_index=0, action="confirm", view="audit")
    assert res.status_code == 303 and decisions(site, old_audit)[-1]["reviewer"] == "审核员-李"


def test_the_pages_need_a_signed_in_user(site) -> None:
    client: TestClient = site["client"]
    client.cookies.clear()
    res = client.get("/screenings/1", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/login?next=/screenings/1"
    res = client.get("/records/1/panel?f=1", headers={"HX-Request": "true"}, follow_redirects=False)
    assert res.status_code == 401 and res.headers["HX-Redirect"].startswith("/login")
