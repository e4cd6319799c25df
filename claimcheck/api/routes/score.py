"""``POST /v1/score``: screen one text or a batch; nothing is recorded.

A coroutine: the body is parsed and the answer written on the event loop, the screening
itself runs on the worker's bounded screening pool (:func:`~claimcheck.api.deps.run_screening`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from claimcheck.api.deps import EngineDep, resolve_category, run_screening
from claimcheck.api.schemas import ScoreRequest, ScoreResponse, error_responses
from claimcheck.context import DocContext
from claimcheck.service.screening import score_texts

router = APIRouter(prefix="/v1", tags=["score"])


@router.post(
    "/score",
    response_model=ScoreResponse,
    response_model_exclude_none=True,
    summary="Score one text or a batch (nothing recorded)",
    responses=error_responses(400, 404, 413, 422, 503),
)
async def score(body: ScoreRequest, engine: EngineDep, request: Request) -> ScoreResponse:
    texts = [body.text] if body.text is not None else list(body.texts or [])
    context = DocContext(product_category=resolve_category(engine, body.category), sku=body.sku)
    return ScoreResponse(results=await run_screening(request, score_texts, engine, texts, context))
