"""Routes, one APIRouter per resource: score, screen/audit, products, ledger."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile

from claimcheck.api.deps import ApiKeyDep, EngineDep, LedgerDep, SettingsDep
from claimcheck.api.schemas import (
    DecisionRequest,
    DecisionResponse,
    RecordedResult,
    ScoreRequest,
    ScoreResponse,
    ScreenRequest,
)
from claimcheck.store.schema import ProductRecord

score_router = APIRouter(prefix="/v1", tags=["score"])
screen_router = APIRouter(prefix="/v1", tags=["screen and audit"])
products_router = APIRouter(prefix="/v1/products", tags=["products"])
ledger_router = APIRouter(prefix="/v1/ledger", tags=["review record"])


def _bad(message: str, code: int = 422) -> HTTPException:
    return HTTPException(code, message)


def _screen(engine, text: str, **kw):
    from claimcheck.detectors.spec_check import UnknownSKUError
    from claimcheck.lexicons import LexiconError

    try:
        return engine.screen(text, **kw)
    except UnknownSKUError as exc:
        raise _bad(str(exc).strip("'\""), 404) from None
    except LexiconError as exc:
        raise _bad(str(exc)) from None


@score_router.post(
    "/score",
    response_model=ScoreResponse,
    response_model_exclude_none=True,
    summary="Score one text or a batch (nothing recorded)",
)
def score(body: ScoreRequest, engine: EngineDep) -> ScoreResponse:
    texts = [body.text] if body.text is not None else list(body.texts or [])
    return ScoreResponse(results=[_screen(engine, t, product_category=body.category, sku=body.sku) for t in texts])


@screen_router.post(
    "/screen", response_model=RecordedResult, response_model_exclude_none=True, summary="Screen a script and record it"
)
def screen(body: ScreenRequest, engine: EngineDep, ledger: LedgerDep, _key: ApiKeyDep) -> RecordedResult:
    from claimcheck.audit import input_hash

    sections = engine.sections(body.script)
    result = _screen(
        engine,
        body.script,
        product_category=body.category,
        sku=body.sku,
        broadcast_date=body.broadcast_date,
        sections=sections,
    )
    seq = ledger.append_result(  # type: ignore[attr-defined]
        "screening",
        result,
        subject=body.subject or "api",
        sku=body.sku,
        input_hash=input_hash(body.script),
        meta={"source": "api", "broadcast_date": (body.broadcast_date or dt.date.today()).isoformat()},
    )
    return RecordedResult(record_seq=seq, result=result)


async def _save(upload: UploadFile, folder: Path, limit: int) -> Path:
    name = Path(upload.filename or "upload").name
    folder.mkdir(parents=True, exist_ok=True)
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise _bad(f"{name}: larger than {limit} bytes", 413)
    path = folder / name
    path.write_bytes(data)
    return path


@screen_router.post(
    "/audit",
    response_model=RecordedResult,
    response_model_exclude_none=True,
    summary="Audit a transcript with its run sheet",
)
async def audit(
    engine: EngineDep,
    ledger: LedgerDep,
    settings: SettingsDep,
    _key: ApiKeyDep,
    transcript: Annotated[UploadFile, File(description="SRT, WebVTT, ASR JSON or [hh:mm:ss]-stamped text")],
    run_sheet: Annotated[UploadFile | None, File(description="CSV start,end,sku")] = None,
    broadcast_id: Annotated[str | None, Form(max_length=200)] = None,
    broadcast_date: Annotated[dt.date | None, Form()] = None,
) -> RecordedResult:
    from starlette.concurrency import run_in_threadpool

    from claimcheck.audit import audit as run_audit
    from claimcheck.audit import input_hash
    from claimcheck.io.text import InputError
    from claimcheck.io.transcripts import read_run_sheet, read_transcript

    with tempfile.TemporaryDirectory() as tmp:
        t_path = await _save(transcript, Path(tmp), settings.max_input_bytes)
        r_path = await _save(run_sheet, Path(tmp) / "rs", settings.max_input_bytes) if run_sheet else None
        try:
            t = read_transcript(t_path, settings.max_input_bytes)
            rs = read_run_sheet(r_path, settings.max_input_bytes) if r_path else None
        except InputError as exc:
            raise _bad(str(exc)) from None
        raw = t_path.read_bytes()
    outcome = await run_in_threadpool(run_audit, engine, t, rs, broadcast_date=broadcast_date)
    seq = await run_in_threadpool(
        ledger.append_result,  # type: ignore[attr-defined]
        "audit",
        outcome.result,
        subject=broadcast_id or t.source,
        sku=None,
        input_hash=input_hash(raw),
        meta={
            "source": "api",
            "transcript": t.source,
            "format": t.format,
            "broadcast_date": (broadcast_date or dt.date.today()).isoformat(),
        },
    )
    return RecordedResult(record_seq=seq, result=outcome.result)


@products_router.get("", summary="List products in the store")
def list_products(settings: SettingsDep) -> list[dict[str, str]]:
    store = _store(settings)
    return [{"sku": r.sku, "name": r.name, "category": r.category} for r in (store.all() if store.exists() else [])]


@products_router.get("/{sku}", response_model=ProductRecord, summary="One product record")
def get_product(sku: str, settings: SettingsDep) -> ProductRecord:
    store = _store(settings)
    rec = store.get(sku) if store.exists() else None
    if rec is None:
        raise _bad(f"SKU {sku!r} is not in the product store", 404)
    return rec


@products_router.post("", summary="Import product records (all or nothing)")
def import_products(records: list[ProductRecord], settings: SettingsDep, engine: EngineDep, _key: ApiKeyDep) -> dict:
    from claimcheck.lexicons import LexiconError

    fixed = []
    for i, rec in enumerate(records, 1):
        try:
            fixed.append(rec.model_copy(update={"category": engine.lexicon.resolve_product_category(rec.category)}))
        except LexiconError as exc:
            raise _bad(f"record {i} (sku {rec.sku}): category: {exc}") from None
    n = _store(settings).upsert(fixed)
    spec = engine.spec_detector
    if spec is not None:
        spec._record.cache_clear()  # the next screening sees the new records
    return {"imported": n}


def _store(settings):
    from claimcheck.specs.check import SpecNormalizer
    from claimcheck.specs.tables import load_spec_tables
    from claimcheck.store.repository import SpecStore

    return SpecStore(settings.database_url, normalizer=SpecNormalizer(load_spec_tables(settings.spec_tables_dir)))


@ledger_router.get("", summary="Review-record entries")
def list_entries(
    ledger: LedgerDep,
    sku: str | None = None,
    kind: str | None = None,
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
) -> list[dict[str, Any]]:
    return ledger.entries(from_date=date_from, to_date=date_to, sku=sku, kind=kind)  # type: ignore[attr-defined]


@ledger_router.get("/verify", summary="Verify the hash chain")
def verify(ledger: LedgerDep) -> dict[str, Any]:
    report = ledger.verify()  # type: ignore[attr-defined]
    return {
        "ok": report.ok,
        "entries": report.entries,
        "first_bad_seq": report.first_bad_seq,
        "problem": report.problem,
    }


@ledger_router.get("/{seq}", summary="One entry with its decisions")
def get_entry(seq: int, ledger: LedgerDep) -> dict[str, Any]:
    from claimcheck.ledger import LedgerError

    try:
        return ledger.get(seq)  # type: ignore[attr-defined]
    except (LedgerError, KeyError):
        raise _bad(f"no review-record entry {seq}", 404) from None


@ledger_router.post("/{seq}/decisions", response_model=DecisionResponse, summary="Confirm or dismiss a finding")
def decide(seq: int, body: DecisionRequest, ledger: LedgerDep, _key: ApiKeyDep) -> DecisionResponse:
    from claimcheck.ledger import LedgerError

    try:
        d = ledger.add_decision(seq, body.finding_index, body.decision, body.reason, body.reviewer)  # type: ignore[attr-defined]
    except LedgerError as exc:
        raise _bad(str(exc)) from None
    return DecisionResponse(decision_seq=d)
