"""Telling the person who asked: short notices only they see, and the one mechanism that turns any failure of
a lazy listener into a short error message instead of a stuck "Diagnosing…"."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Respond
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from bot.content.i18n import language_of_locale, t
from bot.core.language import DEFAULT, answer_language
from bot.store import Store

log = logging.getLogger(__name__)


def ack_now(ack: Any) -> None:
    """The acknowledgement of a listener whose work runs afterwards, lazily."""
    ack()


def language_of(text: str | None) -> str:
    """Spanish when the text is Spanish, else English (our notices exist in those two)."""
    return answer_language(text) if text else DEFAULT


def notice(key: str, language: str = "en") -> str:
    """A short notice to the asker (bot/content/messages.yaml, `notice.<key>`)."""
    return t(f"notice.{key}", language)


def fetch_profile(client: WebClient, user_id: str) -> tuple[str, str]:
    """The user's time zone and language, from Slack's users.info (one call gives both)."""
    user = client.users_info(user=user_id, include_locale=True).get("user") or {}
    return user.get("tz") or "UTC", language_of_locale(user.get("locale"))


def user_language(store: Store, team_id: str, user_id: str, client: WebClient | None = None) -> str:
    """The language of the user's Slack locale: cached, else asked of Slack when `client` is given (never in an
    acknowledgement, which must answer within 3 s: pass no client there); English when unknown."""
    now = datetime.now(UTC)
    language = store.cached_language(team_id, user_id, now)
    if language is None and client is not None:
        try:
            tz, language = fetch_profile(client, user_id)
        except Exception as exc:  # noqa: BLE001  # an unknown locale is not worth a failed answer
            log.warning("language of %s unknown (%s); using English", user_id, type(exc).__name__)
            return "en"
        store.cache_profile(team_id, user_id, tz, language, now)
    return language or "en"


@dataclass
class Asker:
    """The person who asked, and how to tell them something only they see: through the interaction's
    response_url when there is one (commands, buttons, shortcuts), else an ephemeral message in place."""

    client: WebClient
    user_id: str
    channel: str
    thread_ts: str | None = None
    respond: Respond | None = None
    language: str = "en"

    def tell(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        if self.respond is not None:
            self.respond(response_type="ephemeral", replace_original=False, text=text, blocks=blocks)
        else:
            self.client.chat_postEphemeral(channel=self.channel, user=self.user_id, thread_ts=self.thread_ts,
                                           text=text, blocks=blocks)

    def notify(self, key: str) -> None:
        self.tell(notice(key, self.language))


def _text_of(body: dict[str, Any]) -> str:
    """What the person wrote, to answer in their language: command text, event text, shortcut's message."""
    event = body.get("event") or {}
    return body.get("text") or event.get("text") or (body.get("message") or {}).get("text") or ""


def asker_of(args: Args) -> Asker | None:
    """How to reach whoever caused this request, or None when nobody asked anything (e.g. a bot's message)."""
    body = args.body
    language = language_of(_text_of(body))
    if body.get("response_url"):
        user = body.get("user_id") or (body.get("user") or {}).get("id", "")
        return Asker(args.client, user, body.get("channel_id", ""), respond=args.respond, language=language)
    event = body.get("event") or {}
    if event.get("user") and event.get("channel"):
        return Asker(args.client, event["user"], event["channel"], event.get("thread_ts"), language=language)
    return None


def reported(func: Callable[..., None], *, tell: bool = True) -> Callable[[Args], None]:
    """A lazy listener whose every failure is logged and ends in a short error the user sees (`tell=False`
    for bookkeeping nobody asked for, such as counting a deal room's messages: logged only).

    Bolt swallows a lazy listener's exception with a one-line log, leaving the user with "Diagnosing…" for
    good; this wrapper takes Bolt's `args` and passes the wrapped function the arguments it names, as Bolt
    would: its own (`body`, `client`, ...), or what a middleware put in the context (`deps`)."""
    names = list(inspect.signature(func).parameters)

    def run(args: Args) -> None:
        try:
            func(**{name: getattr(args, name) if hasattr(args, name) else args.context[name] for name in names})
        except Exception:
            # the traceback and the exception's text, never the request (it may hold user text or tokens)
            log.exception("%s failed", func.__name__)
            asker = asker_of(args) if tell else None
            if asker is None:
                return
            try:
                asker.notify("error")
            except Exception as exc:  # noqa: BLE001  # nothing more we can do than say so in the log
                log.error("could not tell %s about the failure either (%s)", asker.user_id, type(exc).__name__)

    run.__name__ = run.__qualname__ = func.__name__  # Bolt finds a lazy listener by its name
    return run
