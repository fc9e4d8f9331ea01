"""Who a request is for and from, and who can read a conversation. Deal rooms are often Slack Connect channels
shared with the buyer's company: coaching, summaries and anything with deal context must never be posted where
people outside the workspace read, and what people outside the workspace write or click is never coached,
answered or stored (`admit`, one Bolt middleware in front of every listener).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from cachetools import TLRUCache
from slack_bolt import BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)
SHARED_TTL = 300.0  # seconds a channel's shared state is trusted; sharing a channel is rare, a call per message is not
UNKNOWN_TTL = 30.0  # an unknown state (API error, missing scope) counts as shared, and is asked again sooner
# conversations whose state one process remembers at once: far more than are active within SHARED_TTL, yet a
# bound, so a long-running process that has seen every channel of many workspaces does not keep them all (expired
# entries go whenever one is added; past this many, the least recently asked about)
CONVERSATIONS_REMEMBERED = 10_000


def outsiders_in(info: dict[str, Any], team_id: str) -> bool:
    """Whether people outside `team_id` can read the conversation `conversations.info` describes.

    Connected or pending Slack Connect channels, and any channel shared with another workspace (an Enterprise
    Grid org-wide channel included: we cannot tell another workspace of the same org from a stranger here)."""
    if info.get("is_ext_shared") or info.get("is_pending_ext_shared"):
        return True
    teams = {*(info.get("shared_team_ids") or []), *(info.get("connected_team_ids") or []),
             *(info.get("pending_connected_team_ids") or [])}
    return bool(teams - {team_id})


class Audience:
    """Remembers each conversation's shared state for a few minutes (in memory, per process, at most
    CONVERSATIONS_REMEMBERED of them). The listeners' threads share it, hence the lock."""

    def __init__(self, ttl: float = SHARED_TTL, unknown_ttl: float = UNKNOWN_TTL,
                 size: int = CONVERSATIONS_REMEMBERED, timer: Callable[[], float] = time.monotonic):
        self.ttl, self.unknown_ttl = ttl, unknown_ttl
        # (team, channel) -> (shared, seconds trusted): each entry expires after its own time to live
        self._known: TLRUCache[tuple[str, str], tuple[bool, float]] = TLRUCache(
            size, lambda _key, value, now: now + value[1], timer)
        self._lock = threading.Lock()

    def outsiders_can_read(self, client: WebClient, team_id: str, channel: str) -> bool:
        if channel.startswith("D"):
            return False  # a 1:1 DM with the app: only the person who wrote to it reads it
        key = (team_id, channel)
        with self._lock:
            known = self._known.get(key)
        if known is not None:
            return known[0]
        try:
            info = client.conversations_info(channel=channel).get("channel") or {}
            shared, ttl = outsiders_in(info, team_id), self.ttl
        except SlackApiError as exc:  # not found, missing scope...: unknown, which counts as shared
            log.warning("cannot tell who reads %s (%s); treating it as shared", channel, exc.response.get("error"))
            shared, ttl = True, self.unknown_ttl
        except Exception as exc:  # noqa: BLE001  # a network failure leaves it just as unknown
            log.warning("cannot tell who reads %s (%s); treating it as shared", channel, type(exc).__name__)
            shared, ttl = True, self.unknown_ttl
        with self._lock:
            self._known[key] = (shared, ttl)
        return shared


def team_of(body: dict[str, Any]) -> str:
    """The workspace a request's data is kept under: the installing workspace's team id, or, for an org-wide
    (Enterprise Grid) install, the organisation's enterprise id, so that one install is one key whatever
    workspace of the org a request comes from, and its `app_uninstalled` (which names only the enterprise)
    forgets all of it. "" when the request names neither: `admit` refuses those before any listener runs.

    Events say which installation they were delivered for in `authorizations[0]`; their envelope `team_id` is
    the team the event came from, which in a Slack Connect channel is the other organisation's."""
    auths = body.get("authorizations") or []
    if auths and isinstance(auths[0], dict):
        installed, org_wide = auths[0], auths[0].get("is_enterprise_install") is True
        team, enterprise = installed.get("team_id"), installed.get("enterprise_id")
    else:  # commands, buttons and shortcuts, and events without authorizations (app_uninstalled of an org)
        org_wide = body.get("is_enterprise_install") in (True, "true")
        team = (body.get("team_id") or (body.get("team") or {}).get("id")
                or (body.get("user") or {}).get("team_id"))
        enterprise = body.get("enterprise_id") or (body.get("enterprise") or {}).get("id")
    return ((enterprise if org_wide else team) or enterprise or "").strip()


def _ours(context: BoltContext) -> set[str]:
    """The team and enterprise ids of the installation answering this request: what Bolt authorised it with
    (auth.test of the bot token, or the stored OAuth install), else what the event says it was delivered for."""
    result = context.authorize_result
    found = (result.team_id, result.enterprise_id) if result is not None else (context.team_id, context.enterprise_id)
    return {team for team in found if team}


def _actor_teams(body: dict[str, Any]) -> tuple[list[str], str | None, str | None]:
    """The team ids Slack gives for the person behind a request, and the (team, enterprise) pair the payload
    itself comes from. Requests nobody made (app_uninstalled, tokens_revoked, a bot's message) name no one."""
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        if not event.get("user") or event.get("bot_id"):
            return [], None, None
        # a Slack Connect message or mention carries its author's team three ways, and the envelope the team
        # the event came from; any of them naming another organisation is enough
        named = [event.get("user_team"), event.get("source_team"), (event.get("user_profile") or {}).get("team"),
                 body.get("team_id")]
        return [t for t in named if t], body.get("team_id"), body.get("enterprise_id")
    if body.get("command"):
        return [t for t in [body.get("team_id")] if t], body.get("team_id"), body.get("enterprise_id")
    if isinstance(body.get("user"), dict):  # block_actions, shortcuts, view submissions
        team = body.get("team") or {}
        named = [body["user"].get("team_id"), team.get("id")]
        enterprise = (body.get("enterprise") or {}).get("id") or team.get("enterprise_id")
        return [t for t in named if t], team.get("id"), enterprise
    return [], None, None


def outsider_team(body: dict[str, Any], context: BoltContext) -> str | None:
    """The team id of another organisation behind this request (a buyer in a Slack Connect channel), else None.

    A team is ours when it is the installation's team or enterprise, or (Enterprise Grid) the team the payload
    comes from when the payload says it belongs to our enterprise: another workspace of the same organisation."""
    named, source_team, source_enterprise = _actor_teams(body)
    ours = _ours(context)
    for team in named:
        same_org = source_enterprise is not None and source_enterprise in ours and team == source_team
        if team not in ours and not same_org:
            return team
    return None


def admit(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002
    """The Bolt middleware in front of every listener. A request from someone outside the workspace (a buyer
    writing, mentioning the app or clicking in a Slack Connect channel) is acknowledged and dropped: never
    coached, answered or stored. So is a request that names no workspace to keep its data under. One log line
    each, with ids only: never what anybody wrote."""
    kind = (body.get("event") or {}).get("type") or body.get("command") or body.get("type") or "request"
    outsider = outsider_team(body, context)
    if outsider is not None:
        log.info("ignored a %s from team %s, outside the workspace (%s)", kind, outsider,
                 ", ".join(sorted(_ours(context))) or "unknown")
        return BoltResponse(status=200, body="")
    if not team_of(body):
        log.warning("ignored a %s that names no workspace or organisation to keep it under", kind)
        return BoltResponse(status=200, body="")
    next()
    return None
