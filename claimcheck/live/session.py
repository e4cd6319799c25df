"""One live broadcast: final segments, the product timeline, findings sent once, and the recorded audit.

When a final segment arrives, a sliding window over the latest final segments (the newest and
the ones before it, up to ``window_segments`` segments or until it holds ``window_chars``
characters) is audited exactly as a transcript is (:func:`claimcheck.service.auditing.audit`), so a claim
split over two or three segments is one claim, and each finding gets the times of the segments
it spans and the SKU on sale then. The window is a slice of the session document (the final
segments joined as :func:`~claimcheck.io.transcripts.transcript_document` joins cues), so a
finding's ``start``/``end`` are offsets into that document, the one the recorded audit keeps.

A finding is sent once: not again when a later window sees the same span and rule, nor when it
sees a longer or shorter span of the same category overlapping one already sent (a claim whose
end arrived in the next segment). Every finding sent has the next ``seq`` (from 1) and stays in
the session's outbox, so a client that reconnects can resume after the last seq it saw.
:meth:`LiveSession.to_audit` records the whole broadcast as one audit, as ``claimcheck audit``
records a transcript (reports, then the review-record entry).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from claimcheck.context import DocContext
from claimcheck.errors import ClaimcheckError, InputError, NotFoundError
from claimcheck.io.cues import MAX_TIME_MS, Cue, Transcript
from claimcheck.io.runsheet import RunSheet, Slot
from claimcheck.io.transcripts import SENTENCE_END
from claimcheck.live import alerts
from claimcheck.live.messages import (
    End,
    ErrorMessage,
    Message,
    Product,
    RunSheetMessage,
    Segment,
    Webhook,
    parse_message,
)
from claimcheck.service.allowances import with_allowances
from claimcheck.service.app import Services
from claimcheck.service.auditing import AuditOutcome, audit, audit_transcript
from claimcheck.types import Finding, Severity

_FINDING: TypeAdapter[Finding] = TypeAdapter(Finding)
_CLOSERS = "”’」』）)】]》\"'"
_UNSAFE = re.compile(r"[^\w.-]+")

#: findings sent recently enough to be compared with a new window's findings
DEDUPE_HORIZON = 256


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in SENTENCE_END


def _separator(prev: str, text: str) -> str:
    """What :func:`~claimcheck.io.transcripts.transcript_document` puts between two cues."""
    if not prev:
        return ""
    if _ends_sentence(prev):
        return "\n"
    if prev[-1].isascii() and prev[-1].isalpha() and text[:1].isascii() and text[:1].isalpha():
        return " "
    return ""


@dataclass(frozen=True)
class _Sent:
    start: int
    end: int
    rule_id: str
    category: str


@dataclass
class LiveUpdate:
    """What one message produced: findings (with their seq) and errors, to send in this order."""

    out: list[dict[str, Any]] = field(default_factory=list)
    ended: bool = False


class LiveSession:
    """The state of one broadcast; thread-safe (one lock), so reconnects and the pool can share it."""

    def __init__(
        self,
        services: Services,
        broadcast_id: str,
        *,
        context: DocContext | None = None,
        window_segments: int = 3,
        window_chars: int = 120,
        webhook: str | None = None,
    ) -> None:
        self.services = services
        self.broadcast_id = broadcast_id
        self.context = with_allowances(services, (context or DocContext()).with_(medium="speech"))
        self.window_segments = window_segments
        self.window_chars = window_chars
        self.cues: list[Cue] = []
        self.partial: Segment | None = None
        self.slots: list[Slot] = []
        self.outbox: list[dict[str, Any]] = []
        self.ended = False
        self.recorded: AuditOutcome | None = None
        self.last_activity = time.monotonic()
        self._starts: list[int] = []  # each final cue's start in the session document
        self._doc_len = 0
        self._sent: list[_Sent] = []
        self._keys: set[tuple[int, int, str]] = set()
        self._lock = threading.RLock()
        self.webhook: str | None = None
        if webhook is not None:
            problem = self.set_webhook(webhook)
            if problem is not None:
                raise InputError(problem)

    # ------------------------------------------------------------------ in
    def handle_raw(self, raw: str | bytes | dict[str, Any]) -> LiveUpdate:
        """Parse and handle one message; a malformed one answers an error and changes nothing."""
        msg = parse_message(raw)
        if isinstance(msg, ErrorMessage):
            return LiveUpdate([msg.to_json_dict()])
        return self.handle(msg)

    def handle(self, msg: Message) -> LiveUpdate:
        with self._lock:
            self.last_activity = time.monotonic()
            if self.ended:
                return LiveUpdate([_error("ended", "this broadcast has ended; start a new broadcast id")], True)
            if isinstance(msg, End):
                self.ended = True
                return LiveUpdate(ended=True)
            if isinstance(msg, Webhook):
                problem = self.set_webhook(msg.url)
                return LiveUpdate([_error("invalid_message", problem)] if problem else [])
            if isinstance(msg, Product | RunSheetMessage):
                unknown = self._unknown_sku([msg.sku] if isinstance(msg, Product) else [r.sku for r in msg.rows])
                if unknown is not None:
                    return LiveUpdate([_error("not_found", f"SKU {unknown!r} is not in the product store")])
            if isinstance(msg, Product):
                self._product(msg.sku, msg.at_ms)
                return LiveUpdate()
            if isinstance(msg, RunSheetMessage):
                self.slots = sorted((Slot(r.start_ms, r.end_ms, r.sku) for r in msg.rows), key=lambda s: s.start_ms)
                return LiveUpdate()
            return self._segment(msg)

    def set_webhook(self, url: str) -> str | None:
        """Send alerts for blocking findings to ``url`` from now on; why not, if it cannot be."""
        problem = alerts.check_url(url)
        if problem is None and not self.services.settings.live_webhook_secret:
            problem = "webhooks need a signing secret (CLAIMCHECK_LIVE_WEBHOOK_SECRET) on the server"
        if problem is None:
            self.webhook = url
        return problem

    def _alert(self, msg: dict[str, Any]) -> None:
        settings = self.services.settings
        if self.webhook is None or msg.get("severity") != Severity.BLOCK.value or not settings.live_webhook_secret:
            return
        alerts.sender().send(
            self.webhook,
            {"type": "alert", "broadcast_id": self.broadcast_id, "finding": msg},
            secret=settings.live_webhook_secret,
            attempts=settings.live_webhook_attempts,
            backoff_s=settings.live_webhook_backoff_seconds,
        )

    def _unknown_sku(self, skus: list[str]) -> str | None:
        """The first SKU the product store does not hold (a run sheet naming one cannot be audited)."""
        catalogue = self.services.engine.catalogue
        if catalogue is None:
            return None
        for sku in skus:
            try:
                catalogue.record(sku)
            except NotFoundError:
                return sku
        return None

    def _product(self, sku: str, at_ms: int) -> None:
        """``sku`` on sale from ``at_ms`` on: earlier slots end there, later ones are replaced."""
        kept = [Slot(s.start_ms, min(s.end_ms, at_ms), s.sku) for s in self.slots if s.start_ms < at_ms]
        self.slots = [*kept, Slot(at_ms, MAX_TIME_MS, sku)]

    def _segment(self, seg: Segment) -> LiveUpdate:
        if not seg.final:
            self.partial = seg  # kept only until the final one replaces it
            return LiveUpdate()
        self.partial = None
        text = seg.text.strip()
        if not text:
            return LiveUpdate()
        prev = self.cues[-1].text if self.cues else ""
        sep = _separator(prev, text)
        limit = self.services.settings.max_input_bytes
        if self._doc_len + len(sep) + len(text) > limit:
            return LiveUpdate([_error("too_large", f"the broadcast's text would exceed {limit} characters")])
        self._starts.append(self._doc_len + len(sep))
        self._doc_len += len(sep) + len(text)
        self.cues.append(Cue(seg.start_ms, seg.end_ms, text))
        try:
            return LiveUpdate(self._screen_window())
        except ClaimcheckError as exc:  # the segment is kept; the recorded audit will name the fault
            return LiveUpdate([_error(exc.code, str(exc))])

    # ------------------------------------------------------------------ screening
    def window(self) -> int:
        """Index of the first cue of the window ending at the newest cue: earlier cues are added while the
        window has fewer than ``window_segments`` cues and fewer than ``window_chars`` characters."""
        first = len(self.cues) - 1
        chars = len(self.cues[first].text)
        while first > 0 and len(self.cues) - first < self.window_segments and chars < self.window_chars:
            first -= 1
            chars += len(self.cues[first].text)
        return first

    def run_sheet(self) -> RunSheet | None:
        return RunSheet(slots=list(self.slots), source=f"{self.broadcast_id}-products") if self.slots else None

    def sku_at(self, ms: int) -> str | None:
        sheet = self.run_sheet()
        return sheet.sku_at(ms) if sheet is not None else None

    def _screen_window(self) -> list[dict[str, Any]]:
        first = self.window()
        cues = self.cues[first:]
        offset = self._starts[first]
        sheet = self.run_sheet()
        outcome = audit(self.services.engine, Transcript(cues, self.broadcast_id, "live"), sheet, self.context)
        out = []
        for f in sorted(outcome.result.findings, key=lambda f: (f.start, f.end)):
            f = f.replace(start=f.start + offset, end=f.end + offset)
            if self._already_sent(f):
                continue
            if f.sku is None and sheet is not None and f.start_ms is not None:
                f = f.replace(sku=sheet.sku_at(f.start_ms))
            self._remember(f)
            msg = {"type": "finding", **_FINDING.dump_python(f, mode="json", exclude_none=True)}
            msg.setdefault("sku", None)
            msg["seq"] = len(self.outbox) + 1
            self.outbox.append(msg)
            out.append(msg)
            self._alert(msg)
        return out

    def _already_sent(self, f: Finding) -> bool:
        if (f.start, f.end, f.rule_id) in self._keys:
            return True
        category = str(f.category)
        for s in reversed(self._sent[-DEDUPE_HORIZON:]):
            if s.start < f.end and f.start < s.end and (s.category == category or s.rule_id == f.rule_id):
                return True
        return False

    def _remember(self, f: Finding) -> None:
        self._keys.add((f.start, f.end, f.rule_id))
        self._sent.append(_Sent(f.start, f.end, f.rule_id, str(f.category)))

    # ------------------------------------------------------------------ out
    def messages_after(self, seq: int) -> list[dict[str, Any]]:
        """The findings sent after ``seq`` (0: all of them), for a client that resumes."""
        with self._lock:
            return list(self.outbox[max(seq, 0) :])

    @property
    def last_seq(self) -> int:
        return len(self.outbox)

    @property
    def blocked(self) -> bool:
        return any(m.get("severity") == Severity.BLOCK.value for m in self.outbox)

    def transcript(self) -> Transcript:
        name = _UNSAFE.sub("_", self.broadcast_id).strip("_")[:80] or "broadcast"
        return Transcript(list(self.cues), f"live-{name}.json", "live")

    def raw(self) -> bytes:
        """What the session received (final segments and the timeline), for the entry's input hash."""
        doc = {
            "broadcast_id": self.broadcast_id,
            "segments": [[c.start_ms, c.end_ms, c.text] for c in self.cues],
            "slots": [[s.start_ms, s.end_ms, s.sku] for s in self.slots],
        }
        return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    def to_audit(
        self, *, record: bool = True, report_dir: Path | None = None, meta: dict[str, Any] | None = None
    ) -> AuditOutcome:
        """The whole broadcast as one audit (reports and the review-record entry, as for a transcript).

        Called once: later calls answer the same outcome. A broadcast without a final segment is
        neither recorded nor reported (``record_seq`` and ``reports`` are None)."""
        with self._lock:
            if self.recorded is not None:
                return self.recorded
            self.ended = True
            if not self.cues:
                record, report_dir = False, None
            outcome = audit_transcript(
                self.services,
                self.transcript(),
                self.run_sheet(),
                raw=self.raw(),
                subject=self.broadcast_id,
                context=self.context,
                record=record,
                report_dir=report_dir,
                meta={"source": "live", "findings_sent": len(self.outbox), **(meta or {})},
            )
            self.recorded = outcome
            return outcome


def _error(code: str, message: str) -> dict[str, Any]:
    return ErrorMessage(code=code, message=message).to_json_dict()
