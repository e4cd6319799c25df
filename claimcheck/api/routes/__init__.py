"""One APIRouter per resource: score, screen/audit, products, ledger."""
