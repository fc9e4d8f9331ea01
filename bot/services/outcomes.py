"""What wins: each workspace's deals won and lost, against the resistance met in them and the coaching before.

`workspace_outcomes(store, team_id, since)` returns plain data (`Outcomes`, with `as_dict()`), for `coach report`
(text and HTML, here: `outcome_lines`, `outcome_sections`) and for a manager's Home tab. Deals are closed by the
nudge's Won / Lost buttons, `coach deal won|lost` and `coach deal import`.

Privacy: counts of deals and coachings, kinds, topics, obstacles and days; never a word a buyer said (the store's
queries do not read a coaching's text or a summary's objections). Sample sizes are always shown, and a rate or a
median is given only from MIN_CLOSED_DEALS deals up.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from bot.content.i18n import t
from bot.core.taxonomy import LABELS, OBSTACLE_PRIORITY
from bot.store import Store

# Below this many closed deals no win rate (and no median time to close) is given, only the counts: with fewer,
# one deal more or less moves a rate by over ten points, and a manager would coach the team on a coin toss.
MIN_CLOSED_DEALS = 10
HELPFUL, USED = "helpful", "used"  # feedback kinds: the seller found the coaching helpful / used its talk track
NO_TOPIC = "none"


@dataclass(frozen=True)
class WinRate:
    """Closed deals in which something was met (a kind, a topic, an obstacle), and how many were won."""

    key: str
    won: int
    lost: int

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def rate(self) -> float | None:
        """won / closed, or None below MIN_CLOSED_DEALS closed deals."""
        return self.won / self.closed if self.closed >= MIN_CLOSED_DEALS else None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "won": self.won, "lost": self.lost, "closed": self.closed,
                "rate": None if self.rate is None else round(self.rate, 3)}


@dataclass(frozen=True)
class TimeToClose:
    """Days from the first objection coached in a deal to its close, for the deals of one outcome."""

    outcome: str  # "won" or "lost"
    deals: int  # deals of that outcome with an objection coached before they closed
    median_days: float | None  # None below MIN_CLOSED_DEALS deals


@dataclass(frozen=True)
class Preceded:
    """The coaching before the deals of one outcome closed."""

    outcome: str
    deals: int  # deals of that outcome
    coached_deals: int  # of which had at least one objection coached before the close
    coachings: int
    helpful: int  # coachings someone marked helpful
    used: int  # coachings whose talk track the seller said they used
    by_kind: dict[str, int] = field(default_factory=dict)  # coachings per kind of resistance


@dataclass(frozen=True)
class Outcomes:
    team_id: str
    since: str  # deals closed on or after this day ('' = every deal kept)
    min_closed: int
    overall: WinRate
    uncoached: WinRate  # closed deals in which no objection was coached
    by_kind: list[WinRate]
    by_topic: list[WinRate]
    by_obstacle: list[WinRate]
    time_to_close: list[TimeToClose]
    preceded: list[Preceded]

    @property
    def closed(self) -> int:
        return self.overall.closed

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("overall", "uncoached"):
            data[name] = getattr(self, name).as_dict()
        for name in ("by_kind", "by_topic", "by_obstacle"):
            data[name] = [rate.as_dict() for rate in getattr(self, name)]
        return data


def _rates(deals: dict[int, str], seen: dict[int, set[str]], order: list[str]) -> list[WinRate]:
    """A WinRate per key met in at least one closed deal, in `order` (then the rest by how often)."""
    won: Counter[str] = Counter()
    lost: Counter[str] = Counter()
    for deal_id, keys in seen.items():
        for key in keys:
            (won if deals[deal_id] == "won" else lost)[key] += 1
    keys = [k for k in order if won[k] + lost[k]]
    keys += sorted((set(won) | set(lost)) - set(keys), key=lambda k: (-(won[k] + lost[k]), k))
    return [WinRate(k, won[k], lost[k]) for k in keys]


def workspace_outcomes(store: Store, team_id: str, since: str = "") -> Outcomes:
    """The workspace's deals won and lost since `since` (an ISO day; '' for every one kept)."""
    deals = {row["id"]: row for row in store.closed_deals(team_id, since)}
    status = {deal_id: row["status"] for deal_id, row in deals.items()}
    kinds: dict[int, set[str]] = defaultdict(set)
    topics: dict[int, set[str]] = defaultdict(set)
    obstacles: dict[int, set[str]] = defaultdict(set)
    first: dict[int, str] = {}
    coachings = store.closed_deal_coachings(team_id, since)
    seen_coachings: set[tuple[int, int]] = set()
    for row in coachings:
        if row["deal_id"] not in status or (row["deal_id"], row["coaching_id"]) in seen_coachings:
            continue
        seen_coachings.add((row["deal_id"], row["coaching_id"]))
        kinds[row["deal_id"]].add(row["label"])
        topics[row["deal_id"]].add(row["topic"] or NO_TOPIC)
        first[row["deal_id"]] = min(first.get(row["deal_id"], row["created_at"]), row["created_at"])
    for row in store.closed_deal_obstacles(team_id, since):
        if row["deal_id"] in status:
            obstacles[row["deal_id"]].update(json.loads(row["obstacles"] or "[]"))

    overall = Counter(status.values())
    uncoached = Counter(outcome for deal_id, outcome in status.items() if deal_id not in kinds)
    times: list[TimeToClose] = []
    preceded: list[Preceded] = []
    for outcome in ("won", "lost"):
        days = [max(0, (date.fromisoformat(deals[d]["closed_at"][:10]) - date.fromisoformat(first[d][:10])).days)
                for d in first if status[d] == outcome and deals[d]["closed_at"]]
        times.append(TimeToClose(outcome, len(days),
                                 float(statistics.median(days)) if len(days) >= MIN_CLOSED_DEALS else None))
        rows = [r for r in coachings if status.get(r["deal_id"]) == outcome]
        unique = {(r["deal_id"], r["coaching_id"]): r for r in rows}.values()
        preceded.append(Preceded(
            outcome, overall[outcome], len({r["deal_id"] for r in unique}), len(unique),
            sum(1 for r in unique if r["helpful"]), sum(1 for r in unique if r["used"]),
            dict(Counter(r["label"] for r in unique).most_common())))
    return Outcomes(
        team_id=team_id, since=since, min_closed=MIN_CLOSED_DEALS,
        overall=WinRate("all", overall["won"], overall["lost"]),
        uncoached=WinRate("uncoached", uncoached["won"], uncoached["lost"]),
        by_kind=_rates(status, kinds, list(LABELS)), by_topic=_rates(status, topics, []),
        by_obstacle=_rates(status, obstacles, list(OBSTACLE_PRIORITY)), time_to_close=times, preceded=preceded)


