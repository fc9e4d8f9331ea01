"""`/objection` and its subcommands. Ack first (Slack allows 3 s); coaching runs afterwards, lazily."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.coach import EmptyObjection
from bot.i18n import t
from bot.slack.audience import team_of
from bot.slack.blocks import escape, unescape, usage_blocks, usage_fallback
from bot.slack.deps import Deps
from bot.slack.home import refresh_home
from bot.slack.posting import post_guidance, post_summary
from bot.slack.replies import Asker, language_of, notice, reported, user_language
from bot.store import now_iso

log = logging.getLogger(__name__)
HELP = {"", "help", "ayuda", "?"}
_USER = re.compile(r"<@(U[A-Z0-9]+)(?:\|[^>]*)?>")
LATEST_THREADS = 3  # `/objection summary` summarises this many of the channel's latest threads


# What each subcommand's arguments look like. Anything else is an objection to coach, so "owner says we're too
# expensive" or "close, but the CFO wants..." are coached, not taken for commands.
_SHAPES = {
    "help": re.compile(r"^$"),
    "track": re.compile(r"^.{0,80}$"),
    "untrack": re.compile(r"^$"),
    "summary": re.compile(r"^$"),
    "nudges": re.compile(r"^(on|off)$", re.I),
    "owner": re.compile(r"^<@U[A-Z0-9]+(\|[^>]*)?>$"),
    "stage": re.compile(r"^[^\s].{0,59}$"),
    "close": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "practice": re.compile(r"^([\w-]+)?(\s+(en|es))?$", re.I),  # handled by bot/slack/practice.py
}

# A deal name or a stage is a short label. These turn "track record? You've only been around two years" or
# "stage we're too early for this" into an objection to coach, never into a change of the deal.
NAMED_SUBCOMMANDS = ("track", "stage")
LABEL_WORDS = 6
_SENTENCE_MARKS = re.compile(r"[?!¿¡]|\w['’](?:ve|re|ll|d|m|t)\b", re.I)
_SLACK_MARKUP = re.compile(r"<[^>]*>")
_SENTENCE_WORDS = set(
    # English and Spanish pronouns, verbs and connectives that make a sentence, not a name (lowercase only:
    # "Is" or "No" in a name is capitalised)
    "i you we they he she it me us them my your our their his her its is are was were am be been being have "
    "has had do does did will would should can could cannot not never only just too very why how what who "
    "when if because but than says said think "
    "yo tú usted ustedes nosotros ellos ellas él ella nos les te es son era fue está están estamos somos "
    "tiene tienen tenemos hay nunca solo sólo muy porque qué cómo cuando pero que dice dicen creo".split()
)


def reads_like_a_sentence(args: str) -> bool:
    """More than six words, a question or exclamation mark, a contraction ("you've", "don't"), or a lowercase
    pronoun or verb ("you", "is", "tenemos"): something someone said, not a name."""
    words = args.split()
    plain = _SLACK_MARKUP.sub(" ", args)  # "<!channel>" or "<@U123>" are not punctuation
    return (len(words) > LABEL_WORDS or bool(_SENTENCE_MARKS.search(plain))
            or any(w.strip(",.;:") in _SENTENCE_WORDS for w in words))


def parse(text: str | None) -> tuple[str, str]:
    """Split command text into (subcommand, args); free text is the `coach` subcommand."""
    text = unescape(text or "").strip()
    first, _, rest = text.partition(" ")
    sub = "help" if first.lower() in HELP else first.lower()
    rest = rest.strip()
    if sub in NAMED_SUBCOMMANDS and reads_like_a_sentence(rest):
        return "coach", text
    if sub in _SHAPES and _SHAPES[sub].match(rest):
        return sub, rest
    return "coach", text


def declined_subcommand(text: str | None) -> bool:
    """The text starts like `track` or `stage` but is coached: worth a line on how to track a deal."""
    first = unescape(text or "").strip().partition(" ")[0].lower()
    return first in NAMED_SUBCOMMANDS and parse(text)[0] == "coach"


def register(app: App, deps: Deps) -> None:
    def ack_objection(ack: Ack, body: dict[str, Any]) -> None:
        try:
            answer_at_once(ack, body)
        except Exception:
            log.exception("/objection failed before its acknowledgement")
            ack(response_type="ephemeral", text=notice("error", language_of(body.get("text"))))

    def answer_at_once(ack: Ack, body: dict[str, Any]) -> None:
        sub, args = parse(body.get("text"))
        team_id, channel, user_id = team_of(body), body.get("channel_id", ""), body.get("user_id", "")
        # a subcommand says little about the user's language: their Slack locale if it is cached (no call to
        # Slack inside the 3 s), else Spanish for "ayuda", else English
        first = unescape(body.get("text") or "").strip().partition(" ")[0].lower()
        lang = deps.store.cached_language(team_id, user_id, datetime.now(UTC)) or ("es" if first == "ayuda" else "en")
        if sub == "help":
            ack(response_type="ephemeral", text=usage_fallback(lang), blocks=usage_blocks(lang))
        elif sub == "track":
            deps.store.track_deal(team_id, channel, "", args or body.get("channel_name") or channel, user_id)
            ack()  # the announcement follows: who may see it depends on who can read the channel
        elif sub == "untrack":
            done = deps.store.untrack_deal(team_id, channel)
            ack(response_type="ephemeral",
                text=t("deal.untracked_channel" if done else "deal.channel_not_tracked", lang))
        elif sub == "summary":
            ack(response_type="ephemeral", text=t("ack.reading_threads", lang))
        elif sub == "nudges":
            on = args.lower() == "on"
            deps.store.set_nudges(team_id, user_id, on)
            ack(response_type="ephemeral", text=t("deal.nudges_on" if on else "deal.nudges_off", lang))
        elif sub in ("owner", "stage", "close"):
            ack(response_type="ephemeral", text=update_deal(team_id, channel, sub, args, lang))
        else:
            # the objection's own language: the coaching will be in it
            working = t("ack.diagnosing", language_of(args))
            if declined_subcommand(body.get("text")):
                working += "\n" + notice("coached_not_tracked", language_of(args))
            ack(response_type="ephemeral", text=working)

    def update_deal(team_id: str, channel: str, field: str, value: str, lang: str) -> str:
        deal = deps.store.deal(team_id, channel)
        if deal is None or deal["status"] != "open":
            return t("deal.not_a_deal", lang)
        if field == "owner":
            owner = _USER.search(value).group(1)  # type: ignore[union-attr]  # parse() checked the shape
            deps.store.update_deal(deal["id"], owner_id=owner)
            return t("deal.owner_set", lang, owner=owner, name=escape(deal["name"]))
        if field == "close":
            try:
                date.fromisoformat(value)
            except ValueError:
                return t("deal.bad_date", lang, value=value)  # parse() checked it is digits and dashes
            deps.store.update_deal(deal["id"], close_date=value)
            return t("deal.close_set", lang, name=escape(deal["name"]), date=value)
        deps.store.update_deal(deal["id"], stage=value[:60], stage_changed_at=now_iso())
        return t("deal.stage_set", lang, name=escape(deal["name"]), stage=escape(value[:60]))

    def announce_tracking(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        team_id, channel = team_of(body), body.get("channel_id", "")
        deal = deps.store.deal(team_id, channel)
        if deal is None:
            return
        refresh_home(deps, client, team_id, deal["owner_id"])
        lang = user_language(deps.store, team_id, body.get("user_id", ""), client)
        text = t("deal.tracking_channel", lang, name=escape(deal["name"]), owner=deal["owner_id"])
        if deps.audience.outsiders_can_read(client, team_id, channel):
            respond(response_type="ephemeral", text=f"{text}\n_{notice('only_you', lang)}_")
        else:
            respond(response_type="in_channel", text=text)

    def summarize_latest(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        team_id, channel, user_id = team_of(body), body.get("channel_id", ""), body.get("user_id", "")
        history = client.conversations_history(channel=channel, limit=100)
        threads = [m["ts"] for m in history.get("messages") or [] if m.get("reply_count")][:LATEST_THREADS]
        lang = user_language(deps.store, team_id, user_id, client)
        if not threads:
            respond(response_type="ephemeral", text=t("summary.no_threads", lang))
            return
        outcomes = [post_summary(deps, client, team_id, user_id, channel, thread_ts) for thread_ts in threads]
        if "shared" in outcomes:
            respond(response_type="ephemeral",
                    text=t("summary.done_shared", lang, count=len(threads), notice=notice("shared", lang)))
        else:
            respond(response_type="ephemeral", text=t("summary.done", lang, count=len(threads)))

    def run_subcommand(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        sub, text = parse(body.get("text"))
        if sub == "coach":
            coach_objection(body, text, client, respond)
        elif sub == "track":
            announce_tracking(body, client, respond)
        elif sub == "summary":
            try:
                summarize_latest(body, client, respond)
            except SlackApiError as exc:
                log.error("summary failed: %s", exc.response.get("error"))
                lang = user_language(deps.store, team_of(body), body.get("user_id", ""))
                respond(response_type="ephemeral", text=notice("cannot_read", lang))

    def coach_objection(body: dict[str, Any], text: str, client: WebClient, respond: Respond) -> None:
        team_id, user_id, channel = team_of(body), body.get("user_id", ""), body.get("channel_id", "")
        asker = Asker(client, user_id, channel, respond=respond, language=language_of(text))
        try:
            guidance = deps.coach.coach(text, surface="slack", team_id=team_id, user_id=user_id)
        except EmptyObjection:
            lang = asker.language
            respond(response_type="ephemeral", text=usage_fallback(lang), blocks=usage_blocks(lang))
            return
        asker.language = guidance.language
        try:
            posted = post_guidance(deps, client, team_id, user_id, channel, guidance, text)
        except SlackApiError as exc:
            log.error("posting the coaching failed: %s", exc.response.get("error"))
            asker.notify("not_posted")
            return
        if posted.moved:
            asker.notify(posted.moved)

    app.command("/objection")(ack=ack_objection, lazy=[reported(run_subcommand)])
