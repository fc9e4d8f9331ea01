"""Telling the person who asked: short notices only they see, and the one mechanism that turns any failure of
a lazy listener into a short error message instead of a stuck "Diagnosing…"."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Respond
from slack_bolt.kwargs_injection import Args
from slack_sdk import WebClient

from bot.language import detect_language

log = logging.getLogger(__name__)

NOTICES = {
    "error": {
        "en": "Sorry, something went wrong on my side and I could not finish this. Please try again in a minute.",
        "es": "Lo siento, algo falló de mi lado y no pude terminarlo. Inténtalo de nuevo en un minuto.",
    },
    "shared": {
        "en": "People outside your company can read this conversation, so I sent this to you in a direct message.",
        "es": "Personas de fuera de tu empresa pueden leer esta conversación, así que te lo envié por mensaje directo.",
    },
    "no_access": {
        "en": "I can't post in this conversation, so I sent the coaching to you in a direct message.",
        "es": "No puedo publicar en esta conversación, así que te envié el coaching por mensaje directo.",
    },
    "only_you": {
        "en": "Only you can see this: people outside your company can read this conversation.",
        "es": "Solo tú ves esto: personas de fuera de tu empresa pueden leer esta conversación.",
    },
    "not_posted": {
        "en": "Sorry, I could not post the coaching here. Please try again.",
        "es": "Lo siento, no pude publicar el coaching aquí. Inténtalo de nuevo.",
    },
    "cannot_read": {
        "en": "Sorry, I could not read this conversation. Is the app in this channel?",
        "es": "Lo siento, no pude leer esta conversación. ¿Está la app en este canal?",
    },
    "empty_thread": {
        "en": "There is nothing in this thread to summarise.",
        "es": "No hay nada que resumir en este hilo.",
    },
    "coached_not_tracked": {
        "en": "That reads like something the buyer said, so I'm coaching it. A deal's name or stage is a short "
              "label: `/objection track Globex renewal`, `/objection stage Negotiation`.",
        "es": "Eso parece algo que dijo el comprador, así que lo trato como objeción. El nombre o la etapa de un "
              "deal es una etiqueta corta: `/objection track Renovación Globex`, `/objection stage Negociación`.",
    },
}


def language_of(text: str | None) -> str:
    """Spanish when the text is Spanish, else English (our notices exist in those two)."""
    return "es" if text and detect_language(text) == "es" else "en"


def notice(key: str, language: str = "en") -> str:
    return NOTICES[key].get(language, NOTICES[key]["en"])


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
    good; this wrapper takes Bolt's `args` and passes the wrapped function the arguments it names."""
    names = list(inspect.signature(func).parameters)

    def run(args: Args) -> None:
        try:
            func(**{name: getattr(args, name) for name in names})
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
