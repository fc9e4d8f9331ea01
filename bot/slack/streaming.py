"""Coaching in a conversation while the coach works: a loading status, then, with a model, the steps of the work
(reading what the buyer said, matching the team's facts, writing) as Slack's plan of tasks, and the guidance
streamed into the reply as it is written (chat.startStream / appendStream / stopStream through slack_sdk's
`chat_stream`, with `task_update` chunks). Where the SDK or the workspace takes no task chunks, each step is the
loading status instead. The validated answer decides what stays: when the stream stops, the message is replaced
by the coaching blocks with their buttons, or by the offline answer when the model failed or its answer was
rejected, so nobody is left with half a message. Offline answers are posted at once, and nothing is streamed or
shown working where people outside the workspace read (the coaching goes to the seller's DM there).

While the model writes, the thread's agent session is "processing" and Slack shows a stop button: a stop
(bot/slack/sessions.py) ends the model call, and the reply becomes the offline answer or is removed, as the
seller chose (`/objection on-stop`).

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
from bot.slack.sessions import Run, Stopped, running, set_session
from bot.store import Store

try:  # slack_sdk 3.40 and later: a streamed message shows the steps as a plan of tasks
    from slack_sdk.models.messages.chunk import PlanUpdateChunk, TaskUpdateChunk
except ImportError:  # an older slack_sdk: each step is the loading status instead
    PlanUpdateChunk = TaskUpdateChunk = None  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)
# chat.appendStream is rate-limited like chat.update: the first text goes out at once (the seller sees the coach
# writing), then at most one call per FLUSH_SECONDS unless BUFFER_CHARS pile up first.
FLUSH_SECONDS = 0.5
BUFFER_CHARS = 256
LOADING = ("status.loading.1", "status.loading.2", "status.loading.3")
HEADINGS = {"align": "guidance.align", "clarify": "guidance.clarify", "assure": "guidance.assure",
            "talk_track": "guidance.say_it"}


def set_status(client: WebClient, channel: str, thread_ts: str, lang: str, working: bool = True,
               step: str | None = None) -> None:
    """The "is coaching…" status under the conversation (cleared with `working=False`; a reply clears it too),
    or the step under way. Best-effort: a status Slack will not show is no reason to fail the coaching."""
    try:
        if step is not None:
            client.assistant_threads_setStatus(channel_id=channel, thread_ts=thread_ts,
                                               status=t(f"steps.{step}", lang))
        elif working:
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
    """`on_step` and `on_text` for the coach: the steps of the work as a plan of tasks, then the model's guidance
    fields, each under its heading, streamed into a reply in the thread. Slack failing mid-stream stops the
    streaming, never the coaching; the seller stopping the coaching (`run`) stops it at the next step or words.

    A field's text goes out a whole word at a time: its last, unfinished word is held back, so a link arriving
    in pieces ("https://ev" + "il.example/…") is whole when it is taken out."""

    def __init__(self, client: WebClient, team_id: str, user_id: str, channel: str, thread_ts: str, lang: str,
                 store: Store, run: Run | None = None):
        self.client, self.team_id, self.user_id = client, team_id, user_id
        self.channel, self.thread_ts, self.lang = channel, thread_ts, lang
        self.store, self.run = store, run
        self.streamer: ChatStream | None = None
        self.broken = False
        self.tasks = TaskUpdateChunk is not None  # the steps go out as task chunks (else as the status)
        self.step_now: str | None = None
        self.session_closed = False  # stopStream ended the agent session's "processing"
        self.field: str | None = None
        self.texted = False  # some of the guidance went out
        self.held = ""  # the current field's unfinished last word
        self.flushed_at = 0.0

    def step(self, name: str) -> None:
        """A step of the work begins (bot/services/coach.py STEPS): the previous task is complete, this one under
        way."""
        if self.run is not None:
            self.run.check()
        previous, self.step_now = self.step_now, name
        if self.tasks and not self.broken:
            chunks: list[Any] = [] if previous else [PlanUpdateChunk(title=t("steps.title", self.lang))]
            if previous:
                chunks.append(self._task(previous, "complete"))
            chunks.append(self._task(name, "in_progress"))
            try:
                self._send("", chunks)
                return
            except Exception as exc:  # noqa: BLE001  # e.g. a workspace that takes no task chunks
                log.info("no task steps in %s (%s); showing them as the status", self.channel, type(exc).__name__)
                self.tasks = False
                if self.streamer is not None and self.streamer.ts is None:
                    self.streamer = None  # never started: the guidance starts it afresh, without chunks
        set_status(self.client, self.channel, self.thread_ts, self.lang, step=name)

    def _task(self, name: str, status: str) -> Any:
        return TaskUpdateChunk(id=name, title=t(f"steps.{name}", self.lang), status=status)

    def _send(self, text: str, chunks: list[Any] | None) -> None:
        """Start the streamed reply, or add to it: `chunks` (even none) go out at once with what is buffered."""
        if self.streamer is None:
            # the recipient ids let Slack stream into channels and threads, not only into DMs; the steps are
            # shown together as a plan
            self.streamer = self.client.chat_stream(channel=self.channel, thread_ts=self.thread_ts,
                                                    recipient_team_id=self.team_id,
                                                    recipient_user_id=self.user_id, buffer_size=BUFFER_CHARS,
                                                    **({"task_display_mode": "plan"} if self.tasks else {}))
        starting = self.streamer.ts is None
        self.streamer.append(markdown_text=text or None, chunks=chunks)
        if chunks is not None:
            self.flushed_at = time.monotonic()
        if starting and self.streamer.ts is not None:
            self._record(self.streamer.ts, opened=True)

    def __call__(self, field: str, delta: str) -> None:
        if self.run is not None:
            self.run.check()  # raised inside the model's stream: bot/llm/client.py closes it
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
            # chunks given (even none): the buffer goes out now, the first text at once (the seller sees the coach
            # writing) and then at most one call per FLUSH_SECONDS
            now_due = not self.texted or time.monotonic() - self.flushed_at >= FLUSH_SECONDS
            self._send(text, [] if now_due else None)
            self.texted = True
        except Exception as exc:  # noqa: BLE001  # the answer still arrives whole when the coaching is done
            log.warning("streaming into %s failed (%s); the answer will be posted whole", self.channel,
                        type(exc).__name__)
            self.broken = True

    def finish(self, payload: dict[str, Any], final: bool, stopped: bool = False) -> str | None:
        """End the stream and put `payload` in its place; the message's ts, or None when nothing was streamed
        (or the streamed message could not be replaced: it is deleted, and the caller posts the answer anew).
        `final`: the payload is the model's validated answer, whose blocks stopStream attaches. `stopped`: the
        seller stopped it, and Slack may have stopped the stream already."""
        if self.streamer is None or self.streamer.ts is None:
            return None
        ts = self.streamer.ts
        self._stop(final_blocks=payload["blocks"] if final else None, stopped=stopped)
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

    def discard(self, stopped: bool = False) -> None:
        """End the stream and remove the streamed message: nothing of it stays."""
        if self.streamer is None or self.streamer.ts is None:
            return
        ts = self.streamer.ts
        self._stop(final_blocks=None, stopped=stopped)
        self._record(ts, opened=False)
        try:
            self.client.chat_delete(channel=self.channel, ts=ts)
        except Exception as exc:  # noqa: BLE001
            log.error("a streamed draft in %s could not be removed (%s)", self.channel, type(exc).__name__)

    def _stop(self, final_blocks: list[dict[str, Any]] | None, stopped: bool) -> None:
        """chat.stopStream, with the last word held back (so the draft was the whole text) and the plan's last
        task done; the agent session leaves "processing" with it."""
        assert self.streamer is not None
        done = {"chunks": [self._task(self.step_now, "complete")]} if self.tasks and self.step_now and not stopped \
            else {}
        try:
            self.streamer.stop(markdown_text=_shown(self.held) or None, blocks=final_blocks, **done)
            self.session_closed = True
        except Exception as exc:  # noqa: BLE001  # the update or delete that follows still replaces what streamed
            # a stopped stream was most likely stopped by Slack already, with the click
            (log.info if stopped else log.warning)("stopping the stream in %s failed (%s)", self.channel,
                                                   type(exc).__name__)

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
                    surface: str = "slack-thread") -> tuple[Guidance, Posted] | None:
    """Coach `text` and reply in the thread: streamed with a model, at once offline; by DM where outsiders read.
    None when the seller stopped the model and chose to be left nothing. Raises EmptyObjection (nothing to
    coach) leaving nothing posted or shown (a reply the steps had started is removed)."""
    client, channel = asker.client, asker.channel
    if deps.coach.llm is None or deps.audience.outsiders_can_read(client, team_id, channel):
        offline = deps.coach.coach(text, context, surface=surface, team_id=team_id, user_id=asker.user_id,
                                   history=history)
        return offline, post_guidance(deps, client, team_id, asker.user_id, channel, offline, text, thread_ts)
    with running(deps.store, team_id, channel, thread_ts) as run:
        stream = GuidanceStream(client, team_id, asker.user_id, channel, thread_ts, asker.language, deps.store, run)
        set_status(client, channel, thread_ts, asker.language)
        processing = set_session(client, channel, thread_ts, "processing", asker.user_id)
        guidance: Guidance | None = None
        try:
            guidance = deps.coach.coach(text, context, surface=surface, team_id=team_id, user_id=asker.user_id,
                                        history=history, on_text=stream, on_step=stream.step)
        except Stopped:
            pass  # stopped at a step, before the model was asked
        except Exception:
            set_status(client, channel, thread_ts, asker.language, working=False)
            stream.discard()
            if processing and not stream.session_closed:
                set_session(client, channel, thread_ts, "active")
            raise
        # a stop counts while the model writes: a finished answer stays (the click came after it)
        stopped = guidance is None or (guidance.source != "llm" and run.stopped(fresh=True))
        try:
            if stopped or guidance is None:
                return _after_stop(deps, asker, team_id, thread_ts, text, stream, guidance, context, history,
                                   surface)
            payload = guidance_payload(deps, guidance, text)
            ts = stream.finish(payload, final=guidance.source == "llm")
        finally:
            if processing and not stream.session_closed:
                set_session(client, channel, thread_ts, "active")
    if ts is not None:
        posted = Posted(channel, ts)
        record_guidance(deps, team_id, posted, thread_ts, guidance, text)
        return guidance, posted
    return guidance, post_guidance(deps, client, team_id, asker.user_id, channel, guidance, text, thread_ts)


def _after_stop(deps: Deps, asker: Asker, team_id: str, thread_ts: str, text: str, stream: GuidanceStream,
                guidance: Guidance | None, context: str | None, history: list[dict[str, str]] | None,
                surface: str) -> tuple[Guidance, Posted] | None:
    """The seller stopped the model: the streamed reply becomes the offline answer, or goes, as they chose."""
    client, channel = asker.client, asker.channel
    log.info("the coaching in %s was stopped by the seller", channel)
    if deps.store.on_stop(team_id, asker.user_id) == "nothing":
        stream.discard(stopped=True)
        set_status(client, channel, thread_ts, asker.language, working=False)
        return None
    if guidance is None:  # stopped before the model was asked: the playbook answer, said to be stopped
        guidance = deps.coach.coach(text, context, surface=surface, team_id=team_id, user_id=asker.user_id,
                                    history=history, offline=True)
        lang = guidance.language
        guidance.notes.insert(1, t("note.fallback", lang, why=t("note.why.stopped", lang)))
    ts = stream.finish(guidance_payload(deps, guidance, text), final=False, stopped=True)
    if ts is None:
        return guidance, post_guidance(deps, client, team_id, asker.user_id, channel, guidance, text, thread_ts)
    posted = Posted(channel, ts)
    record_guidance(deps, team_id, posted, thread_ts, guidance, text)
    return guidance, posted
