"""Block Kit builders and Slack text escaping.

Every piece of text shown in Slack that this codebase did not write itself (the buyer's words, deal names,
playbooks, model output) passes through `escape`, here or in the short acknowledgements of the listeners, so
`<!channel>`, `<!here>` or `<@U123>` typed by someone can never ping anybody.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.content.i18n import t
from bot.core.guidance import Answer, Guidance
from bot.core.taxonomy import KINDS
from bot.core.text import cut_at_word

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
MAX_BLOCKS = 50
# Slack rejects a message whose blocks carry much more than this (about 12k characters in practice)
MESSAGE_TEXT_LIMIT = 12_000
Block = dict[str, Any]


# Bidirectional controls (embeddings, overrides such as U+202E, isolates, marks): invisible characters that
# reorder what a reader sees, so a quoted "cancel" can display as something else. The coach already drops them
# from what it stores; this drops them from everything shown, the quote of the buyer's words included.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape(text: str) -> str:
    """Text someone else wrote, safe to show in Slack: the three characters Slack treats as markup in mrkdwn and
    message text escaped, and bidirectional controls removed."""
    return _BIDI.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack sends typed `&`, `<`, `>` encoded; decode them once on the way in, so we store and classify what
    people wrote (Slack's own markup such as <@U123> is left as it is)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split text into pieces of at most `limit` characters, at line or word boundaries."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:  # one unbroken word longer than the limit: nothing better than a hard cut
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def _sections(title: str, body: str) -> list[Block]:
    """A titled section, split over several section blocks when the text is long."""
    chunks = split_text(f"*{title}*\n{body}", SECTION_LIMIT)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


def _quote(text: str) -> str:
    return "\n".join(f">{line}" for line in escape(text).splitlines() or [""])


def _header(text: str) -> Block:
    if len(text) > HEADER_LIMIT:
        text = text[: HEADER_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _context(lines: list[str]) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": escape(line)} for line in lines[:10]]}


def _fit(blocks: list[Block], tail: list[Block]) -> list[Block]:
    """Keep the body within Slack's block limit, always keeping the tail (context and buttons)."""
    room = MAX_BLOCKS - len(tail)
    return blocks[:room] + tail


# an AI answer names at most this many of the team's profile facts it drew on, each cut to this length
FACTS_NAMED = 3
FACT_CHARS = 90
FEEDBACK_ACTION = "coaching_feedback"  # Slack's feedback buttons (thumbs) under a coaching
RATINGS = ("helpful", "not_helpful")  # what each button's value says, after the coaching id: "42:helpful"
USED_ACTION = "coaching_used"  # "Used this talk track": feedback kind "used", which `coach outcomes` counts


def feedback_block(coaching_id: str, lang: str) -> Block:
    """Slack's native thumbs under an answer: a `context_actions` block with one `feedback_buttons` element
    (docs.slack.dev/reference/block-kit/blocks/context-actions-block). A click sends the clicked button's value,
    never whether it is now on or off: the latest click is the seller's rating."""

    def button(rating: str, text: str, label: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": t(text, lang)}, "accessibility_label": t(label, lang),
                "value": f"{coaching_id}:{rating}"}

    return {"type": "context_actions", "elements": [
        {"type": "feedback_buttons", "action_id": FEEDBACK_ACTION,
         "positive_button": button("helpful", "guidance.helpful", "guidance.helpful_label"),
         "negative_button": button("not_helpful", "guidance.not_helpful", "guidance.not_helpful_label")}]}


def ai_note(guidance: Guidance, playbooks: Sequence[str]) -> list[str]:
    """An AI answer says so, and what it drew on: the playbooks it was given and the team's profile facts
    matched to what the buyer said (the reading the model was shown)."""
    lang = guidance.language
    facts = list(dict.fromkeys(c["fact"] for c in guidance.concerns if c.get("fact")))
    named = [f"“{cut_at_word(fact, FACT_CHARS)}”" for fact in facts[:FACTS_NAMED]]
    books = ", ".join(t("guidance.playbook", lang, name=name) for name in playbooks)
    facts_said = "; ".join(named) if named else t("guidance.no_facts", lang)
    return [t("guidance.ai_written", lang), t("guidance.drew_on", lang, playbooks=books, facts=facts_said)]


