"""The public Python API's convenience functions: ``claimcheck.screen`` and ``claimcheck.audit``.

Both use one default engine, built on first use from ``Settings()`` (the ``CLAIMCHECK_*``
environment) and shared by every later call in the process. Nothing is recorded and no report
is written: the review record belongs to ``claimcheck screen`` / ``audit`` and the HTTP service.
"""

from __future__ import annotations

import threading
from pathlib import Path

from claimcheck.config import Settings
from claimcheck.context import DocContext
from claimcheck.engine import Engine
from claimcheck.io.cues import Transcript
from claimcheck.io.runsheet import RunSheet, read_run_sheet
from claimcheck.io.transcripts import read_transcript
from claimcheck.service.auditing import audit as audit_transcript
from claimcheck.types import ScreenResult

_lock = threading.Lock()
_engine: Engine | None = None


def default_engine() -> Engine:
    """The process's shared engine (built once, on first use, from ``Settings()``)."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = Engine.from_settings(Settings())
    return _engine


def screen(text: str, category: str | None = None, sku: str | None = None) -> ScreenResult:
    """Screen one text (a script, a selling point) with the default engine.

    ``category``: a product category id or Chinese name (e.g. ``food``, ``特殊化妆品``); ``sku``: a
    product in the configured product store to cross-check claims against."""
    return default_engine().screen(text, DocContext(product_category=category, sku=sku))


def audit(path_or_transcript: str | Path | Transcript, run_sheet: str | Path | RunSheet | None = None) -> ScreenResult:
    """Audit a broadcast transcript (SRT, WebVTT, ASR JSON or ``[hh:mm:ss]`` text, a path or a parsed
    :class:`Transcript`) with the default engine; ``run_sheet`` (CSV ``start,end,sku``) says which product
    was on sale when. Findings carry ``start_ms`` / ``end_ms`` and the SKU on sale."""
    engine = default_engine()
    max_bytes = engine.settings.max_input_bytes if engine.settings is not None else Settings().max_input_bytes
    transcript = (
        path_or_transcript
        if isinstance(path_or_transcript, Transcript)
        else read_transcript(path_or_transcript, max_bytes)
    )
    sheet = run_sheet if run_sheet is None or isinstance(run_sheet, RunSheet) else read_run_sheet(run_sheet, max_bytes)
    return audit_transcript(engine, transcript, sheet).result
