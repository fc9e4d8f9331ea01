"""A call transcript or an email thread shared in Slack, reviewed for the seller who shared it (issue #22).

The file arrives as a `message` event of subtype `file_share` (the message.im / message.channels / ... events
the app already subscribes to), whose `files` are Slack file objects: `id`, `name`, `filetype`, `size`,
`url_private`... In a Slack Connect channel they may be stubs (`"file_access": "check_file_info"`, no name).
Either way the file is read through `files.info` (its size checked before a byte is downloaded) and downloaded
from its `url_private_download` with the bot token in an `Authorization: Bearer` header; both need `files:read`.
Payload shapes: https://docs.slack.dev/reference/events/file_shared (the `file_shared` event, which carries only
ids and is not subscribed: the message event says the same and more), the FileShareMessageEvent type of
@slack/types (https://docs.slack.dev/tools/node-slack-sdk/reference/types/interfaces/FileShareMessageEvent),
https://docs.slack.dev/reference/objects/file-object, and payloads captured from Slack in
MercuryTechnologies/slack-web tests/golden/SlackWebhookEvent/message_file_share{,_slack_connect}.json.

Where: the app's DM (its Messages tab), a coaching thread, or a tracked deal room. The review goes to the seller
who shared the file, in the thread of their message; where people outside the workspace can read, by DM, and
nothing at all is posted in that channel. A file that is no conversation we review gets one clear line, and
nothing is stored. When the speakers' sides are unsure, the seller is asked once which speakers are theirs
(a multi-select and a "Review" button); the file's text is kept until they answer (at most the text retention
period). The review keeps its moments (for "Practise this") until the text retention period, and the scores of
the seller's answers, without text, for the Home tab and the manager's view.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit
from urllib.request import HTTPRedirectHandler, Request, build_opener

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.calls.formats import MAX_BYTES, CallError, Conversation, Turn, read_call_bytes
from bot.calls.review import CallReview, review_call
from bot.calls.sides import Sides, assign_sides
from bot.content.i18n import t
from bot.services.practice import call_scenario, moment_context
from bot.slack.blocks import escape
from bot.slack.call_review import problem_text, review_messages, sides_question
from bot.slack.deps import Deps
from bot.slack.home import refresh_home
from bot.slack.posting import open_dm
from bot.slack.replies import user_language

log = logging.getLogger(__name__)
CALL_EXTENSIONS = (".vtt", ".srt", ".txt", ".eml")
# Slack's `filetype` for those (a text snippet is "text"), for a file object without a name
CALL_FILETYPES = {"vtt", "srt", "text", "email", "eml"}
FILES_PER_MESSAGE = 3  # a message may carry up to 10 files: a review each for the first few calls
DOWNLOAD_SECONDS = 20


class FileProblem(Exception):
    """A shared file that cannot be read: `reason` is "unreadable" or "too_big:<bytes>" (bot/slack/call_review.py
    `problem_text` says it to the seller)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def is_call_file(file: dict[str, Any]) -> bool:
    name = (file.get("name") or "").lower()
    return name.endswith(CALL_EXTENSIONS) or (not name and file.get("filetype") in CALL_FILETYPES)


