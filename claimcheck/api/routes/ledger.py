"""``/v1/ledger``: the review record: entries, verification, decisions.

Entries name reviewers and products, so the read routes sit on ``read_router``,
which the app guards with the ``read`` scope unless ``require_read_key`` is off.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from claimcheck.api.deps import ApiKeyDep, ServicesDep
from claimcheck.api.paging import DEFAULT_LIMIT, PAGED_RESPONSE, Limit, Offset, page
from claimcheck.api.schemas import (
    MAX_SEQ,
    MAX_SKU_CHARS,
    SKU_PATTERN,
    DecisionRequest,
    DecisionResponse,
    IsoDate,
    error_responses,
)
from claimcheck.errors import InputError
from claimcheck.ledger import EntryNotFound
from claimcheck.ledger.chain import KINDS
from claimcheck.service import review

read_router = APIRouter(prefix="/v1/ledger", tags=["review record"])
router = APIRouter(prefix="/v1/ledger", tags=["review record"])


def _existing_seq(seq: int) -> int:
    """404 for a number no entry can have, before it reaches the database (an overflow there was a 500)."""
    if not 1 <= seq <= MAX_SEQ:
        raise EntryNotFound(f"there is no entry {seq} in the review record")
    return seq


@read_router.get(
    "/verify",
    summary="Verify the hash chain",
    responses=error_responses(503),
)
def verify(services: ServicesDep) -> dict[str, Any]:
    report = review.verify(services)
    return {
        "ok": report.ok,
        "entries": report.entries,
        "first_bad_seq": report.first_bad_seq,
        "problem": report.problem,
        "message": report.summary(),
        "truncated": report.truncated,
        "signed": report.signed,
        "unsigned_legacy": report.unsigned,
        "key_id": report.key_id,
        "checkpoint_seq": report.checkpoint_seq,
        "checkpoint_time": report.checkpoint_time,
    }


@read_router.get(
    "",
    summary="Review-record entries (paged, in sequence order)",
    responses={**PAGED_RESPONSE, **error_responses(409, 422, 503)},
)
def list_entries(
    services: ServicesDep,
    request: Request,
    response: Response,
    sku: Annotated[str | None, Query(max_length=MAX_SKU_CHARS, pattern=SKU_PATTERN)] = None,
    kind: Annotated[str | None, Query(json_schema_extra={"enum": list(KINDS)})] = None,
    date_from: Annotated[IsoDate | None, Query(alias="from")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    entries = review.list_entries(services, sku=sku, kind=kind, date_from=date_from, date_to=date_to)
    return page(entries, limit, offset, request, response)


@read_router.get("/{seq}", summary="One entry with its decisions", responses=error_responses(404, 409, 422, 503))
def get_entry(seq: int, services: ServicesDep) -> dict[str, Any]:
    return review.get_entry(services, _existing_seq(seq))


@router.post(
    "/{seq}/decisions",
    response_model=DecisionResponse,
    summary="Confirm or dismiss a finding",
    responses=error_responses(400, 401, 403, 404, 409, 413, 422, 503),
)
def decide(seq: int, body: DecisionRequest, services: ServicesDep, _key: ApiKeyDep) -> DecisionResponse:
    _existing_seq(seq)
    who = _key  # the authenticated key's name: a decision is never made "as" free text
    if body.reviewer is not None and body.reviewer.strip() != who:
        raise InputError(f"decisions are recorded as the API key's name ({who}); 'reviewer' cannot name someone else")
    d = review.record_decision(
        services,
        seq,
        body.finding_index,
        body.decision,
        body.reason,
        who,
        via="api-key",
        supersedes=body.supersedes,
    )
    return DecisionResponse(decision_seq=d)