def guidance_blocks(guidance: Guidance, objection: str, kind_name: str,
                    playbooks: Sequence[str] = ()) -> list[Block]:
    """The coaching message: what the buyer said, the guidance, its notes (and, written by a model, that it is
    AI-written and what it drew on: `playbooks`, the names of the playbooks it was given, and the team's facts),
    "Diagnose differently" and the thumbs."""
    labels = {k.label: k.title for k in KINDS}
    lang = guidance.language
    body: list[Block] = [
        _header(f"{kind_name} · {guidance.label} · {guidance.confidence:.0%}"),
        # what was coached, never more: a 1 MB objection is quoted as its first 4,000 characters, like it was read
        *_sections(t("guidance.buyer_said", lang), _quote(cut_at_word(objection))),
    ]
    if guidance.question:
        body += _sections(t("guidance.ask_first", lang), escape(guidance.question))
    for key, text in (("guidance.align", guidance.align), ("guidance.clarify", guidance.clarify),
                      ("guidance.assure", guidance.assure)):
        if text:  # an ask-first answer to a brush-off has only the question and what each answer would mean
            body += _sections(t(key, lang), escape(text))
    if guidance.talk_track:
        body += _sections(t("guidance.say_it", lang), _quote(guidance.talk_track))
    body.append({"type": "divider"})
    value = str(guidance.coaching_id)
    actions: Block = {
        "type": "actions",
        "block_id": "coaching_actions",
        "elements": [
            {
                "type": "static_select",
                "action_id": "relabel",
                "placeholder": {"type": "plain_text", "text": t("guidance.relabel", lang)},
                "options": [
                    {"text": {"type": "plain_text", "text": f"{title} ({label})"}, "value": f"{value}:{label}"}
                    for label, title in labels.items()
                    if label != guidance.label
                ],
            },
        ],
    }
    if guidance.talk_track:  # an ask-first answer to a brush-off has no talk track to use
        actions["elements"].append({"type": "button", "action_id": USED_ACTION, "value": value,
                                    "text": {"type": "plain_text", "text": t("guidance.used", lang)}})
    notes = [_context(guidance.notes)]
    if guidance.source == "llm":
        notes.append(_context(ai_note(guidance, playbooks or [kind_name])))
    return _fit(body, [*notes, actions, feedback_block(value, lang)])


def guidance_fallback(guidance: Guidance) -> str:
    """Notification text: our own words only, never the user's."""
    return t("guidance.fallback", guidance.language, label=guidance.label, confidence=f"{guidance.confidence:.0%}")


def answer_blocks(answer: Answer) -> list[Block]:
    body = _sections(escape(answer.heading), "\n".join(f"• {escape(line)}" for line in answer.lines))
    return _fit(body, [_context(answer.notes)])


def usage_blocks(lang: str = "en") -> list[Block]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": t("usage.text", lang)}}]


def usage_fallback(lang: str = "en") -> str:
    return t("usage.fallback", lang)


def summary_messages(text: str) -> list[list[Block]]:
    """The summary as one or more messages' blocks: each message at most `MESSAGE_TEXT_LIMIT` characters of
    text and `MAX_BLOCKS` blocks (Slack rejects longer messages)."""
    messages: list[list[Block]] = [[]]
    used = 0
    for chunk in split_text(text):
        if messages[-1] and (used + len(chunk) > MESSAGE_TEXT_LIMIT or len(messages[-1]) == MAX_BLOCKS):
            messages.append([])
            used = 0
        messages[-1].append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
        used += len(chunk)
    return [blocks for blocks in messages if blocks]


def nudge_actions(value: str, lang: str = "en") -> Block:
    """A stalled deal's buttons (snooze, won, lost, coach me), in the weekly DM and on the Home tab."""
    return {"type": "actions", "block_id": f"nudge_{value}", "elements": [
        {"type": "button", "action_id": "nudge_snooze", "value": value,
         "text": {"type": "plain_text", "text": t("nudge.snooze", lang)}},
        {"type": "button", "action_id": "nudge_won", "value": value, "style": "primary",
         "text": {"type": "plain_text", "text": t("nudge.won", lang)}},
        {"type": "button", "action_id": "nudge_lost", "value": value,
         "text": {"type": "plain_text", "text": t("nudge.lost", lang)}},
        {"type": "button", "action_id": "nudge_coach", "value": value,
         "text": {"type": "plain_text", "text": t("nudge.coach", lang)}},
    ]}


def deal_heading(deal: dict[str, Any], lang: str) -> str:
    """"*Name* in <#C123>", or "*Name*" alone for a deal with no Slack channel (tracked from the CLI or imported
    from a CRM): an empty `<#>` would show as broken markup."""
    name = escape(deal["name"])
    if deal.get("channel"):
        return t("nudge.deal", lang, name=name, channel=deal["channel"])
    return f"*{name}*"


def deal_mention(deal: dict[str, Any]) -> str:
    """"Name (<#C123>)" in a list of deals, or the name alone when the deal has no Slack channel."""
    name = escape(deal["name"])
    return f"{name} (<#{deal['channel']}>)" if deal.get("channel") else name


def nudge_blocks(deals: list[Any], week: str, lang: str = "en") -> list[Block]:
    """The weekly DM: stalled deals, most at risk first, each with its reasons, next move and buttons."""
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": t("nudge.intro", lang, week=week)}}]
    per_deal = 4
    shown = deals[: (MAX_BLOCKS - 2) // per_deal]
    for entry in shown:
        deal = entry.deal
        reasons = "\n".join(f"• {escape(r.text)}" for r in entry.reasons)
        body = "\n".join((deal_heading(deal, lang), reasons,
                          t("nudge.next_move", lang, move=escape(entry.next_step))))
        value = str(deal["id"])
        blocks += [
            {"type": "divider"},
            *[{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in split_text(body)][:2],
            nudge_actions(value, lang),
        ]
    if len(deals) > len(shown):
        blocks.append(_context([t("nudge.more", lang, count=len(deals) - len(shown))]))
    return blocks[:MAX_BLOCKS]
