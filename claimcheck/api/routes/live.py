"""``WS /v1/live/{broadcast_id}``: live audit of a broadcast (messages in docs/LIVE.md).

The client sends segment, product, runsheet and end messages as JSON texts; the server answers
findings (each with its ``seq``) and errors (the stream goes on). Screening runs on the worker's
bounded screening pool, never on the event loop. Each connection has a bounded outgoing queue:
a client too slow to drain it is disconnected (close code 1013) rather than holding anything up,
and may reconnect with ``?resume=<last seq>``. Sessions live in memory, per worker, keyed by
broadcast id, so a reconnect to the same worker replays the findings after that seq and goes on.
``end``, or ``live_idle_seconds`` without a message, records the broadcast as one audit; the
socket answers ``{"type": "recorded", "seq", "reports"}`` and closes. A session whose clients
went away is recorded by the same idle rule.

``?webhook=<url>`` (or a ``webhook`` message) sends signed alerts for blocking findings there
(:mod:`claimcheck.live.alerts`).

The API key (``write`` scope) comes in ``X-API-Key``, ``Authorization: Bearer`` or ``?key=``;
a missing or wrong key is answered with an error message and close code 4401 (4403 without the
scope).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketState

from claimcheck.api.deps import key_name, run_screening
from claimcheck.errors import ClaimcheckError
from claimcheck.live import LiveSession
from claimcheck.live.messages import MAX_MESSAGE_BYTES
from claimcheck.service import Services

router = APIRouter(tags=["live"])
log = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TRY_AGAIN = 1013
MAX_BROADCAST_ID = 200


@dataclass
class LiveRegistry:
    """The live sessions of one worker, and how many connections each has."""

    sessions: dict[str, LiveSession] = field(default_factory=dict)
    connections: dict[str, int] = field(default_factory=dict)
    reaper: asyncio.Task[None] | None = None


def registry(websocket: WebSocket) -> LiveRegistry:
    state = websocket.app.state
    reg: LiveRegistry | None = getattr(state, "live_registry", None)
    if reg is None:
        reg = state.live_registry = LiveRegistry()
    return reg


def _presented_key(websocket: WebSocket) -> str | None:
    header = websocket.headers.get("x-api-key")
    if header:
        return header
    auth = websocket.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return websocket.query_params.get("key")


def _record(session: LiveSession, services: Services) -> dict[str, Any]:
    outcome = session.to_audit(report_dir=services.settings.report_dir, meta={"source": "api"})
    return {
        "type": "recorded",
        "seq": outcome.record_seq,
        "verdict": str(outcome.result.verdict),
        "reports": [p.name for p in outcome.reports or ()],
    }


async def _reap(app: Any, reg: LiveRegistry, services: Services) -> None:
    """Record sessions that have had no connection and no message for ``live_idle_seconds``."""
    idle = services.settings.live_idle_seconds
    while True:
        await asyncio.sleep(min(max(idle / 4, 0.05), 5.0))
        now = time.monotonic()
        for broadcast_id, session in list(reg.sessions.items()):
            if reg.connections.get(broadcast_id, 0) == 0 and now - session.last_activity > idle:
                reg.sessions.pop(broadcast_id, None)
                with contextlib.suppress(Exception):  # a failed record must not stop the reaper
                    await asyncio.get_running_loop().run_in_executor(
                        app.state.screening_pool, _record, session, services
                    )


@router.websocket("/v1/live/{broadcast_id}")
async def live(websocket: WebSocket, broadcast_id: str) -> None:
    await websocket.accept()
    services: Services = websocket.app.state.services
    try:
        key_name(websocket, "write", _presented_key(websocket))
    except ClaimcheckError as exc:
        await websocket.send_json({"type": "error", "code": exc.code, "message": str(exc)})
        await websocket.close(CLOSE_FORBIDDEN if exc.http_status == 403 else CLOSE_UNAUTHORIZED)
        return
    raw_resume = websocket.query_params.get("resume")
    if (
        len(broadcast_id) > MAX_BROADCAST_ID
        or not broadcast_id.isprintable()
        or (raw_resume is not None and not (raw_resume.isascii() and raw_resume.isdigit() and len(raw_resume) < 10))
    ):
        await websocket.send_json(
            {"type": "error", "code": "invalid_input", "message": "bad broadcast id or resume (a seq number)"}
        )
        await websocket.close(1008)
        return
    reg = registry(websocket)
    if reg.reaper is None or reg.reaper.done():
        reg.reaper = asyncio.create_task(_reap(websocket.app, reg, services))
    session = reg.sessions.get(broadcast_id)
    if session is not None and session.recorded is not None:  # recorded: the id starts a new broadcast
        reg.sessions.pop(broadcast_id, None)
        session = None
    if session is None:
        session = await run_screening(websocket, LiveSession, services, broadcast_id)
        session = reg.sessions.setdefault(broadcast_id, session)
    webhook = websocket.query_params.get("webhook")
    problem = session.set_webhook(webhook) if webhook else None
    if problem is not None:
        await websocket.send_json({"type": "error", "code": "invalid_input", "message": problem})
    reg.connections[broadcast_id] = reg.connections.get(broadcast_id, 0) + 1
    try:
        await _serve(websocket, session, reg, services, int(raw_resume) if raw_resume is not None else None)
    finally:
        reg.connections[broadcast_id] -= 1
        if reg.connections[broadcast_id] <= 0:
            reg.connections.pop(broadcast_id, None)


async def _serve(
    websocket: WebSocket, session: LiveSession, reg: LiveRegistry, services: Services, resume: int | None
) -> None:
    settings = services.settings
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=settings.live_queue_size)

    replay = session.messages_after(resume) if resume is not None else []

    async def sender() -> None:
        for old in replay:  # the backlog of a resumed client, whatever its length, then the queue
            await websocket.send_json(old)
        while (msg := await queue.get()) is not None:
            await websocket.send_json(msg)

    send_task = asyncio.create_task(sender())

    def put(msgs: list[dict[str, Any]]) -> bool:
        for m in msgs:
            try:
                queue.put_nowait(m)
            except asyncio.QueueFull:
                return False
        return True

    async def finish(code: int, reason: str = "", *, drain: bool = False) -> None:
        if drain:  # let the sender send what is queued, then stop
            with contextlib.suppress(Exception):
                await asyncio.wait_for(queue.put(None), timeout=10)
                await asyncio.wait_for(send_task, timeout=10)
        send_task.cancel()
        with contextlib.suppress(BaseException):
            await send_task
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close(code, reason)

    slow = f"client too slow: reconnect with ?resume=<last seq> (queue of {settings.live_queue_size} full)"
    while True:
        try:
            event = await asyncio.wait_for(websocket.receive(), timeout=settings.live_idle_seconds)
        except TimeoutError:
            break  # idle: record
        if event["type"] == "websocket.disconnect":
            await finish(1000)
            return  # the session stays for a resume; the reaper records it once idle
        data = event.get("text") if event.get("text") is not None else event.get("bytes")
        if data is None:
            continue
        if len(data) > MAX_MESSAGE_BYTES:
            update_out = [{"type": "error", "code": "too_large", "message": f"message over {MAX_MESSAGE_BYTES} bytes"}]
            ended = False
        else:
            update = await run_screening(websocket, session.handle_raw, data)
            update_out, ended = update.out, update.ended
        if not put(update_out):
            await finish(CLOSE_TRY_AGAIN, slow[:120])
            return
        if ended:
            break
    try:
        recorded = await run_screening(websocket, _record, session, services)
    except ClaimcheckError as exc:
        recorded = {"type": "error", "code": exc.code, "message": str(exc)}
    except Exception:
        log.exception("live %s: recording failed", session.broadcast_id)
        recorded = {"type": "error", "code": "internal", "message": "the broadcast could not be recorded"}
    if reg.sessions.get(session.broadcast_id) is session:
        reg.sessions.pop(session.broadcast_id, None)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(queue.put(recorded), timeout=10)
    await finish(1000, drain=True)
