"""The call review in Block Kit (issue #22): a header, each buyer objection as a section (where it came, the
buyer's words, its kind, how the seller's side answered: each check ✓/✗ with the words that earned it, and the
one change) with its "Practise this" button, then the buyer's obstacles and the next step. A long call is split
over several messages, each within Slack's limits (50 blocks, 3,000 characters a section, about 12,000 a
message), a moment never cut between two. Also the question that asks the seller which speakers are theirs,
and what a file that is no call is told.

No Slack calls here: bot/slack/call_files.py posts these.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.calls.formats import MAX_BYTES, CallError
from bot.calls.review import CallReview, Moment
from bot.content.i18n import t
from bot.slack.blocks import HEADER_LIMIT, MAX_BLOCKS, MESSAGE_TEXT_LIMIT, escape, split_text

Block = dict[str, Any]
PRACTISE_ACTION = "call_practice"  # value: "<review id>:<moment number>"
SIDES_BLOCK = "call_sides"
SIDES_PICK = "call_sides_pick"  # the multi-select: each pick is acknowledged, nothing more
SIDES_REVIEW = "call_sides_review"  # the button that reviews with the speakers picked; value: the review id
MAX_OPTIONS = 100  # Slack's limit of options in a select menu
OPTION_CHARS = 75  # ... and of an option's text
CONTEXT_CHARS = 1000  # a context element's text shown here (Slack allows 3,000; a line of names needs less)


def _section(text: str, accessory: Block | None = None) -> list[Block]:
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in split_text(text)]
    if accessory is not None and blocks:
        blocks[0]["accessory"] = accessory
    return blocks


def _context(lines: list[str]) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": line[:CONTEXT_CHARS]} for line in lines[:10]]}


def _header(text: str) -> Block:
    if len(text) > HEADER_LIMIT:
        text = text[: HEADER_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def practise_button(review_id: int, number: int, lang: str) -> Block:
    return {"type": "button", "action_id": PRACTISE_ACTION, "value": f"{review_id}:{number}",
            "text": {"type": "plain_text", "text": t("call.practise", lang)}}


def moment_text(moment: Moment, kind_names: dict[str, str], lang: str) -> str:
    """One objection and the answer to it, as mrkdwn; every word of the call escaped."""
    where = f"`{moment.where}` " if moment.where else ""
    lines = [f"*{moment.number}.* {where}*{escape(moment.speaker)}*: “{escape(moment.quote)}”",
             f"{t('call.kind', lang)}: *{escape(kind_names.get(moment.kind, moment.kind))}*"
             + (t("call.unsure", lang) if moment.asks_first else "")]
    answer = moment.answer
    if answer is None:
        lines.append(f"_{t('call.not_answered', lang)}_")
        return "\n".join(lines)
    when = f" `{answer.where}`" if answer.where else ""
    lines.append(f"*{t('call.answer', lang, who=escape(', '.join(answer.speakers)))}*{when}: “{escape(answer.text)}”")
    if answer.score is None:
        lines.append(f"_{t('call.not_scored', lang)}_")
        return "\n".join(lines)
    passed, applicable = answer.tally()
    lines.append(f"{t('practice.score', lang)}: *{passed}/{applicable}* ({answer.score:.0%})")
    for mark, check, words in answer.marks():
        lines.append(f"{mark} {t(f'practice.check.{check}', lang)}" + (f": “{escape(words)}”" if words else ""))
    lines.append(f"*{t('call.improve', lang)}:* {escape(answer.improve)}")
    return "\n".join(lines)


def review_messages(review: CallReview, review_id: int, file_name: str, kind_names: dict[str, str],
                    obstacle_names: dict[str, str], shared_in: str | None = None) -> list[list[Block]]:
    """The review as one or more messages' blocks. `shared_in` is the channel the file was shared in when the
    review goes elsewhere (by DM, because people outside the workspace read that channel)."""
    lang = review.language
    title = t("call.title_email" if review.kind == "email" else "call.title", lang, turns=review.turns,
              objections=len(review.moments))
    sides = review.sides
    source = t("call.file", lang, name=escape(file_name)) + (f" · <#{shared_in}>" if shared_in else "")
    head = [_header(title), _context([t("call.sides", lang, ours=escape(", ".join(sides["ours"])),
                                        buyers=escape(", ".join(sides["buyers"]))), source])]
    groups: list[list[Block]] = [head]
    if not review.moments:
        groups.append(_section(t("call.none_found", lang)))
    for moment in review.moments:
        groups.append([{"type": "divider"},
                       *_section(moment_text(moment, kind_names, lang), practise_button(review_id, moment.number,
                                                                                        lang))])
    obstacles = [f"• *{escape(obstacle_names.get(o.kind, o.kind))}*: " + (f"`{o.where}` " if o.where else "")
                 + f"“{escape(o.evidence)}”" for o in review.obstacles] or [f"_{t('call.no_obstacles', lang)}_"]
    groups.append([{"type": "divider"}, *_section(f"*{t('call.obstacles', lang)}*\n" + "\n".join(obstacles))])
    groups.append([*_section(f"*{t('call.next', lang)}:* {escape(review.next_step)}"),
                   _context([t("call.offline_note", lang)]
                            + ([t("call.practise_hint", lang)] if review.moments else []))])
    return pack(groups)


def _chars(block: Block) -> int:
    text = block.get("text")
    if isinstance(text, dict):
        return len(text.get("text") or "")
    return sum(len(e.get("text") or "") for e in block.get("elements") or [] if isinstance(e, dict))


def pack(groups: list[list[Block]], max_blocks: int = MAX_BLOCKS, max_chars: int = MESSAGE_TEXT_LIMIT
         ) -> list[list[Block]]:
    """Groups of blocks into messages of at most `max_blocks` blocks and `max_chars` characters of text, in
    order; a group is never split unless it alone is over a limit (then it is cut where it must be)."""
    messages: list[list[Block]] = [[]]
    used = 0
    for group in groups:
        size = sum(_chars(block) for block in group)
        if messages[-1] and (len(messages[-1]) + len(group) > max_blocks or used + size > max_chars):
            messages.append([])
            used = 0
        for block in group:
            if messages[-1] and (len(messages[-1]) == max_blocks or used + _chars(block) > max_chars):
                messages.append([])
                used = 0
            messages[-1].append(block)
            used += _chars(block)
    return [blocks for blocks in messages if blocks]


def sides_question(review_id: int, file_name: str, speakers: list[str], lang: str,
                   likely_ours: Sequence[str] = ()) -> list[Block]:
    """Which speakers are the seller's: a multi-select of the speakers, with those the evidence already puts on
    our side picked (`likely_ours`: the seller only corrects), and a button that reviews with them."""
    options = [{"text": {"type": "plain_text", "text": (name if len(name) <= OPTION_CHARS
                                                        else name[: OPTION_CHARS - 1] + "…")},
                "value": str(index)} for index, name in enumerate(speakers[:MAX_OPTIONS])]
    picked_now = [option for option, name in zip(options, speakers, strict=False) if name in likely_ours]
    return [
        *_section(t("call.ask.question", lang, name=escape(file_name))),
        {"type": "actions", "block_id": SIDES_BLOCK, "elements": [
            {"type": "multi_static_select", "action_id": SIDES_PICK, "options": options,
             **({"initial_options": picked_now} if picked_now else {}),
             "placeholder": {"type": "plain_text", "text": t("call.ask.placeholder", lang)}},
            {"type": "button", "action_id": SIDES_REVIEW, "value": str(review_id), "style": "primary",
             "text": {"type": "plain_text", "text": t("call.ask.review", lang)}}]},
    ]


def picked(body: dict[str, Any]) -> list[int]:
    """The speakers (indexes) picked in the question, from the click's `state` (Slack sends a message's whole
    state with every block_actions payload)."""
    values = (((body.get("state") or {}).get("values") or {}).get(SIDES_BLOCK) or {}).get(SIDES_PICK) or {}
    return [int(o["value"]) for o in values.get("selected_options") or [] if str(o.get("value", "")).isdigit()]


# What a file that cannot be reviewed is told, by the first words of the reader's one-line error
# (bot/calls/formats.py `CallError`); anything else is said in the reader's own words.
_PROBLEMS = (("the file is empty", "empty"), ("the file is binary", "binary"), ("only one speaker", "one_speaker"),
             ("the conversation is in neither", "language"), ("unknown layout", "layout"),
             ("no one says anything", "layout"), ("a broken", "layout"), ("the captions name no speaker",
                                                                          "no_speakers"),
             ("cannot read the file", "unreadable"))
_TOO_BIG = re.compile(r"^the file is ([\d.]+) MB")


def problem_text(error: CallError | str, file_name: str, lang: str) -> str:
    """One clear line for the seller about a file that is no call or thread to review. `error` is the reader's
    CallError, or a key of ours ("too_big:<bytes>", "unreadable")."""
    name = escape(file_name)
    message = str(error)
    if isinstance(error, str) and error.startswith("too_big:"):
        size = int(error.split(":", 1)[1]) / 1024 / 1024
        return t("call.error.too_big", lang, name=name, size=f"{size:.1f}", limit=MAX_BYTES // 1024 // 1024)
    if isinstance(error, str):
        return t(f"call.error.{error}", lang, name=name)
    big = _TOO_BIG.match(message)
    if big:
        return t("call.error.too_big", lang, name=name, size=big.group(1), limit=MAX_BYTES // 1024 // 1024)
    for start, key in _PROBLEMS:
        if message.startswith(start):
            return t(f"call.error.{key}", lang, name=name)
    return t("call.error.other", lang, name=name, detail=escape(message))