def call_files(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The files of a message that may be a call or a thread: by name, or unknown until `files.info` says (a
    Slack Connect stub)."""
    files = [f for f in event.get("files") or [] if isinstance(f, dict) and f.get("id")]
    return [f for f in files if is_call_file(f) or f.get("file_access") == "check_file_info"]


@dataclass(frozen=True)
class Where:
    """Where the seller is answered about one shared file: `channel` and `thread_ts` (None: a new message);
    `private` when only the seller reads there (their DM with the app); `shared_in`, the channel the file was
    shared in when outsiders read it (the answers then go by DM and name it)."""

    channel: str
    thread_ts: str | None
    user_id: str
    private: bool
    shared_in: str | None = None


def where_to_answer(deps: Deps, client: WebClient, team_id: str, user_id: str, channel: str,
                    thread_ts: str | None, in_dm: bool) -> Where:
    if in_dm:
        return Where(channel, thread_ts, user_id, private=True)
    if deps.audience.outsiders_can_read(client, team_id, channel):
        return Where(open_dm(client, user_id), None, user_id, private=True, shared_in=channel)
    return Where(channel, thread_ts, user_id, private=False)


def tell(client: WebClient, where: Where, text: str) -> None:
    """One line only the seller sees: in their DM, or as an ephemeral message in the channel's thread."""
    if where.private:
        client.chat_postMessage(channel=where.channel, thread_ts=where.thread_ts, text=text,
                                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
    else:
        client.chat_postEphemeral(channel=where.channel, user=where.user_id, thread_ts=where.thread_ts, text=text)


def post(client: WebClient, where: Where, **payload: Any) -> str:
    return client.chat_postMessage(channel=where.channel, thread_ts=where.thread_ts, **payload)["ts"]


# --- reading the file ---------------------------------------------------------------------------------------------

class _KeepTokenOnHost(HTTPRedirectHandler):
    """Follow a redirect, but never carry the bot token to another host."""

    def redirect_request(self, req: Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urlsplit(newurl).netloc != urlsplit(req.full_url).netloc:
            new.remove_header("Authorization")
        return new


def _slack_host(url: str, client: WebClient) -> bool:
    """Slack's own files host (or, in tests, the host the client's Web API calls go to): the only places the
    bot token is sent."""
    parts, api = urlsplit(url), urlsplit(client.base_url)
    if parts.scheme == "https" and (parts.hostname or "").endswith((".slack.com", ".slack-edge.com", ".slack-gov.com")):
        return True
    return (parts.scheme, parts.netloc) == (api.scheme, api.netloc)


def file_info(client: WebClient, file_id: str) -> dict[str, Any]:
    try:
        return client.files_info(file=file_id)["file"] or {}
    except SlackApiError as exc:
        log.warning("files.info %s failed: %s", file_id, exc.response.get("error"))
        raise FileProblem("unreadable") from None


def download(client: WebClient, file: dict[str, Any]) -> bytes:
    """The file's bytes (at most MAX_BYTES + 1 are read: more is too big, whatever `size` said)."""
    size = int(file.get("size") or 0)
    if size > MAX_BYTES:
        raise FileProblem(f"too_big:{size}")  # before a byte is downloaded
    url = file.get("url_private_download") or file.get("url_private") or ""
    if not url or not _slack_host(url, client):
        log.warning("file %s has no download address on Slack's hosts; not downloaded", file.get("id"))
        raise FileProblem("unreadable")
    request = Request(url, headers={"Authorization": f"Bearer {client.token}"})
    try:
        with build_opener(_KeepTokenOnHost()).open(request, timeout=DOWNLOAD_SECONDS) as response:
            kind = (response.headers.get("Content-Type") or "").lower()
            data = response.read(MAX_BYTES + 1)
    except OSError as exc:  # HTTP errors and network failures alike
        log.warning("downloading file %s failed (%s)", file.get("id"), type(exc).__name__)
        raise FileProblem("unreadable") from None
    if kind.startswith("text/html") and not (file.get("name") or "").lower().endswith((".html", ".htm")):
        log.warning("downloading file %s gave a web page (is files:read granted?)", file.get("id"))
        raise FileProblem("unreadable")  # Slack's sign-in page, not the file
    if len(data) > MAX_BYTES:
        raise FileProblem(f"too_big:{len(data)}")
    return data


# --- reviewing ----------------------------------------------------------------------------------------------------

def review_shared_file(deps: Deps, client: WebClient, team_id: str, where: Where, stub: dict[str, Any],
                       thread_ts: str, origin: str) -> None:
    """Read one shared file and review it for the seller, or ask them first which speakers are theirs, or tell
    them in one line why it cannot be reviewed (then nothing is stored). `origin` is the channel it was shared in."""
    user_id = where.user_id
    name = stub.get("name") or stub.get("title") or stub["id"]
    try:
        file = file_info(client, stub["id"])
        name = file.get("name") or file.get("title") or name
        if not is_call_file(file):
            return  # a Slack Connect stub that turned out to be a picture or a PDF: not ours to read
        conversation = read_call_bytes(download(client, file), name)
    except (FileProblem, CallError) as exc:
        problem = exc.reason if isinstance(exc, FileProblem) else exc
        lang = user_language(deps.store, team_id, user_id, client)
        tell(client, where, problem_text(problem, name, lang))
        return
    company = deps.coach.playbooks.profile.company
    sides = assign_sides(conversation, company=company.name, domains=company.domains)
    row = {"team_id": team_id, "user_id": user_id, "channel": origin, "thread_ts": thread_ts, "file_id": file["id"],
           "file_name": name, "kind": conversation.kind, "language": conversation.language}
    if sides.decided:
        post_review(deps, client, team_id, where, conversation, sides, row)
        return
    speakers = conversation.speakers
    review_id = deps.store.save_call_review(**row, state="asking", text=conversation_json(conversation),
                                            speakers=json.dumps(speakers, ensure_ascii=False))
    lang = conversation.language
    post(client, where, text=t("call.ask.question", lang, name=escape(name)),
         blocks=sides_question(review_id, name, speakers, lang, sides.ours))


def conversation_json(conversation: Conversation) -> str:
    """What is kept of the file while the seller is asked: the conversation as read (its turns, who said them,
    when), never the file's bytes."""
    return json.dumps(asdict(conversation), ensure_ascii=False)


def conversation_of(kept: str) -> Conversation:
    data = json.loads(kept)
    return Conversation(data["kind"], data["format"], tuple(Turn(**turn) for turn in data["turns"]),
                        data["language"], data.get("subject"),
                        tuple((name, company) for name, company in data.get("affiliations", ())))


def post_review(deps: Deps, client: WebClient, team_id: str, where: Where, conversation: Conversation,
                sides: Sides, row: dict[str, Any], review_id: int | None = None) -> None:
    """Review the conversation, keep what the review keeps, and post it where the seller reads."""
    review = review_call(deps.coach, conversation, sides, team_id=team_id)
    moments = _moments(conversation, review)
    answers = [{"team_id": team_id, "user_id": where.user_id, "moment": m.number, "kind": m.kind,
                "lang": review.language, "checks": json.dumps(m.answer.checks), "score": m.answer.score,
                "handled": int(m.answer.handled)}
               for m in review.moments if m.answer is not None and m.answer.score is not None]
    review_id = deps.store.record_call_review(
        {**row, "speakers": json.dumps(conversation.speakers, ensure_ascii=False),
         "moments": json.dumps(moments, ensure_ascii=False)}, answers, review_id)
    lang, coach = review.language, deps.coach
    messages = review_messages(review, review_id, row["file_name"], coach.kind_names(lang),
                               coach.obstacle_names(lang), where.shared_in)
    fallback = t("call.fallback", lang, objections=len(review.moments))
    for blocks in messages:
        post(client, where, blocks=blocks, text=fallback)
    refresh_home(deps, client, team_id, where.user_id)


def _moments(conversation: Conversation, review: CallReview) -> list[dict[str, Any]]:
    """What "Practise this" needs of each moment: the buyer's words, their kind and topic, the turns before."""
    kept, after = [], 0
    for moment in review.moments:
        context, index = moment_context(conversation.turns, moment.speaker, moment.where, moment.quote, after)
        after = max(after, index + 1)
        kept.append({"number": moment.number, "where": moment.where, "speaker": moment.speaker,
                     "quote": moment.quote, "kind": moment.kind, "asks_first": moment.asks_first,
                     "topic": next((c["topic"] for c in moment.concerns if c["topic"]), None), "context": context})
    return kept


def review_with_speakers(deps: Deps, client: WebClient, team_id: str, user_id: str, review_id: int,
                         chosen: list[int], where: Where, question_ts: str | None) -> str:
    """The seller chose their speakers: review the call kept for that. Returns "reviewed", or what stopped it:
    "not_yours", "gone" (already reviewed, or its text no longer kept), "pick_some"."""
    row = deps.store.call_review(review_id)
    if row is None or row["team_id"] != team_id:
        return "gone"
    if row["user_id"] != user_id:
        return "not_yours"
    speakers: list[str] = json.loads(row["speakers"] or "[]")
    ours = [speakers[i] for i in chosen if 0 <= i < len(speakers)]
    if not ours or len(set(ours)) >= len(speakers):
        return "pick_some"
    if not row["text"] or not deps.store.claim_call_review(review_id):
        return "gone"
    try:
        conversation = conversation_of(row["text"])
        sides = assign_sides(conversation, ours=ours)
        if question_ts:
            names = escape(", ".join(ours))
            done = t("call.ask.done", row["language"], name=escape(row["file_name"]), ours=names)
            client.chat_update(channel=where.channel, ts=question_ts, text=done,
                               blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": done}}])
        keep = {k: row[k] for k in ("team_id", "user_id", "channel", "thread_ts", "file_id", "file_name", "kind",
                                    "language")}
        post_review(deps, client, team_id, where, conversation, sides, keep, review_id)
    except Exception:
        deps.store.release_call_review(review_id)  # the seller may press Review again
        raise
    return "reviewed"


# --- "Practise this" ----------------------------------------------------------------------------------------------

def moment_scenario(deps: Deps, team_id: str, value: str) -> tuple[Any, str] | str:
    """The practice scenario of a review's moment (from the button's "<review id>:<number>") and its language,
    or why there is none: "gone" (no such review here) or "too_old" (its words are no longer kept)."""
    review_id, _, number = value.partition(":")
    row = deps.store.call_review(int(review_id)) if review_id.isdigit() else None
    if row is None or row["team_id"] != team_id:
        return "gone"
    moment = next((m for m in json.loads(row["moments"] or "[]") if str(m["number"]) == number), None)
    if moment is None:
        return "too_old"
    scenario = call_scenario(str(row["id"]), moment["number"], quote=moment["quote"], kind=moment["kind"],
                             ambiguous=moment["asks_first"], topic=moment["topic"], speaker=moment["speaker"],
                             where=moment["where"], context=moment["context"])
    return scenario, row["language"]