# --- in the report's language: text lines and HTML tables (bot/services/report.py) ---

def _pct(rate: float) -> str:
    return f"{rate:.0%}"


def _rate_line(rate: WinRate, label: str, lang: str) -> str:
    if rate.rate is None:
        return t("outcomes.few_line", lang, name=label, won=rate.won, closed=rate.closed)
    return t("outcomes.rate_line", lang, name=label, rate=_pct(rate.rate), won=rate.won, closed=rate.closed)


def outcome_lines(outcomes: Outcomes, name: Callable[[str], str], lang: str) -> list[str]:
    """The outcomes as text lines, kinds, topics and obstacles named by `name` in `lang`."""
    lines = [t("outcomes.title", lang)]
    if not outcomes.closed:
        return [*lines, t("outcomes.empty", lang)]
    o = outcomes.overall
    lines.append(t("outcomes.summary", lang, closed=o.closed, won=o.won, lost=o.lost,
                   since=outcomes.since or t("outcomes.all_kept", lang), min=outcomes.min_closed))
    lines.append(_rate_line(o, t("outcomes.overall", lang), lang))
    if outcomes.uncoached.closed:
        lines.append(_rate_line(outcomes.uncoached, t("outcomes.uncoached", lang), lang))
    for heading, rates in (("outcomes.by_kind", outcomes.by_kind), ("outcomes.by_topic", outcomes.by_topic),
                           ("outcomes.by_obstacle", outcomes.by_obstacle)):
        if rates:
            lines.append(t(heading, lang))
            lines += [_rate_line(rate, name(rate.key), lang) for rate in rates]
    lines.append(t("outcomes.time_heading", lang))
    for span in outcomes.time_to_close:
        label = t(f"outcomes.{span.outcome}", lang)
        lines.append(t("outcomes.time_few", lang, outcome=label, deals=span.deals) if span.median_days is None
                     else t("outcomes.time_line", lang, outcome=label, days=f"{span.median_days:g}", deals=span.deals))
    lines.append(t("outcomes.preceded_heading", lang))
    for before in outcomes.preceded:
        kinds = ", ".join(f"{name(kind)} {n}" for kind, n in before.by_kind.items()) or "–"
        lines.append(t("outcomes.preceded_line", lang, deals=before.deals,
                       outcome=t(f"outcomes.{before.outcome}", lang), coached=before.coached_deals,
                       coachings=before.coachings, helpful=before.helpful, used=before.used, kinds=kinds))
    return lines


