"""The request-body limit, enforced while the body arrives (pure ASGI middleware).

Content-Length alone is not enough: a chunked body declares no length, and a
multipart upload is spooled to disk by the form parser as it is read. So every
``http.request`` message is counted on its way to the app; once the count passes
the limit the app's next read fails, nothing more is read, and the client gets
413 with ``Connection: close`` (the rest of the body is never drained). A body
declared too large is refused before any of it is read.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once the body passes the limit (FastAPI re-raises HTTPExceptions it meets
    while parsing a body, so the app's own handler answers 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes", headers={"Connection": "close"})


def too_large_response(limit: int) -> JSONResponse:
    return JSONResponse(
        {"error": f"request body larger than {limit} bytes", "code": "too_large"}, 413, headers={"Connection": "close"}
    )


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes, counting as they arrive."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await too_large_response(self.limit)(scope, receive, send)
            return

        seen = 0
        exceeded = started = swallowed = False

        async def counted_receive() -> Message:
            nonlocal seen, exceeded
            if exceeded:
                raise BodyTooLarge(self.limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True
                    raise BodyTooLarge(self.limit)
            return message

        async def guarded_send(message: Message) -> None:
            # Whatever the app answers once the body was cut off (a parse error, a 500) becomes our 413.
            nonlocal started, swallowed
            if message["type"] == "http.response.start":
                if exceeded and message["status"] != 413:
                    swallowed = True
                    return
                started = True
            elif swallowed:
                return
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await too_large_response(self.limit)(scope, receive, send)
