"""Who to coach on what (issue #24): per seller, coachings asked this week against last week, practice pass rate
per check over the last weeks and its trend, deals stalled, won and lost, the seller's weakest check and the kind
of objection they lose most; the team's week-over-week change; the practice a manager assigned.

Plain Python over the store's grouped queries (bot/store/team.py: one query per table and window, never a row per
coaching), for the manager's Home tab (bot/slack/home.py) and `coach report` (bot/services/report.py).

Privacy: user ids, counts, kinds and check names; no query reads a coaching's text or a practice reply.
Sample sizes are always given; a weakest check, a kind lost most, a trend or a win rate only from a minimum count.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.content.i18n import t
from bot.core.taxonomy import LABELS
from bot.store import Store, stamp

CHECKS = ("align", "asks", "clarify", "assure", "no_pitfalls")  # the practice scorecard's (bot/models/moves.py)
MIN_CHECK_ANSWERS = 5  # answers where a check applied before it can be a seller's weakest
MIN_TREND_ANSWERS = 3  # ... in each half of the period before its trend is given
MIN_KIND_DEALS = 4  # a seller's closed deals that met a kind before it can be "the kind they lose most"
MIN_SELLER_DEALS = 5  # a seller's closed deals before their win rate is given (the counts always are)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def long_date(value: str | date, lang: str) -> str:
    """A day with its year, in the language: "7 Dec 2026", "7 dic 2026"."""
    day = value if isinstance(value, date) else date.fromisoformat(value[:10])
    return f"{day.day} {t('date.months', lang).split()[day.month - 1]} {day.year}"


def signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)  # "−" would not survive every terminal; "-" does


@dataclass
class CheckRate:
    """One check over the period: answers where it applied (`attempts`) and passed, in each half too."""

    check: str
    passed: int = 0
    attempts: int = 0
    early: list[int] = field(default_factory=lambda: [0, 0])  # [passed, attempts] in the first half
    late: list[int] = field(default_factory=lambda: [0, 0])  # ... in the second

    @property
    def rate(self) -> float | None:
        return self.passed / self.attempts if self.attempts else None

    @property
    def trend(self) -> int | None:
        """Points the pass rate moved from the first half to the second; None below MIN_TREND_ANSWERS in either."""
        if self.early[1] < MIN_TREND_ANSWERS or self.late[1] < MIN_TREND_ANSWERS:
            return None
        return round(100 * (self.late[0] / self.late[1] - self.early[0] / self.early[1]))

    def as_dict(self) -> dict[str, Any]:
        rate = self.rate
        return {"check": self.check, "passed": self.passed, "attempts": self.attempts,
                "rate": None if rate is None else round(rate, 3), "trend_points": self.trend}


@dataclass
class KindLost:
    kind: str
    won: int
    lost: int

    @property
    def closed(self) -> int:
        return self.won + self.lost


@dataclass
class SellerRow:
    user_id: str
    coachings_week: int = 0
    coachings_last_week: int = 0
    coachings_period: int = 0
    checks: dict[str, CheckRate] = field(default_factory=dict)
    answers: int = 0  # practice answers in the period
    open_deals: int = 0
    stalled: int = 0
    won: int = 0
    lost: int = 0
    kinds: list[KindLost] = field(default_factory=list)  # kinds met in their closed deals
    assignments: list[dict[str, Any]] = field(default_factory=list)  # open ones

    @property
    def coachings_change(self) -> int:
        return self.coachings_week - self.coachings_last_week

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> float | None:
        return self.won / self.closed if self.closed >= MIN_SELLER_DEALS else None

    @property
    def weakest(self) -> CheckRate | None:
        """The check passed least often, among those with MIN_CHECK_ANSWERS answers; None when none has that
        many, or every one passed each time."""
        rated = [c for c in self.checks.values() if c.attempts >= MIN_CHECK_ANSWERS and c.passed < c.attempts]
        return min(rated, key=lambda c: (c.passed / c.attempts, -c.attempts, c.check), default=None)

    @property
    def loses_most(self) -> KindLost | None:
        """The kind of objection in the deals they lose most often, among kinds met in MIN_KIND_DEALS closed
        deals with at least one lost."""
        rated = [k for k in self.kinds if k.closed >= MIN_KIND_DEALS and k.lost]
        return min(rated, key=lambda k: (-k.lost / k.closed, -k.lost, k.kind), default=None)

    @property
    def need(self) -> float:
        """How much coaching would help, to order the rows: the weakest check's failure rate, plus half the loss
        rate of the kind lost most, plus a tenth per stalled deal (a seller with no signal sorts last)."""
        weakest, kind = self.weakest, self.loses_most
        return ((1 - weakest.passed / weakest.attempts if weakest else 0.0)
                + (0.5 * kind.lost / kind.closed if kind else 0.0) + 0.1 * self.stalled)

    def suggestion(self) -> tuple[str | None, str | None]:
        """What to assign: (check, kind), each None when there is not enough data for it."""
        weakest, kind = self.weakest, self.loses_most
        return (weakest.check if weakest else None, kind.kind if kind else None)

    def as_dict(self) -> dict[str, Any]:
        weakest, kind = self.weakest, self.loses_most
        return {
            "user_id": self.user_id, "coachings_week": self.coachings_week,
            "coachings_last_week": self.coachings_last_week, "coachings_change": self.coachings_change,
            "coachings_period": self.coachings_period, "practice_answers": self.answers,
            "checks": [c.as_dict() for c in self.checks.values()], "open_deals": self.open_deals,
            "stalled": self.stalled, "won": self.won, "lost": self.lost, "closed": self.closed,
            "win_rate": None if self.win_rate is None else round(self.win_rate, 3),
            "weakest_check": weakest.as_dict() if weakest else None,
            "loses_most": None if kind is None else {"kind": kind.kind, "lost": kind.lost, "closed": kind.closed},
            "assignments": [{k: a[k] for k in ("id", "check_name", "kind", "assigned_by", "created_at")}
                            for a in self.assignments],
        }


@dataclass
class Week:
    """The team in one week: coachings asked, practice answers and checks passed, deals won and lost."""

    start: str  # its Monday
    coachings: int = 0
    answers: int = 0
    passed: int = 0
    applicable: int = 0
    won: int = 0
    lost: int = 0

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.applicable if self.applicable else None


@dataclass
class TeamView:
    team_id: str
    lang: str
    since: str  # the first day of the period
    weeks: int
    sellers: list[SellerRow]  # most in need of coaching first
    this_week: Week
    last_week: Week
    names: dict[str, str] = field(default_factory=dict)  # kinds' names in `lang`
    min_counts: dict[str, int] = field(default_factory=lambda: {
        "check_answers": MIN_CHECK_ANSWERS, "trend_answers": MIN_TREND_ANSWERS, "kind_deals": MIN_KIND_DEALS,
        "seller_deals": MIN_SELLER_DEALS})

    def check_name(self, check: str) -> str:
        return t(f"practice.check.{check}", self.lang)

    def kind_name(self, kind: str) -> str:
        return self.names.get(kind, kind.replace("_", " "))

    def as_dict(self) -> dict[str, Any]:
        return {"team_id": self.team_id, "since": self.since, "weeks": self.weeks, "min_counts": self.min_counts,
                "this_week": asdict(self.this_week), "last_week": asdict(self.last_week),
                "sellers": [s.as_dict() for s in self.sellers]}


def team_view(store: Store, team_id: str, now: datetime, weeks: int = 8, lang: str = "en",
              names: dict[str, str] | None = None, stalled: dict[str, int] | None = None) -> TeamView:
    """The team over the `weeks` weeks up to `now` (whole weeks from a Monday, as the report's), and this week
    against last. `stalled`: open deals with a reason to act, per owner (bot/services/nudges.py `find_stalled`)."""
    this_monday = monday(now.astimezone(UTC).date())
    last_monday = this_monday - timedelta(weeks=1)
    first = this_monday - timedelta(weeks=weeks - 1)
    middle = first + timedelta(days=(weeks * 7) // 2)
    since, split, this, last = (stamp(datetime.combine(d, datetime.min.time(), UTC))
                                for d in (first, middle, this_monday, last_monday))
    rows: dict[str, SellerRow] = {}

    def row(user_id: str) -> SellerRow:
        return rows.setdefault(user_id, SellerRow(user_id))

    this_week, last_week = Week(this_monday.isoformat()), Week(last_monday.isoformat())
    for r in store.coachings_per_seller(team_id, since, this):
        row(r["user_id"]).coachings_period = int(r["recent"] + r["earlier"])
    for r in store.coachings_per_seller(team_id, last, this):
        seller = row(r["user_id"])
        seller.coachings_week, seller.coachings_last_week = int(r["recent"]), int(r["earlier"])
        this_week.coachings += seller.coachings_week
        last_week.coachings += seller.coachings_last_week
    for r in store.practice_per_seller(team_id, since, split):
        seller = row(r["user_id"])
        seller.answers += r["n"]
        for name, value in json.loads(r["checks"]).items():
            if value is None:
                continue
            rate = seller.checks.setdefault(name, CheckRate(name))
            half = rate.late if r["late"] else rate.early
            rate.attempts += r["n"]
            rate.passed += r["n"] * int(bool(value))
            half[1] += r["n"]
            half[0] += r["n"] * int(bool(value))
    for r in store.practice_per_seller(team_id, last, this):
        week = this_week if r["late"] else last_week
        week.answers += r["n"]
        for value in json.loads(r["checks"]).values():
            if value is not None:
                week.applicable += r["n"]
                week.passed += r["n"] * int(bool(value))
    for r in store.deals_per_owner(team_id, since, this):
        if not r["owner_id"]:
            continue
        seller = row(r["owner_id"])
        if r["status"] == "open":
            seller.open_deals += r["n"]
        else:
            setattr(seller, r["status"], getattr(seller, r["status"]) + r["n"])
    for r in store.deals_per_owner(team_id, last, this):
        if r["status"] != "open":
            week = this_week if r["late"] else last_week
            setattr(week, r["status"], getattr(week, r["status"]) + r["n"])
    kinds: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for r in store.closed_deal_kinds(team_id, since):
        if r["owner_id"]:
            kinds[r["owner_id"]][r["label"]][r["status"]] += r["n"]
    for owner, met in kinds.items():
        order = [k for k in LABELS if k in met] + sorted(set(met) - set(LABELS))
        row(owner).kinds = [KindLost(k, met[k]["won"], met[k]["lost"]) for k in order]
    for owner, n in (stalled or {}).items():
        if owner:
            row(owner).stalled = n
    for a in store.open_assignments(team_id):
        row(a["user_id"]).assignments.append(a)
    for seller in rows.values():  # in the scorecard's order
        seller.checks = {c: seller.checks[c] for c in (*CHECKS, *sorted(set(seller.checks) - set(CHECKS)))
                         if c in seller.checks}
    sellers = sorted(rows.values(), key=lambda s: (-s.need, -s.coachings_period, s.user_id))
    return TeamView(team_id, lang, first.isoformat(), weeks, sellers, this_week, last_week, names or {})


# --- in words, in the view's language: for the report's text and HTML, and the Home tab's rows ------------------

def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def points(n: int | None, lang: str) -> str:
    return "" if n is None else t("team.points", lang, n=signed(n))


def check_text(view: TeamView, rate: CheckRate) -> str:
    """"Clarify 40% of 10 (+12 pts)"."""
    trend = points(rate.trend, view.lang)
    return t("team.check_item", view.lang, check=view.check_name(rate.check), rate=_pct(rate.rate),
             n=rate.attempts) + (f" ({trend})" if trend else "")


def coach_on(view: TeamView, seller: SellerRow) -> list[str]:
    """What to coach this seller on: the weakest check and the kind lost most, or why there is not enough data."""
    lang, weakest, kind = view.lang, seller.weakest, seller.loses_most
    check = (t("team.weakest", lang, check=view.check_name(weakest.check), rate=_pct(weakest.rate),
               n=weakest.attempts) if weakest
             else t("team.weakest_none", lang, n=seller.answers, min=MIN_CHECK_ANSWERS))
    lost = (t("team.loses", lang, kind=view.kind_name(kind.kind), lost=kind.lost, closed=kind.closed) if kind
            else t("team.loses_none", lang, min=MIN_KIND_DEALS))
    return [check, lost]


def deals_text(view: TeamView, seller: SellerRow) -> str:
    lang = view.lang
    rate = (t("team.win_rate", lang, rate=_pct(seller.win_rate)) if seller.win_rate is not None
            else t("team.win_rate_few", lang, min=MIN_SELLER_DEALS) if seller.closed else "")
    return t("team.deals", lang, stalled=seller.stalled, won=seller.won, lost=seller.lost,
             closed=seller.closed) + rate


def assignment_text(view: TeamView, assignment: dict[str, Any]) -> str:
    return t("team.assigned", view.lang, what=focus_text(view, assignment.get("check_name"), assignment.get("kind")),
             day=long_date(assignment["created_at"], view.lang))


def focus_text(view: TeamView | None, check: str | None, kind: str | None, lang: str = "en",
               names: dict[str, str] | None = None) -> str:
    """"Clarify, on Skepticism" / "Clarify" / "Skepticism": what an assignment asks for."""
    lang = view.lang if view else lang
    check_name = t(f"practice.check.{check}", lang) if check else None
    kind_name = (view.kind_name(kind) if view else (names or {}).get(kind, kind)) if kind else None
    if check_name and kind_name:
        return t("team.focus_both", lang, check=check_name, kind=kind_name)
    return check_name or kind_name or t("team.focus_any", lang)


def change_lines(view: TeamView) -> list[str]:
    """The team this week against last."""
    lang, now, before = view.lang, view.this_week, view.last_week
    rate_change = ("" if now.pass_rate is None or before.pass_rate is None
                   else f" ({points(round(100 * (now.pass_rate - before.pass_rate)), lang)})")
    return [
        t("team.change_title", lang, this=long_date(now.start, lang), last=long_date(before.start, lang)),
        t("team.change_coachings", lang, now=now.coachings, before=before.coachings,
          change=signed(now.coachings - before.coachings)),
        t("team.change_practice", lang, now=now.answers, before=before.answers,
          change=signed(now.answers - before.answers), rate=_pct(now.pass_rate), was=_pct(before.pass_rate))
        + rate_change,
        t("team.change_deals", lang, won=now.won, lost=now.lost, won_before=before.won, lost_before=before.lost),
    ]


def seller_text(view: TeamView, seller: SellerRow, who: str) -> list[str]:
    """One seller's lines (the Home tab's row, the report's text): `who` is how the seller is written."""
    lang = view.lang
    lines = [t("team.seller_line", lang, seller=who, now=seller.coachings_week, before=seller.coachings_last_week,
               change=signed(seller.coachings_change)) + " · " + deals_text(view, seller)]
    checks = [check_text(view, rate) for rate in seller.checks.values()]
    lines.append(t("team.checks_line", lang, checks="; ".join(checks)) if checks else t("team.no_practice", lang))
    lines.append(t("team.coach_on", lang, what="; ".join(coach_on(view, seller))))
    lines += [assignment_text(view, a) for a in seller.assignments]
    return lines


def view_lines(view: TeamView) -> list[str]:
    """The whole view as text lines (`coach report`)."""
    lines = [t("team.header", view.lang, weeks=view.weeks, since=long_date(view.since, view.lang)),
             *change_lines(view)]
    if not view.sellers:
        return [*lines, t("team.empty", view.lang)]
    for seller in view.sellers:
        lines += ["", *seller_text(view, seller, seller.user_id)]
    return lines


def view_section(view: TeamView) -> dict[str, Any]:
    """The per-seller table of the HTML report ({"id", "title", "head", "rows"}, or the empty note)."""
    lang = view.lang
    head = [t(f"team.col.{c}", lang) for c in ("seller", "coachings", "practice", "deals", "coach_on", "assigned")]
    rows = [[s.user_id,
             t("team.cell_coachings", lang, now=s.coachings_week, before=s.coachings_last_week,
               change=signed(s.coachings_change)),
             "; ".join(check_text(view, r) for r in s.checks.values()) or t("team.no_practice", lang),
             deals_text(view, s), "; ".join(coach_on(view, s)),
             "; ".join(assignment_text(view, a) for a in s.assignments) or "–"] for s in view.sellers]
    return {"id": "sellers", "title": t("team.header", lang, weeks=view.weeks, since=long_date(view.since, lang)),
            "note": change_lines(view)[0], "bullets": [line.lstrip("• ") for line in change_lines(view)[1:]],
            "head": head, "rows": rows, "empty": t("team.empty", lang)}
