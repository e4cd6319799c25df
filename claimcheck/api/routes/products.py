"""``/v1/products``: the product record store."""

from __future__ import annotations

from fastapi import APIRouter

from claimcheck.api.deps import ApiKeyDep, ServicesDep
from claimcheck.service import products as product_service
from claimcheck.store.schema import ProductRecord

router = APIRouter(prefix="/v1/products", tags=["products"])


@router.get("", summary="List products in the store")
def list_products(services: ServicesDep) -> list[dict[str, str]]:
    return [{"sku": r.sku, "name": r.name, "category": r.category} for r in product_service.list_products(services)]


@router.get("/{sku}", response_model=ProductRecord, summary="One product record")
def get_product(sku: str, services: ServicesDep) -> ProductRecord:
    return product_service.get_product(services, sku)


@router.post("", summary="Import product records (all or nothing)")
def import_products(records: list[ProductRecord], services: ServicesDep, _key: ApiKeyDep) -> dict:
    return {"imported": product_service.import_records(services, records)}
