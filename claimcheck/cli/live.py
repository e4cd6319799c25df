"""``claimcheck live``: audit a broadcast while it runs, from JSON-line messages or a growing file.

Messages (docs/LIVE.md) come from standard input, or ``--follow FILE`` polls a file that a
recogniser is still writing (JSON lines, or SRT blocks; a partly written last line or block waits
for the rest). Findings are printed as they are found; a malformed message is one line on stderr
and the stream goes on. At ``end`` (or the end of input, or ``--idle`` seconds without growth when
following) the broadcast is recorded as one audit, as ``claimcheck audit`` records a transcript.
Exit code 1 if a finding blocks, else 0; 2 for usage errors.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from claimcheck.cli.common import DbOption, FormatOption, OutputFormat, emit_json, parse_date, print_note, services
from claimcheck.context import DocContext
from claimcheck.errors import EXIT_BLOCK, EXIT_OK, InputError
from claimcheck.io import srt
from claimcheck.labels import Labels
from claimcheck.live import LiveSession, alerts

POLL_S = 0.2


def _ms(ms: int | None) -> str:
    if ms is None:
        return "--:--:--"
    s = ms // 1000
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def readable(msg: dict[str, Any], labels: Labels) -> str:
    """One Chinese line: time, SKU, category, severity and the words said."""
    category = labels.category(msg["category"])
    severity = labels.severities.get(msg["severity"], msg["severity"])
    return (
        f"[{_ms(msg.get('start_ms'))}–{_ms(msg.get('end_ms'))}] 商品 {msg.get('sku') or '-'}  "
        f"{category}  {severity}  「{msg['text']}」  #{msg['seq']}"
    )


def _lines_from_stdin() -> Iterator[str]:
    yield from sys.stdin


def _follow(path: Path, idle_s: float) -> Iterator[str | dict[str, Any]]:
    """New complete lines (or SRT blocks, as segment messages) of a growing file; stops after ``idle_s`` idle."""
    is_srt = path.suffix.lower() == ".srt"
    buffer = ""
    last_growth = time.monotonic()
    with path.open("rb") as fh:
        pending = b""
        while True:
            chunk = fh.read(65536)
            if chunk:
                last_growth = time.monotonic()
                pending += chunk
                # an incomplete UTF-8 sequence at the end waits for its remaining bytes
                try:
                    text = pending.decode("utf-8")
                    pending = b""
                except UnicodeDecodeError as exc:
                    if exc.start < len(pending) - 3:
                        text = pending.decode("utf-8", errors="replace")
                        pending = b""
                    else:
                        text, pending = pending[: exc.start].decode("utf-8"), pending[exc.start :]
                buffer += text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
                if is_srt:
                    cut = buffer.rfind("\n\n")
                    if cut >= 0:
                        block, buffer = buffer[: cut + 2], buffer[cut + 2 :]
                        yield from _srt_segments(block, path.name)
                else:
                    *complete, buffer = buffer.split("\n")
                    yield from complete
                continue
            if time.monotonic() - last_growth > idle_s:
                break
            time.sleep(POLL_S)
    if buffer.strip():  # what was left when the file stopped growing
        yield from (_srt_segments(buffer, path.name) if is_srt else [buffer])


def _srt_segments(block: str, source: str) -> Iterator[str | dict[str, Any]]:
    if not block.strip():
        return
    try:
        cues = srt.parse(block, source)
    except InputError as exc:
        yield {"type": "error", "code": "invalid_input", "message": str(exc)}
        return
    for c in cues:
        yield {"type": "segment", "start_ms": c.start_ms, "end_ms": c.end_ms, "text": c.text, "final": True}


_BLANK = re.compile(r"^\s*$")


def live(
    broadcast_id: Annotated[str, typer.Option("--broadcast-id", help="Broadcast id for the record.")] = "live",
    follow: Annotated[
        Path | None, typer.Option("--follow", help="Follow a growing JSON-lines or .srt file instead of stdin.")
    ] = None,
    idle: Annotated[
        float, typer.Option("--idle", min=0.1, help="With --follow: end after this many seconds without growth.")
    ] = 300.0,
    on: Annotated[str | None, typer.Option("--date", help="Broadcast date YYYY-MM-DD (default today).")] = None,
    category: Annotated[str | None, typer.Option("--category", "-c", help="Product category id or name.")] = None,
    database_url: DbOption = None,
    report_dir: Annotated[Path | None, typer.Option("--report-dir", help="Report folder (default: ./reports).")] = None,
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook", help="POST signed alerts for blocking findings here (CLAIMCHECK_LIVE_WEBHOOK_SECRET)."
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.table,
    no_record: Annotated[bool, typer.Option("--no-record", help="Do not write to the review record.")] = False,
) -> None:
    """Audit a broadcast live: JSON-line segments in, findings out as they are said (docs/LIVE.md)."""
    if follow is not None and not follow.is_file():
        raise InputError(f"{follow}: file not found")
    svc = services(database_url=database_url)
    session = LiveSession(
        svc, broadcast_id, context=DocContext(product_category=category, broadcast_date=parse_date(on))
    )
    if webhook is not None and (problem := session.set_webhook(webhook)) is not None:
        raise InputError(f"--webhook: {problem}")
    labels = svc.engine.lexicon.labels
    source: Iterator[str | dict[str, Any]] = _follow(follow, idle) if follow is not None else _lines_from_stdin()
    lineno = 0
    try:
        for item in source:
            lineno += 1
            if isinstance(item, str) and _BLANK.match(item):
                continue
            if isinstance(item, dict) and item.get("type") == "error":  # an SRT block that does not parse
                print_note(f"{item['message']} ({item['code']})")
                continue
            update = session.handle_raw(item)
            for msg in update.out:
                if msg["type"] == "error":
                    print_note(f"第 {lineno} 条消息：{msg['message']} ({msg['code']})")
                elif output_format is OutputFormat.json:
                    emit_json(msg, indent=None)
                else:
                    typer.echo(readable(msg, labels))
                sys.stdout.flush()
            if update.ended:
                break
    except KeyboardInterrupt:
        print_note("中断：记录已收到的内容 (interrupted: recording what was received)")
    if session.webhook is not None and not alerts.sender().join(timeout=60):
        print_note("webhook: alerts still undelivered at exit")
    outcome = session.to_audit(
        record=not no_record, report_dir=report_dir or svc.settings.report_dir, meta={"source": "cli"}
    )
    if output_format is OutputFormat.json:
        emit_json(
            {
                "type": "recorded",
                "seq": outcome.record_seq,
                "reports": [str(p) for p in outcome.reports or ()],
                "verdict": str(outcome.result.verdict),
            },
            indent=None,
        )
    else:
        where = f"审核记录 #{outcome.record_seq}" if outcome.record_seq is not None else "未写入审核记录"
        typer.echo(f"直播结束：{len(session.cues)} 段，{session.last_seq} 条发现，{where}")
    raise typer.Exit(EXIT_BLOCK if outcome.result.verdict == "block" else EXIT_OK)
