"""Block Kit builders and Slack text escaping.

Every piece of text shown in Slack that this codebase did not write itself (the buyer's words, deal names,
playbooks, model output) passes through `escape`, here or in the short acknowledgements of the listeners, so
`<!channel>`, `<!here>` or `<@U123>` typed by someone can never ping anybody.
"""

from __future__ import annotations

from typing import Any

from bot.coach import Answer, Guidance
from bot.taxonomy import KINDS

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
MAX_BLOCKS = 50
Block = dict[str, Any]


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup in mrkdwn and message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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


def guidance_blocks(guidance: Guidance, objection: str, kind_name: str) -> list[Block]:
    labels = {k.label: k.title for k in KINDS}
    body: list[Block] = [
        _header(f"{kind_name} · {guidance.label} · {guidance.confidence:.0%}"),
        *_sections("The buyer said" if guidance.language == "en" else "El comprador dijo", _quote(objection)),
    ]
    if guidance.question:
        body += _sections("Ask first" if guidance.language == "en" else "Pregunta primero", escape(guidance.question))
    titles = ("Align", "Clarify", "Assure") if guidance.language == "en" else ("Alinear", "Clarificar", "Asegurar")
    for title, text in zip(titles, (guidance.align, guidance.clarify, guidance.assure), strict=True):
        body += _sections(title, escape(text))
    track = "Say it like this" if guidance.language == "en" else "Dilo así"
    body += _sections(track, _quote(guidance.talk_track))
    body.append({"type": "divider"})
    value = str(guidance.coaching_id)
    actions: Block = {
        "type": "actions",
        "block_id": "coaching_actions",
        "elements": [
            {"type": "button", "action_id": "feedback_helpful", "value": value,
             "text": {"type": "plain_text", "text": "👍 Helpful", "emoji": True}},
            {"type": "button", "action_id": "feedback_not_helpful", "value": value,
             "text": {"type": "plain_text", "text": "👎 Not helpful", "emoji": True}},
            {
                "type": "static_select",
                "action_id": "relabel",
                "placeholder": {"type": "plain_text", "text": "Diagnose differently"},
                "options": [
                    {"text": {"type": "plain_text", "text": f"{title} ({label})"}, "value": f"{value}:{label}"}
                    for label, title in labels.items()
                    if label != guidance.label
                ],
            },
        ],
    }
    return _fit(body, [_context(guidance.notes), actions])


def guidance_fallback(guidance: Guidance) -> str:
    """Notification text: our own words only, never the user's."""
    return f"Coaching: {guidance.label} ({guidance.confidence:.0%} confident)"


def answer_blocks(answer: Answer) -> list[Block]:
    body = _sections(escape(answer.heading), "\n".join(f"• {escape(line)}" for line in answer.lines))
    return _fit(body, [_context(answer.notes)])


def usage_blocks() -> list[Block]:
    text = (
        "*Paste what the buyer said* and I'll tell you what kind of resistance it is and how to answer it: "
        "align with their goals, clarify the picture, assure in proportion to the doubt.\n\n"
        "*Examples*\n"
        "• `/objection We're happy with our current vendor`\n"
        "• `/objection CFO says your pricing is per user and that kills the deal`\n"
        "• `/objection El director dice que no ve el retorno que prometemos`\n\n"
        "*In the thread* under my answer, reply with the buyer's next objection, or ask me "
        "(\"what if they push back on references?\"). Mention me in any thread to start coaching there.\n\n"
        "*Deal rooms*\n"
        "• `/objection track [deal name]`: track this channel as a deal (you are the owner)\n"
        "• `/objection untrack`: stop tracking it\n"
        "• `/objection owner @someone`, `/objection stage Negotiation`, `/objection close 2026-12-15`\n"
        "• `/objection nudges off` (or `on`): your weekly DM about stalled deals\n"
        "• `/objection summary`: summarise the channel's latest threads (or mention me with `summarize` in a "
        "thread, or use the message shortcut *Coach: summarise this thread*)\n\n"
        "*Practice*\n"
        "• `/objection practice [kind | topic | random] [es]`: I play a buyer, you answer in the thread, I score it\n\n"
        "*Commands*\n"
        "• `/objection help`: this message"
    )
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


USAGE_FALLBACK = "Usage: /objection what the buyer said"


def notice_blocks(text: str) -> list[Block]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": escape(text)}}]


