"""Coaching in a conversation while the coach works: a loading status, then, with a model, the guidance
streamed into the reply as it is written (chat.startStream / appendStream / stopStream through slack_sdk's
`chat_stream`). The validated answer decides what stays: when the stream stops, the message is replaced by the
coaching blocks with their buttons, or by the offline answer when the model failed or its answer was rejected,
so nobody is left with half a message. Offline answers are posted at once, and nothing is streamed or shown
working where people outside the workspace read (the coaching goes to the seller's DM there).

Each stream is recorded in the store while it is open, with the process writing it: a process that dies
mid-stream (a crash, `kill -9`) cannot stop it, so the next start does (`close_abandoned_streams`), with a note
that the answer was interrupted, instead of leaving a half-written draft that looks like it is still coming."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.chat_stream import ChatStream

from bot.content.i18n import t
from bot.core.grounding import unlinked
from bot.core.guidance import Guidance
from bot.slack.blocks import escape
from bot.slack.deps import Deps
from bot.slack.posting import Posted, guidance_payload, post_guidance, record_guidance
from bot.slack.replies import Asker
from bot.store import Store

log = logging.getLogger(__name__)
# chat.appendStream is rate-limited like chat.update: the first text goes out at once (the seller sees the coach
# writing), then at most one call per FLUSH_SECONDS unless BUFFER_CHARS pile up first.
FLUSH_SECONDS = 0.5
BUFFER_CHARS = 256
LOADING = ("status.loading.1", "status.loading.2", "status.loading.3")
HEADINGS = {"align": "guidance.align", "clarify": "guidance.clarify", "assure": "guidance.assure",
            "talk_track": "guidance.say_it"}


def set_status(client: WebClient, channel: str, thread_ts: str, lang: str, working: bool = True) -> None:
    """The "is coaching…" status under the conversation (cleared with `working=False`; a reply clears it too).
    Best-effort: a status Slack will not show is no reason to fail the coaching."""
    try:
        if working:
            client.assistant_threads_setStatus(
                channel_id=channel, thread_ts=thread_ts, status=t("status.coaching", lang),
                loading_messages=[t(key, lang) for key in LOADING])
        else:
            client.assistant_threads_setStatus(channel_id=channel, thread_ts=thread_ts, status="")
    except Exception as exc:  # noqa: BLE001  # e.g. a thread Slack keeps no status for
        log.info("no loading status in %s (%s)", channel, type(exc).__name__)


def _shown(draft: str) -> str:
    """Model text as the draft shows it: no links (the validated answer keeps only links to hosts the inputs
    name, bot/core/grounding.py; a draft is shown before that check), and nothing that pings anyone."""
    return escape(unlinked(draft))


class GuidanceStream:
    """`on_text` for the coach: the model's guidance fields, each under its heading, streamed into a reply in
    the thread. Slack failing mid-stream stops the streaming, never the coaching.

    A field's text goes out a whole word at a time: its last, unfinished word is held back, so a link arriving
    in pieces ("https://ev" + "il.example/…") is whole when it is taken out."""

    def __init__(self, client: WebClient, team_id: str, user_id: str, channel: str, thread_ts: str, lang: str,
                 store: Store):
        self.client, self.team_id, self.user_id = client, team_id, user_id
        self.channel, self.thread_ts, self.lang = channel, thread_ts, lang
        self.store = store
        self.streamer: ChatStream | None = None
        self.broken = False
        self.field: str | None = None
        self.held = ""  # the current field's unfinished last word
        self.flushed_at = 0.0

    def __call__(self, field: str, delta: str) -> None:
        if self.broken:
            return
        text = ""
        if field != self.field:
            text = _shown(self.held) + ("\n\n" if self.field else "") + f"**{t(HEADINGS[field], self.lang)}**\n"
            self.field, self.held = field, ""
        pending = self.held + delta
        cut = max(pending.rfind(" "), pending.rfind("\n"), pending.rfind("\t")) + 1
        text += _shown(pending[:cut])
        self.held = pending[cut:]
        if not text:
            return
        try:
            if self.streamer is None:
                # the recipient ids let Slack stream into channels and threads, not only into DMs
                self.streamer = self.client.chat_stream(channel=self.channel, thread_ts=self.thread_ts,
                                                        recipient_team_id=self.team_id,
                                                        recipient_user_id=self.user_id, buffer_size=BUFFER_CHARS)
            now = time.monotonic()
            if self.streamer.ts is None or now - self.flushed_at >= FLUSH_SECONDS:
                starting = self.streamer.ts is None
                self.streamer.append(markdown_text=text, chunks=[])  # chunks given: the buffer goes out now
                self.flushed_at = now
                if starting and self.streamer.ts is not None:
                    self._record(self.streamer.ts, opened=True)
            else:
                self.streamer.append(markdown_text=text)
        except Exception as exc:  # noqa: BLE001  # the answer still arrives whole when the coaching is done
            log.warning("streaming into %s failed (%s); the answer will be posted whole", self.channel,
                        type(exc).__name__)
            self.broken = True

    def finish(self, payload: dict[str, Any], final: bool) -> str | None:
        """End the stream and put `payload` in its place; the message's ts, or None when nothing was streamed
        (or the streamed message could not be replaced: it is deleted, and the caller posts the answer anew).
        `final`: the payload is the model's validated answer, whose blocks stopStream attaches."""
        if self.streamer is None or self.streamer.ts is None:
            return None
        ts = self.streamer.ts
        try:
            # the last word held back goes with the stop, so the draft was the whole text
            self.streamer.stop(markdown_text=_shown(self.held) or None, blocks=payload["blocks"] if final else None)
        except Exception as exc:  # noqa: BLE001  # the update below still replaces what was streamed
            log.warning("stopping the stream in %s failed (%s)", self.channel, type(exc).__name__)
        self._record(ts, opened=False)  # stopped, or about to be replaced or deleted below: nothing left to close
        try:
            # what stays is the validated answer (or the offline one), never the streamed draft
            self.client.chat_update(channel=self.channel, ts=ts, **payload)
            return ts
        except Exception as exc:  # noqa: BLE001
            log.warning("replacing the streamed message in %s failed (%s)", self.channel, type(exc).__name__)
        try:
            self.client.chat_delete(channel=self.channel, ts=ts)
        except Exception as exc:  # noqa: BLE001
            log.error("a streamed draft in %s could not be removed (%s)", self.channel, type(exc).__name__)
        return None

    def _record(self, ts: str, opened: bool) -> None:
        """Best-effort, like the stream itself: a store that fails costs the clean-up after a crash, not the
        coaching."""
        try:
            if opened:
                self.store.stream_opened(self.team_id, self.channel, ts, self.lang)
            else:
                self.store.stream_closed(self.channel, ts)
        except Exception:  # noqa: BLE001
            log.warning("could not record the stream in %s as %s", self.channel, "open" if opened else "closed",
                        exc_info=True)


