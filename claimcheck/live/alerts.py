"""Webhook alerts for blocking findings: signed JSON POSTs, retried with back-off, off the screening path.

Each blocking finding of a broadcast that names a webhook URL is POSTed as
``{"type": "alert", "broadcast_id", "finding"}`` (the finding as the live stream sends it). The
body is signed with HMAC-SHA256 under ``CLAIMCHECK_LIVE_WEBHOOK_SECRET``:
``X-Claimcheck-Signature: sha256=<hex of HMAC(secret, timestamp + "." + body)>`` with the
``X-Claimcheck-Timestamp`` (Unix seconds) it covers, so a receiver can refuse replays. Delivery
runs on one daemon thread per process: a failed POST (no answer, or not 2xx) is retried after
0.5, 1, 2, … seconds, ``live_webhook_attempts`` times in all, then dropped with a log line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Claimcheck-Signature"
TIMESTAMP_HEADER = "X-Claimcheck-Timestamp"
TIMEOUT_S = 5.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` over ``timestamp.body``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver checks (constant-time)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def check_url(url: str) -> str | None:
    """Why ``url`` cannot be a webhook, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"webhook must be an http(s) URL, got {url[:80]!r}"
    if len(url) > 2000:
        return "webhook URL longer than 2000 characters"
    return None


@dataclass(frozen=True)
class Alert:
    url: str
    body: bytes
    secret: str
    attempts: int
    backoff_s: float


class AlertSender:
    """A queue of alerts and the thread that delivers them."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Alert] = queue.Queue(maxsize=10_000)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.delivered = 0
        self.dropped = 0

    def send(
        self, url: str, payload: dict[str, Any], *, secret: str, attempts: int = 4, backoff_s: float = 0.5
    ) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            self._queue.put_nowait(Alert(url, body, secret, attempts, backoff_s))
        except queue.Full:
            self.dropped += 1
            log.warning("webhook queue full: alert for %s dropped", url)
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="claimcheck-webhooks", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            alert = self._queue.get()
            try:
                if self._deliver(alert):
                    self.delivered += 1
                else:
                    self.dropped += 1
            finally:
                self._queue.task_done()

    def _deliver(self, alert: Alert) -> bool:
        delay = alert.backoff_s
        for attempt in range(1, alert.attempts + 1):
            timestamp = str(int(time.time()))
            request = urllib.request.Request(
                alert.url,
                data=alert.body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    TIMESTAMP_HEADER: timestamp,
                    SIGNATURE_HEADER: sign(alert.secret, timestamp, alert.body),
                    "User-Agent": "claimcheck-live",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                    if 200 <= response.status < 300:
                        return True
            except (urllib.error.URLError, OSError, ValueError) as exc:
                log.info("webhook %s attempt %d failed: %s", alert.url, attempt, exc)
            if attempt < alert.attempts:
                time.sleep(delay)
                delay *= 2
        log.warning("webhook %s: alert dropped after %d attempts", alert.url, alert.attempts)
        return False

    def join(self, timeout: float = 30.0) -> bool:
        """Wait until every queued alert was delivered or dropped (tests, the CLI at exit)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True


_sender: AlertSender | None = None
_sender_lock = threading.Lock()


def sender() -> AlertSender:
    """The process's alert sender."""
    global _sender
    with _sender_lock:
        if _sender is None:
            _sender = AlertSender()
        return _sender