_SUMMARY_WORDS = {
    "en": {
        "title": "Deal-room summary", "messages": "messages", "stands": "Where the buyer stands", "today": "Today",
        "wants": "Wants", "cost": "Cost of doing nothing", "people": "Stakeholders", "objections": "Objections",
        "risks": "Obstacles to change", "status": "Status", "stalled": "stalled", "moving": "moving",
        "next": "Next move", "none_found": "none found in this thread", "not_said": "not stated in the thread",
        "understood": "understood by the buyer", "mentioned": "mentioned, not yet acknowledged by the buyer",
        "not_understood": "not seen by the buyer yet", "unknown": "not discussed yet",
        "supportive": "supportive", "opposed": "opposed", "unclear": "position unclear",
        "offline": "Offline summary: every point quotes a message of the thread.",
        "llm": "Read by the language model; every point quotes a message of the thread.",
        "llm+offline": "Read by the language model, parts of it offline; every point quotes a message.",
    },
    "es": {
        "title": "Resumen del deal room", "messages": "mensajes", "stands": "Dónde está el comprador", "today": "Hoy",
        "wants": "Quiere", "cost": "Costo de no hacer nada", "people": "Personas clave", "objections": "Objeciones",
        "risks": "Obstáculos al cambio", "status": "Estado", "stalled": "estancado", "moving": "avanzando",
        "next": "Siguiente paso", "none_found": "ninguno en este hilo", "not_said": "no aparece en el hilo",
        "understood": "el comprador lo entiende", "mentioned": "mencionado, el comprador aún no lo reconoce",
        "not_understood": "el comprador aún no lo ve", "unknown": "aún no se ha hablado",
        "supportive": "a favor", "opposed": "en contra", "unclear": "postura poco clara",
        "offline": "Resumen sin conexión: cada punto cita un mensaje del hilo.",
        "llm": "Leído por el modelo de lenguaje; cada punto cita un mensaje del hilo.",
        "llm+offline": "Leído por el modelo de lenguaje, en parte sin conexión; cada punto cita un mensaje.",
    },
}


def summary_text(summary: Any, obstacle_names: dict[str, str], kind_names: dict[str, str]) -> str:
    """The summary as Slack mrkdwn; every quoted piece of the thread is escaped."""
    w = _SUMMARY_WORDS[summary.language]

    def quote(evidence: Any) -> str:
        return f"“{escape(evidence.text)}”" if evidence else f"_{w['not_said']}_"

    lines = [f"*{w['title']}* ({summary.message_count} {w['messages']})", "", f"*{w['stands']}*",
             f"• {w['today']}: {quote(summary.current_state)}", f"• {w['wants']}: {quote(summary.desired_state)}",
             f"• {w['cost']}: {w[summary.cost_of_inaction]}"
             + (f" ({quote(summary.cost_evidence)})" if summary.cost_evidence else ""), "", f"*{w['people']}*"]
    lines += [f"• {escape(s.name)}: {escape(s.role)}, {w[s.position]}" for s in summary.stakeholders] or [
        f"• _{w['none_found']}_"]
    lines += ["", f"*{w['objections']}*"]
    lines += [f"• *{escape(kind_names[o.label])}* (`{o.label}`): “{escape(o.text)}”\n   → {escape(o.move)}"
              for o in summary.objections] or [f"• _{w['none_found']}_"]
    lines += ["", f"*{w['risks']}*"]
    lines += [f"• *{escape(obstacle_names[r.kind])}* (`{r.kind}`): “{escape(r.evidence)}”" for r in summary.risks] or [
        f"• _{w['none_found']}_"]
    status = w["stalled"] + (f" ({escape(summary.stalled_reason)})" if summary.stalled_reason else "")
    lines += ["", f"*{w['status']}*: {status if summary.stalled else w['moving']}", "",
              f"*{w['next']}*: {escape(summary.next_step)}", "", f"_{w[summary.source]}_"]
    return "\n".join(lines)


def summary_messages(text: str) -> list[list[Block]]:
    """The summary as one or more messages' blocks, each within Slack's limits."""
    sections = [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in split_text(text)]
    return [sections[i : i + MAX_BLOCKS] for i in range(0, len(sections), MAX_BLOCKS)]


def nudge_blocks(deals: list[Any], week: str) -> list[Block]:
    """The weekly DM: stalled deals, most at risk first, each with its reasons, next move and buttons."""
    intro = (f"*Your stalled deals this week* ({week}). Most at risk first; one move each. "
             "Turn these off with `/objection nudges off`.")
    blocks: list[Block] = [{"type": "section", "text": {"type": "mrkdwn", "text": intro}}]
    per_deal = 4
    shown = deals[: (MAX_BLOCKS - 2) // per_deal]
    for entry in shown:
        deal = entry.deal
        reasons = "\n".join(f"• {escape(r.text)}" for r in entry.reasons)
        body = f"*{escape(deal['name'])}* in <#{deal['channel']}>\n{reasons}\n*Next move:* {escape(entry.next_step)}"
        value = str(deal["id"])
        blocks += [
            {"type": "divider"},
            *[{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in split_text(body)][:2],
            {"type": "actions", "block_id": f"nudge_{value}", "elements": [
                {"type": "button", "action_id": "nudge_snooze", "value": value,
                 "text": {"type": "plain_text", "text": "Snooze 1 week"}},
                {"type": "button", "action_id": "nudge_won", "value": value, "style": "primary",
                 "text": {"type": "plain_text", "text": "Mark won"}},
                {"type": "button", "action_id": "nudge_lost", "value": value,
                 "text": {"type": "plain_text", "text": "Mark lost"}},
                {"type": "button", "action_id": "nudge_coach", "value": value,
                 "text": {"type": "plain_text", "text": "Coach me"}},
            ]},
        ]
    if len(deals) > len(shown):
        blocks.append(_context([f"…and {len(deals) - len(shown)} more stalled deals."]))
    return blocks[:MAX_BLOCKS]