def close_abandoned_streams(store: Store, client: WebClient, clients: dict[str, WebClient] | None = None) -> int:
    """Stop the streams a process that died left open (at start, before serving), each ending with a short note
    that the answer was interrupted; the number stopped. `clients`: each workspace's own (OAuth installs), else
    `client` for every stream. A stream Slack no longer takes (it ended it already, the workspace is gone) is
    forgotten; one whose stop did not get through (Slack unreachable) is kept for the next start."""
    stopped = 0
    for row in store.abandoned_streams():
        team_client = client if clients is None else clients.get(row["team_id"])
        try:
            if team_client is None:
                log.info("stream %s in %s: its workspace is no longer installed", row["ts"], row["channel"])
            else:
                team_client.chat_stopStream(channel=row["channel"], ts=row["ts"],
                                            markdown_text="\n\n" + t("status.interrupted", row["lang"]))
                stopped += 1
        except SlackApiError as exc:
            log.info("stream %s in %s was not stopped (%s)", row["ts"], row["channel"], exc.response.get("error"))
        except Exception as exc:  # noqa: BLE001  # e.g. Slack unreachable: the next start tries again
            log.warning("stopping stream %s in %s failed (%s)", row["ts"], row["channel"], type(exc).__name__)
            continue
        store.stream_closed(row["channel"], row["ts"])
    if stopped:
        log.info("stopped %d stream(s) left open by a process that died", stopped)
    return stopped


def coach_in_thread(deps: Deps, asker: Asker, team_id: str, thread_ts: str, text: str, *,
                    context: str | None = None, history: list[dict[str, str]] | None = None,
                    surface: str = "slack-thread") -> tuple[Guidance, Posted]:
    """Coach `text` and reply in the thread: streamed with a model, at once offline; by DM where outsiders read.
    Raises EmptyObjection (nothing to coach) before anything is posted or shown."""
    client, channel = asker.client, asker.channel
    live = deps.coach.llm is not None and not deps.audience.outsiders_can_read(client, team_id, channel)
    stream = GuidanceStream(client, team_id, asker.user_id, channel, thread_ts, asker.language,
                            deps.store) if live else None
    if live:
        set_status(client, channel, thread_ts, asker.language)
    try:
        guidance = deps.coach.coach(text, context, surface=surface, team_id=team_id, user_id=asker.user_id,
                                    history=history, on_text=stream)
    except Exception:
        if live:
            set_status(client, channel, thread_ts, asker.language, working=False)
        raise
    if stream is not None:
        payload = guidance_payload(deps, guidance, text)
        ts = stream.finish(payload, final=guidance.source == "llm")
        if ts is not None:
            posted = Posted(channel, ts)
            record_guidance(deps, team_id, posted, thread_ts, guidance, text)
            return guidance, posted
    return guidance, post_guidance(deps, client, team_id, asker.user_id, channel, guidance, text, thread_ts)
