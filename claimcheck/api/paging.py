"""Paging of list routes: ``limit``/``offset`` with bounds, the total and the next page in headers.

The body stays a plain list, so existing clients keep working; ``X-Total-Count``
and an RFC 8288 ``Link: <…>; rel="next"`` (relative, never built from the Host
header) tell a client how to go on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query, Request, Response

from claimcheck.api.schemas import PAGE_HEADERS

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip (the first page is 0).")]

#: the 200 response of a paged route, with its headers documented
PAGED_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"description": "One page of items.", "headers": PAGE_HEADERS}}


def page(items: Sequence[T], limit: int, offset: int, request: Request, response: Response) -> list[T]:
    """One page of ``items``; sets the total and, when more follow, the link to the next page."""
    total = len(items)
    response.headers["X-Total-Count"] = str(total)
    if offset + limit < total:
        query = request.url.include_query_params(limit=limit, offset=offset + limit).query
        response.headers["Link"] = f'<{request.url.path}?{query}>; rel="next"'
    return list(items[offset : offset + limit])
