"""Who and where in Slack, for deals that come from the CLI or a CRM export: an owner's Slack user id from their
email (`users.lookupByEmail`) or, failing that, their name, and a channel's id from its name.

`SlackDirectory` asks Slack, remembering answers in a bounded cache (an import names the same few owners on
hundreds of rows); `OfflineDirectory` answers nothing, so the caller keeps the email or the name it was given and
says so. Either way the first thing that stops the lookups (no token, a scope the app lacks, a revoked token) is
kept in `problem`, in one line, and nothing more is asked of Slack.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING, Any, Protocol

from cachetools import TTLCache

from bot.services.crm_import import name_key

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.core.config import Settings
    from bot.store import Store

log = logging.getLogger(__name__)
# (workspace, email) -> Slack user id, or None for "no such user": one process asks about each email at most once
# a day. A bound, so a long-lived process importing for many workspaces does not keep every address it saw.
EMAILS_REMEMBERED = 4096
EMAIL_TTL_SECONDS = 24 * 3600
_EMAILS: TTLCache[tuple[str, str], str | None] = TTLCache(EMAILS_REMEMBERED, EMAIL_TTL_SECONDS)
_EMAILS_LOCK = threading.Lock()
LIST_PAGES = 50  # users.list / conversations.list pages read at most (200 each): 10,000 people or channels
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
# what each error means for the rest of the lookups (the others: a note, and the lookup answers "not found")
_STOPPERS = {
    "missing_scope": "the app lacks the {scope} scope (add it in the app's settings, or manifest.yml, and reinstall)",
    "not_authed": "Slack refused the token (not_authed)", "invalid_auth": "Slack refused the token (invalid_auth)",
    "account_inactive": "the token's app or user was deactivated", "token_revoked": "the token was revoked",
    "team_access_not_granted": "the token has no access to this workspace",
}


def is_user_id(value: str) -> bool:
    return bool(_USER_ID.match(value))


class Directory(Protocol):
    team_id: str
    problem: str | None  # why Slack was not (or no longer) asked; None while it answers

    @property
    def online(self) -> bool: ...

    def user_by_email(self, email: str) -> str | None: ...

    def user_by_name(self, name: str) -> str | None: ...

    def channel_by_name(self, name: str) -> str | None: ...


class OfflineDirectory:
    """No Slack: every owner keeps the email or name given, every channel name stays unmatched."""

    def __init__(self, team_id: str, problem: str):
        self.team_id, self.problem = team_id, problem

    @property
    def online(self) -> bool:
        return False

    def user_by_email(self, email: str) -> str | None:
        return None

    def user_by_name(self, name: str) -> str | None:
        return None

    def channel_by_name(self, name: str) -> str | None:
        return None


class SlackDirectory:
    """Slack's answers for one workspace, on its bot token."""

    def __init__(self, client: WebClient, team_id: str):
        self.client, self.team_id = client, team_id
        self.problem: str | None = None
        self._names: dict[str, list[str]] | None = None  # real or display name -> user ids (read once, on demand)
        self._channels: dict[str, str] | None = None

    @property
    def online(self) -> bool:
        return self.problem is None

    def _failed(self, exc: Exception, scope: str) -> None:
        from slack_sdk.errors import SlackApiError

        if isinstance(exc, SlackApiError):
            error = str(exc.response.get("error") or "")
            self.problem = _STOPPERS.get(error, f"Slack answered {error or 'an error'}").format(scope=scope)
        else:
            self.problem = f"Slack could not be reached ({type(exc).__name__})"
        log.warning("Slack lookups stopped: %s", self.problem)

    def user_by_email(self, email: str) -> str | None:
        from slack_sdk.errors import SlackApiError

        key = (self.team_id, email.strip().lower())
        with _EMAILS_LOCK:
            if key in _EMAILS:
                return _EMAILS[key]
        if not self.online:
            return None
        try:
            user = self.client.users_lookupByEmail(email=key[1]).get("user") or {}
            found = user.get("id") if not user.get("deleted") else None
        except SlackApiError as exc:
            if exc.response.get("error") != "users_not_found":
                self._failed(exc, "users:read.email")
                return None
            found = None
        except Exception as exc:  # noqa: BLE001  # the network: the email is kept, and said so
            self._failed(exc, "users:read.email")
            return None
        with _EMAILS_LOCK:
            _EMAILS[key] = found
        return found

    def _pages(self, method: str, key: str, scope: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        for _ in range(LIST_PAGES):
            try:
                page = getattr(self.client, method)(limit=200, cursor=cursor, **params)
            except Exception as exc:  # noqa: BLE001  # SlackApiError or the network: stop asking, say why
                self._failed(exc, scope)
                return items
            items += page.get(key) or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return items

    def user_by_name(self, name: str) -> str | None:
        """The one active person whose real or display name is this (case and spacing aside); None when nobody
        is, or several are."""
        if self._names is None:
            if not self.online:
                return None
            names: dict[str, list[str]] = {}
            for user in self._pages("users_list", "members", "users:read"):
                if user.get("deleted") or user.get("is_bot"):
                    continue
                profile = user.get("profile") or {}
                for given in {user.get("real_name"), profile.get("real_name"), profile.get("display_name")}:
                    if given:
                        ids = names.setdefault(name_key(given), [])
                        if user["id"] not in ids:
                            ids.append(user["id"])
            self._names = names
        ids = self._names.get(name_key(name), [])
        return ids[0] if len(ids) == 1 else None

    def channel_by_name(self, name: str) -> str | None:
        if self._channels is None:
            if not self.online:
                return None
            self._channels = {c["name"]: c["id"] for c in self._pages(
                "conversations_list", "channels", "channels:read", types="public_channel,private_channel",
                exclude_archived=True) if c.get("name")}
        return self._channels.get(name.lstrip("#").lower())


def directory_for(settings: Settings, store: Store, team_id: str, offline: bool = False) -> Directory:
    """Slack's answers for the workspace, on its own token: its OAuth install's bot token, or SLACK_BOT_TOKEN when
    that token is the workspace's (one `auth.test`). Offline, with the reason, when there is none."""
    if offline:
        return OfflineDirectory(team_id, "--offline: Slack was not asked")
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    from bot.core.config import reveal

    token = None
    if settings.oauth_enabled:
        token = store.bot_token(team_id)
        if token is None:
            return OfflineDirectory(team_id, f"workspace {team_id} has not installed the app")
    else:
        token = reveal(settings.slack_bot_token)
        if token is None:
            return OfflineDirectory(team_id, "no SLACK_BOT_TOKEN")
    base_url = (settings.slack_api_url or WebClient.BASE_URL).rstrip("/") + "/"
    client = WebClient(token=token, base_url=base_url, timeout=10)
    client.retry_handlers = [RateLimitErrorRetryHandler(max_retry_count=3)]  # honour Retry-After on HTTP 429
    if not settings.oauth_enabled:
        try:
            own = client.auth_test().get("team_id")
        except Exception as exc:  # noqa: BLE001
            probe = SlackDirectory(client, team_id)
            probe._failed(exc, "")
            return OfflineDirectory(team_id, probe.problem or "Slack could not be asked")
        if own != team_id:
            return OfflineDirectory(team_id, f"SLACK_BOT_TOKEN is workspace {own}'s, not {team_id}'s")
    return SlackDirectory(client, team_id)
