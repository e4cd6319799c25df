"""JSON from untrusted files and requests: bounded, and every failure one clear ValueError.

``json.loads`` fails on hostile input in ways callers do not expect: nesting
100,000 deep raises RecursionError, an integer of 5,000 digits raises a bare
ValueError from Python's int-size guard (after slow parsing), and ``NaN`` or
``Infinity`` are accepted although JSON has no such numbers. :func:`loads`
turns each into :class:`JSONInputError`, whose message names the problem and,
for syntax errors, the line and column. No claimcheck imports: the transcript
readers, the product importer and the API share it and wrap the error in their own.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_DIGITS", "JSONInputError", "loads"]

#: the most digits an integer may have (no field of a transcript or product record needs more)
MAX_DIGITS = 30


class JSONInputError(ValueError):
    """The text is not JSON that claimcheck reads; the message says why (no source: the caller adds it).

    For a syntax error, ``lineno``, ``colno`` and ``reason`` say where and what (else None)."""

    def __init__(self, message: str, lineno: int | None = None, colno: int | None = None, reason: str | None = None):
        super().__init__(message)
        self.lineno, self.colno, self.reason = lineno, colno, reason


def _int(raw: str) -> int:
    if len(raw) > MAX_DIGITS:  # checked before int(): Python refuses (slowly) over 4,300 digits
        digits = len(raw.lstrip("-"))
        if digits > MAX_DIGITS:
            raise JSONInputError(f"a number with {digits} digits (at most {MAX_DIGITS})")
    return int(raw)


def _constant(name: str) -> Any:
    raise JSONInputError(f"{name} is not a JSON number")


def loads(text: str | bytes) -> Any:
    """Parse JSON; :class:`JSONInputError` for bad syntax, nesting too deep to parse, huge integers, NaN.

    Nesting is bounded by the parser's recursion guard (about 1,000 levels): what loads is
    handled by code that never recurses into values (pydantic, the transcript readers)."""
    if isinstance(text, bytes | bytearray):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise JSONInputError("not UTF-8 text") from None
    try:
        value = json.loads(text, parse_int=_int, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise JSONInputError(
            f"not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})", exc.lineno, exc.colno, exc.msg
        ) from None
    except RecursionError:
        raise JSONInputError("not readable JSON: nested too deeply") from None
    return value
