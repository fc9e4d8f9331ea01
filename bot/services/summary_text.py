"""A deal-room summary as text (Slack's mrkdwn, which a terminal shows as it is): the same words for a post in the
thread (bot/slack/posting.py) and for `coach summarize`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.content.i18n import t
from bot.services.summarize import Summary

# a summary lists this many objections and stakeholders, then says how many more there are
TOP_OBJECTIONS = 5
TOP_PEOPLE = 10


def summary_text(summary: Summary, obstacle_names: dict[str, str], kind_names: dict[str, str],
                 esc: Callable[[str], str]) -> str:
    """The summary as mrkdwn. Every piece of the thread goes through `esc`: Slack's `escape` (bot/slack/blocks.py)
    for a post, the identity for the command line, which prints what people wrote. Long threads list the top items
    of each section and say how many more there are, so the summary stays readable and within Slack's limits."""
    lang = summary.language

    def w(key: str, **fields: Any) -> str:
        return t(f"summary.{key}", lang, **fields)

    def quote(evidence: Any) -> str:
        return f"“{esc(evidence.text)}”" if evidence else f"_{w('not_said')}_"

    def more(count: int, key: str) -> list[str]:
        return [f"• _{w(key, count=count)}_"] if count > 0 else []

    lines = [w("heading", count=summary.message_count), "", f"*{w('stands')}*",
             f"• {w('today')}: {quote(summary.current_state)}", f"• {w('wants')}: {quote(summary.desired_state)}",
             f"• {w('cost')}: {w(f'cost.{summary.cost_of_inaction}')}"
             + (f" ({quote(summary.cost_evidence)})" if summary.cost_evidence else ""), "", f"*{w('people')}*"]
    # people whose position is known matter most to the next move
    people = sorted(summary.stakeholders, key=lambda s: s.position == "unclear")
    lines += [f"• {esc(s.name)}: {esc(s.role)}, {w(f'position.{s.position}')}" for s in people[:TOP_PEOPLE]] or [
        f"• _{w('none_found')}_"]
    lines += more(len(people) - TOP_PEOPLE, "people_more")
    lines += ["", f"*{w('objections')}*"]
    # the latest objections are where the deal stands now
    shown = summary.objections[-TOP_OBJECTIONS:]
    lines += more(len(summary.objections) - len(shown), "objections_more")
    lines += [f"• *{esc(kind_names[o.label])}* (`{o.label}`): “{esc(o.text)}”\n   → {esc(o.move)}"
              for o in shown] or [f"• _{w('none_found')}_"]
    lines += ["", f"*{w('risks')}*"]
    # one line per kind of obstacle: its latest evidence and how often it came up
    by_kind: dict[str, list[Any]] = {}
    for risk in summary.risks:
        by_kind.setdefault(risk.kind, []).append(risk)
    for kind, risks in sorted(by_kind.items(), key=lambda item: -len(item[1])):
        count = f", {w('mentions', count=len(risks))}" if len(risks) > 1 else ""
        lines.append(f"• *{esc(obstacle_names[kind])}* (`{kind}`{count}): “{esc(risks[-1].evidence)}”")
    if not by_kind:
        lines.append(f"• _{w('none_found')}_")
    status = w("stalled") + (f" ({esc(summary.stalled_reason)})" if summary.stalled_reason else "")
    lines += ["", f"*{w('status')}*: {status if summary.stalled else w('moving')}", "",
              f"*{w('next')}*: {esc(summary.next_step)}", "", f"_{w(f'source.{summary.source}')}_"]
    return "\n".join(lines)
