"""``/v1/products``: the product record store.

Reading shows supplier records, so the read routes sit on ``read_router``, which
the app guards with the ``read`` scope unless ``require_read_key`` is off.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response

from claimcheck.api.deps import ApiKeyDep, ServicesDep
from claimcheck.api.paging import DEFAULT_LIMIT, PAGED_RESPONSE, Limit, Offset, page
from claimcheck.api.schemas import MAX_SKU_CHARS, SKU_PATTERN, ProductSummary, error_responses
from claimcheck.service import products as product_service
from claimcheck.store.schema import ProductRecord

read_router = APIRouter(prefix="/v1/products", tags=["products"])

IMPORT_EXAMPLES: dict[str, Any] = {
    "one record": {
        "summary": "A shirt with its material",
        "value": [
            {
                "sku": "EX-APP-001",
                "name": "示例纯棉衬衫",
                "category": "服装",
                "specs": [{"name": "材质", "value": "100%棉"}],
            }
        ],
    }
}
router = APIRouter(prefix="/v1/products", tags=["products"])


@read_router.get(
    "",
    response_model=list[ProductSummary],
    summary="List products in the store (paged, in SKU order)",
    responses={**PAGED_RESPONSE, **error_responses(422, 503)},
)
def list_products(
    services: ServicesDep, request: Request, response: Response, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> list[ProductSummary]:
    records = sorted(product_service.list_products(services), key=lambda r: r.sku)
    return [
        ProductSummary(sku=r.sku, name=r.name, category=r.category)
        for r in page(records, limit, offset, request, response)
    ]


@read_router.get(
    "/{sku}",
    response_model=ProductRecord,
    summary="One product record",
    responses=error_responses(404, 422, 503),
)
def get_product(
    sku: Annotated[str, Path(max_length=MAX_SKU_CHARS, pattern=SKU_PATTERN)], services: ServicesDep
) -> ProductRecord:
    return product_service.get_product(services, sku)


@router.post(
    "",
    summary="Import product records (all or nothing)",
    responses=error_responses(400, 401, 403, 409, 413, 422, 503),
)
def import_products(
    records: Annotated[list[ProductRecord], Body(min_length=1, openapi_examples=IMPORT_EXAMPLES)],
    services: ServicesDep,
    _key: ApiKeyDep,
) -> dict[str, int]:
    return {"imported": product_service.import_records(services, records)}
