"""Who may call `coach mcp` over HTTP, and how often.

A request carries `Authorization: Bearer <token>`. The SDK's own bearer middleware asks `WorkspaceVerifier` about
the token and answers 401 when it is missing or unknown (no tool runs, nothing is parsed); a known token becomes
the request's access token, which names its workspace (`workspace_of`). The SDK also ties each MCP session to
the token that opened it: another token presenting that session id gets 404, as if it did not exist.

In front of all that, `RateLimited` gives each token a small bucket of requests (`COACH_MCP_RATE` a minute, up to
that many at once): an empty bucket is answered 429 with Retry-After, before the SDK or the coach does any work.
Unknown tokens take nothing from any bucket; they reach the 401.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from cachetools import LRUCache
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken, TokenVerifier

from bot.mcp.settings import WorkspaceToken

# ASGI, spelled out so the adapter needs no web framework of its own
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BUCKETS_KEPT = 1024  # buckets in memory at once, least recently used dropped (a dropped one comes back full)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class TokenRegistry:
    """The configured tokens. A presented token is compared with every one, each comparison in constant time on
    equal-length digests: how long the look-up takes says neither which token matched nor how much of one."""

    def __init__(self, tokens: Sequence[WorkspaceToken]):
        self._tokens = [(_digest(t.secret.get_secret_value()), t) for t in tokens]

    def __bool__(self) -> bool:
        return bool(self._tokens)

    def find(self, presented: str | None) -> WorkspaceToken | None:
        if not presented:
            return None
        digest, found = _digest(presented), None
        for known, token in self._tokens:
            if hmac.compare_digest(known, digest):
                found = token
        return found


class WorkspaceVerifier(TokenVerifier):
    """The SDK's TokenVerifier over the registry. The access token it returns carries the token's name (the
    session's principal) and its workspace, never the token itself."""

    def __init__(self, registry: TokenRegistry):
        self.registry = registry

    async def verify_token(self, token: str) -> AccessToken | None:
        found = self.registry.find(token)
        if found is None:
            return None
        return AccessToken(token=found.name, client_id=found.name, scopes=[], claims={"team_id": found.team_id})


def workspace_of(access: AccessToken | None = None) -> tuple[str, str] | None:
    """(workspace, token name) of the current HTTP request's token; None outside an authenticated request."""
    access = access or get_access_token()
    team = (access.claims or {}).get("team_id") if access else None
    return (str(team), access.client_id) if access and team else None


class RateLimiter:
    """A token bucket per key: `per_minute` requests at most at once, refilled at `per_minute` a minute."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, kept: int = BUCKETS_KEPT):
        self.capacity = float(per_minute)
        self.refill = per_minute / 60.0  # per second
        self.clock = clock
        self._buckets: LRUCache[str, tuple[float, float]] = LRUCache(maxsize=kept)  # key -> (level, when)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one request from `key`'s bucket: 0 when allowed, else the seconds until one is there."""
        with self._lock:
            now = self.clock()
            level, when = self._buckets.get(key, (self.capacity, now))
            level = min(self.capacity, level + (now - when) * self.refill)
            if level >= 1.0:
                self._buckets[key] = (level - 1.0, now)
                return 0.0
            self._buckets[key] = (level, now)
            return (1.0 - level) / self.refill


def bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


class RateLimited:
    """ASGI middleware: a known token's request takes from its bucket; an empty bucket gets 429 + Retry-After."""

    def __init__(self, app: ASGIApp, registry: TokenRegistry, limiter: RateLimiter):
        self.app, self.registry, self.limiter = app, registry, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            token = self.registry.find(bearer(scope))
            wait = self.limiter.take(token.name) if token is not None else 0.0
            if wait > 0:
                await _too_many(send, wait)
                return
        await self.app(scope, receive, send)


async def _too_many(send: Send, wait: float) -> None:
    body = json.dumps({"error": "rate_limited", "error_description": "Too many requests for this token; retry "
                       "after the number of seconds in Retry-After"}).encode()
    await send({"type": "http.response.start", "status": 429,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"retry-after", str(max(1, math.ceil(wait))).encode())]})
    await send({"type": "http.response.body", "body": body})
