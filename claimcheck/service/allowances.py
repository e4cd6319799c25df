"""Allowed contexts: an admin turns a dismissed false alarm into "in this context, never flag this phrase".

An allowed context is data (``allowed_contexts``: the phrase, the context it is allowed in, the
rule or category it covers, who made it, when and why, and the dismissed finding it came from).
Every recorded screening and audit loads the active set (:func:`with_allowances`) and passes it
to the engine in its :class:`DocContext`, so a new one applies to the next screening without a
restart; the engine's last step lowers a matching finding to info and says so in its explanation,
and the result's versions name the set (``allowances@<hash>``).

The review record keeps a hash of the screened text, not the text. For new records the sentence
around each finding is kept in the entry's ``meta.finding_contexts`` (:func:`finding_contexts`);
older records only have the finding's own text, so for them a context must be given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Literal

from claimcheck.clock import to_local
from claimcheck.context import AllowanceSet, AllowedContext, DocContext
from claimcheck.errors import ConflictError, InputError, NotFoundError
from claimcheck.ledger.chain import RECORD_KINDS
from claimcheck.service.app import Services
from claimcheck.store import allowances as table
from claimcheck.store.models import ALLOWED_CONTEXT_LEN, ALLOWED_PHRASE_LEN
from claimcheck.types import Finding

Scope = Literal["rule", "category", "any"]
SCOPES: tuple[str, ...] = ("rule", "category", "any")
MAX_REASON = 2000
#: where a sentence ends, and (for a long sentence) where a clause does
_SENTENCE_END = frozenset("。！？!?；;\n\r")
_CLAUSE_END = _SENTENCE_END | frozenset("，,、")
_REACH = 60  # at most this many characters either side of a finding
_LONG = 80  # a sentence longer than this is cut to the finding's clause


class AllowanceError(InputError):
    """An allowed-context request that cannot be carried out; the message says why."""


class UnknownAllowance(AllowanceError, NotFoundError):
    http_status = NotFoundError.http_status
    code = NotFoundError.code


# ------------------------------------------------------------------ the text around a finding
def finding_context(text: str, start: int, end: int) -> str:
    """The sentence around ``text[start:end]`` (its clause when the sentence is long), stripped."""
    lo, hi = _around(text, start, end, _SENTENCE_END)
    if hi - lo > _LONG:
        lo, hi = _around(text, start, end, _CLAUSE_END)
    while lo < start and text[lo].isspace():
        lo += 1
    while hi > end and text[hi - 1].isspace():
        hi -= 1
    return text[lo:hi]


def _around(text: str, start: int, end: int, stops: frozenset[str]) -> tuple[int, int]:
    lo = start
    while lo > 0 and start - lo < _REACH and text[lo - 1] not in stops:
        lo -= 1
    hi = end
    while hi < len(text) and hi - end < _REACH and text[hi] not in stops:
        hi += 1
    return lo, hi


def finding_contexts(text: str, findings: Sequence[Finding]) -> list[str]:
    """Per finding, in order: the sentence around it (kept in the review record's entry)."""
    return [finding_context(text, f.start, f.end) for f in findings]


# ------------------------------------------------------------------ the active set, for screening
def active_set(services: Services) -> AllowanceSet | None:
    """The active allowed contexts, read now (one query); None when there are none."""
    url = services.settings.database_url
    if not table.database_exists(url):
        return None
    rows = table.list_allowances(url)
    if not rows:
        return None
    items = tuple(
        AllowedContext(
            id=r["id"],
            phrase=r["phrase"],
            context=r["context"],
            rule_id=r["rule_id"],
            category=r["category"],
            created_by=r["created_by"],
            created_on=to_local(r["created_at"]).date().isoformat(),
            reason=r["reason"],
        )
        for r in rows
    )
    content = [[a.id, a.phrase, a.context, a.rule_id, a.category, a.created_by, a.reason] for a in items]
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()[:12]
    return AllowanceSet(version=digest, items=items)


def with_allowances(services: Services, context: DocContext) -> DocContext:
    """``context`` carrying the allowed contexts active now."""
    return context.with_(allowances=active_set(services))


# ------------------------------------------------------------------ making, listing, removing
def _current_decision(entry: dict[str, Any], finding_index: int) -> dict[str, Any] | None:
    mine = [d for d in entry.get("decisions", []) if d.get("finding_index") == finding_index]
    return max(mine, key=lambda d: d["seq"]) if mine else None


def create_from_decision(
    services: Services,
    record_seq: int,
    finding_index: int,
    reason: str,
    created_by: str,
    *,
    context: str | None = None,
    scope: Scope = "rule",
) -> dict[str, Any]:
    """Make an allowed context from a finding whose current decision is a dismissal; returns the stored row.

    The phrase is the finding's text; the context is ``context`` when given (it must contain the
    phrase), else the sentence the record kept around the finding. ``scope`` says what it covers:
    the finding's rule, its category, or any finding on that phrase in that context."""
    reason = (reason or "").strip()
    if not reason:
        raise AllowanceError("a reason is required: say why this phrase is not a violation in this context")
    if len(reason) > MAX_REASON:
        raise AllowanceError(f"the reason is longer than {MAX_REASON} characters")
    if scope not in SCOPES:
        raise AllowanceError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    entry = services.ledger.get(record_seq)  # EntryNotFound for an unknown seq
    if entry["kind"] not in RECORD_KINDS:
        raise AllowanceError(f"entry {record_seq} is a {entry['kind']}, not a screening or audit record")
    findings = entry["payload"].get("findings", [])
    if not 0 <= finding_index < len(findings):
        valid = f" (valid: 0..{len(findings) - 1})" if findings else ""
        raise AllowanceError(
            f"record {record_seq} has {len(findings)} finding(s); there is no finding {finding_index}{valid}"
        )
    decision = _current_decision(entry, finding_index)
    if decision is None or decision.get("decision") != "dismiss":
        now = (
            "it has no decision"
            if decision is None
            else f"its current decision (entry {decision['seq']}) is {decision['decision']}"
        )
        raise AllowanceError(
            f"finding {finding_index} of record {record_seq} is not a dismissed false alarm ({now}); "
            "dismiss it first with `claimcheck ledger decide`"
        )
    finding = findings[finding_index]
    phrase = str(finding.get("text") or "")
    kept = entry["payload"].get("meta", {}).get("finding_contexts")
    recorded = kept[finding_index] if isinstance(kept, list) and finding_index < len(kept) else None
    chosen = (context if context is not None else recorded or phrase).strip()
    _check_texts(phrase, chosen, finding, record_seq, finding_index, given=context is not None)
    rule_id = finding.get("rule_id") if scope == "rule" else None
    category = finding.get("category") if scope == "category" else None
    for other in table.list_allowances(services.settings.database_url):
        if (other["phrase"], other["context"], other["rule_id"], other["category"]) == (
            phrase,
            chosen,
            rule_id,
            category,
        ):
            raise ConflictError(f"“{phrase}” in “{chosen}” is already allowed (#{other['id']})")
    return table.add_allowance(
        services.settings.database_url,
        phrase=phrase,
        context=chosen,
        rule_id=rule_id,
        category=category,
        created_by=created_by,
        reason=reason,
        source_record_seq=record_seq,
        source_finding_index=finding_index,
        source_decision_seq=decision["seq"],
    )


def _check_texts(
    phrase: str, context: str, finding: dict[str, Any], record_seq: int, finding_index: int, *, given: bool
) -> None:
    if not phrase.strip():
        raise AllowanceError(f"finding {finding_index} of record {record_seq} has no text to allow")
    if len(phrase) > ALLOWED_PHRASE_LEN:
        raise AllowanceError(f"the finding's text is longer than {ALLOWED_PHRASE_LEN} characters; allow a shorter one")
    if len(context) > ALLOWED_CONTEXT_LEN:
        raise AllowanceError(f"the context is longer than {ALLOWED_CONTEXT_LEN} characters")
    if phrase not in context:
        raise AllowanceError(f"the context “{context}” does not contain the flagged text “{phrase}”")
    whole_unit = str(finding.get("rule_id") or "").startswith("classifier.")
    if context == phrase and not whole_unit and not given:
        raise AllowanceError(
            f"record {record_seq} keeps no text around finding {finding_index} (“{phrase}”): give --context, "
            "the passage in which it is allowed"
        )


def list_all(services: Services, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    return table.list_allowances(services.settings.database_url, include_inactive=include_inactive)


def remove(services: Services, allowance_id: int, removed_by: str) -> bool:
    """Deactivate an allowed context (kept, with who removed it); True if it was active, False if already removed."""
    outcome = table.deactivate_allowance(services.settings.database_url, allowance_id, removed_by)
    if outcome is None:
        raise UnknownAllowance(f"there is no allowed context #{allowance_id}")
    return outcome
