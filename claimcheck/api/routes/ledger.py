"""``/v1/ledger``: the review record: entries, verification, decisions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from claimcheck.api.deps import ApiKeyDep, ServicesDep
from claimcheck.api.schemas import DecisionRequest, DecisionResponse
from claimcheck.service import review

router = APIRouter(prefix="/v1/ledger", tags=["review record"])


@router.get("", summary="Review-record entries")
def list_entries(
    services: ServicesDep,
    sku: str | None = None,
    kind: str | None = None,
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
) -> list[dict[str, Any]]:
    return review.list_entries(services, sku=sku, kind=kind, date_from=date_from, date_to=date_to)


@router.get("/verify", summary="Verify the hash chain")
def verify(services: ServicesDep) -> dict[str, Any]:
    report = review.verify(services)
    return {
        "ok": report.ok,
        "entries": report.entries,
        "first_bad_seq": report.first_bad_seq,
        "problem": report.problem,
    }


@router.get("/{seq}", summary="One entry with its decisions")
def get_entry(seq: int, services: ServicesDep) -> dict[str, Any]:
    return review.get_entry(services, seq)


@router.post("/{seq}/decisions", response_model=DecisionResponse, summary="Confirm or dismiss a finding")
def decide(seq: int, body: DecisionRequest, services: ServicesDep, _key: ApiKeyDep) -> DecisionResponse:
    d = review.record_decision(services, seq, body.finding_index, body.decision, body.reason, body.reviewer)
    return DecisionResponse(decision_seq=d)