def outcome_sections(outcomes: Outcomes, name: Callable[[str], str], lang: str) -> list[dict[str, Any]]:
    """The outcomes as the HTML report's tables ({"id", "title", "head", "rows"}; no rows: the empty note)."""
    few = t("outcomes.too_few", lang, min=outcomes.min_closed)
    head = [t("outcomes.col.met", lang), t("outcomes.col.won", lang), t("outcomes.col.lost", lang),
            t("outcomes.col.closed", lang), t("outcomes.col.rate", lang)]

    def rows(rates: list[WinRate]) -> list[list[Any]]:
        return [[name(r.key), r.won, r.lost, r.closed, few if r.rate is None else _pct(r.rate)] for r in rates]

    if not outcomes.closed:
        return [{"id": "outcomes", "title": t("outcomes.title", lang), "head": [], "rows": [],
                 "empty": t("outcomes.empty", lang)}]
    overall = [[t("outcomes.overall", lang), *rows([outcomes.overall])[0][1:]]]
    if outcomes.uncoached.closed:
        overall.append([t("outcomes.uncoached", lang), *rows([outcomes.uncoached])[0][1:]])
    o = outcomes.overall
    return [
        {"id": "outcomes", "title": t("outcomes.title", lang), "head": head, "rows": overall,
         "note": t("outcomes.summary", lang, closed=o.closed, won=o.won, lost=o.lost,
                   since=outcomes.since or t("outcomes.all_kept", lang), min=outcomes.min_closed)},
        {"id": "outcomes-by-kind", "title": t("outcomes.by_kind", lang), "head": head, "rows": rows(outcomes.by_kind)},
        {"id": "outcomes-by-topic", "title": t("outcomes.by_topic", lang), "head": head,
         "rows": rows(outcomes.by_topic)},
        {"id": "outcomes-by-obstacle", "title": t("outcomes.by_obstacle", lang), "head": head,
         "rows": rows(outcomes.by_obstacle)},
        {"id": "time-to-close", "title": t("outcomes.time_heading", lang),
         "head": [t("outcomes.col.outcome", lang), t("outcomes.col.deals", lang), t("outcomes.col.median_days", lang)],
         "rows": [[t(f"outcomes.{s.outcome}", lang), s.deals, few if s.median_days is None else f"{s.median_days:g}"]
                  for s in outcomes.time_to_close]},
        {"id": "preceded", "title": t("outcomes.preceded_heading", lang),
         "head": [t("outcomes.col.outcome", lang), t("outcomes.col.deals", lang), t("outcomes.col.coached", lang),
                  t("outcomes.col.coachings", lang), t("outcomes.col.helpful", lang), t("outcomes.col.used", lang)],
         "rows": [[t(f"outcomes.{p.outcome}", lang), p.deals, p.coached_deals, p.coachings, p.helpful, p.used]
                  for p in outcomes.preceded]},
    ]
