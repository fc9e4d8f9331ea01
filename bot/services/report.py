"""What the Home tab and the team report show, from the store alone: a seller's deals and coachings, and a
manager's view of the team. Plain Python (no Slack): bot/slack/home.py and `coach report` are the adapters.

Privacy: the manager's view holds counts, kinds, topics and ids, never what a buyer said; a seller's view holds
only their own coachings. Neither query reads the text column.
"""

from __future__ import annotations

import base64
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from jinja2 import Environment

from bot.content.i18n import has, t
from bot.content.playbooks import Playbooks
from bot.core.taxonomy import LABELS, OBSTACLE_PRIORITY
from bot.services.nudges import StalledDeal, find_stalled, in_language
from bot.services.outcomes import Outcomes, outcome_lines, outcome_sections, workspace_outcomes
from bot.services.team_view import TeamView, long_date, team_view, view_lines, view_section
from bot.store import Store, stamp

RECENT_COACHINGS = 10  # a seller's latest coachings on their Home tab
NO_TOPIC = "none"  # coachings logged before topics were stored


def _tally(checks: dict[str, bool | None], *tables: dict[str, dict[str, int]]) -> None:
    """Count one scored answer's checks into each table (passed, applicable); a check that did not apply counts
    nowhere."""
    for name, value in checks.items():
        if value is None:
            continue
        for table in tables:
            entry = table.setdefault(name, {"passed": 0, "applicable": 0})
            entry["applicable"] += 1
            entry["passed"] += int(bool(value))


def _rates(table: dict[str, dict[str, int]]) -> dict[str, dict[str, Any]]:
    return {name: {**e, "rate": round(e["passed"] / e["applicable"], 2)} for name, e in table.items()}


def _attempts(checks: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per check, as the Home tab and the report list them: `[{"check", "attempts", "passed"}]`."""
    return [{"check": name, "attempts": e["applicable"], "passed": e["passed"]} for name, e in checks.items()]


def practice_stats(store: Store, team_id: str, user_id: str | None) -> dict[str, Any]:
    """A seller's (or, with no user, the team's) pass rate per check and mean score per kind, overall and per ISO
    week."""
    rows = store.practice_answers_of(team_id, user_id)
    checks: dict[str, dict[str, int]] = {}
    kinds: dict[str, dict[str, float]] = {}
    weeks: dict[str, dict[str, Any]] = {}
    for row in rows:
        year, week, _ = datetime.fromisoformat(row["created_at"]).isocalendar()
        label = f"{year}-W{week:02d}"
        bucket = weeks.setdefault(label, {"week": label, "answers": 0, "score_sum": 0.0, "checks": {}, "kinds": {}})
        bucket["answers"] += 1
        bucket["score_sum"] += row["score"]
        for table in (kinds, bucket["kinds"]):
            kind = table.setdefault(row["kind"], {"answers": 0, "score_sum": 0.0})
            kind["answers"] += 1
            kind["score_sum"] += row["score"]
        _tally(json.loads(row["checks"]), checks, bucket["checks"])

    def means(table: dict[str, dict[str, float]]) -> dict[str, dict[str, Any]]:
        return {k: {"answers": int(v["answers"]), "mean_score": round(v["score_sum"] / v["answers"], 2)}
                for k, v in table.items()}

    return {
        "answers": len(rows),
        "checks": _rates(checks),
        "kinds": means(kinds),
        "weeks": [{"week": b["week"], "answers": b["answers"],
                   "mean_score": round(b["score_sum"] / b["answers"], 2), "checks": _rates(b["checks"]),
                   "kinds": means(b["kinds"])} for b in weeks.values()],
    }


def call_stats(store: Store, team_id: str, user_id: str | None) -> dict[str, Any]:
    """A seller's (or, with no user, the team's) answers on real calls: how many, on how many calls, and the pass
    rate per check."""
    rows = store.call_answers_of(team_id, user_id)
    checks: dict[str, dict[str, int]] = {}
    for row in rows:
        _tally(json.loads(row["checks"]), checks)
    return {"answers": len(rows), "calls": len({row["review_id"] for row in rows}), "checks": _rates(checks)}


def practice_checks(store: Store, team_id: str, user_id: str | None = None) -> list[dict[str, Any]] | None:
    """Practice results per check (`user_id=None`: the whole team), or None when nobody has practised yet."""
    return _attempts(practice_stats(store, team_id, user_id)["checks"]) or None


def call_checks(store: Store, team_id: str, user_id: str | None = None) -> dict[str, Any] | None:
    """How buyer objections were answered on the calls reviewed in Slack: `{"calls", "answers", "checks"}` with the
    checks per check (`user_id=None`: the whole team), or None when no call was reviewed."""
    stats = call_stats(store, team_id, user_id)
    if not stats["answers"]:
        return None
    return {"calls": stats["calls"], "answers": stats["answers"], "checks": _attempts(stats["checks"])}


@dataclass
class SellerHome:
    """A seller's own view: open deals (stalled first, with reasons), latest coachings, practice per check."""

    stalled: list[StalledDeal]
    quiet: list[dict[str, Any]]  # open deals with no reason to act
    coachings: list[dict[str, Any]]
    practice: list[dict[str, Any]] | None
    calls: dict[str, Any] | None = None  # answers on reviewed calls (`call_checks`)


def seller_home(store: Store, playbooks: Playbooks, team_id: str, user_id: str, now: datetime, stall_days: int,
                lang: str = "en") -> SellerHome:
    stalled = [entry for entry in find_stalled(store, playbooks, now, stall_days, team_id)
               if entry.deal["owner_id"] == user_id]
    if lang != "en":
        stalled = [in_language(entry, playbooks, lang) for entry in stalled]
    stalled_ids = {entry.deal["id"] for entry in stalled}
    quiet = [deal for deal in store.open_deals_of(team_id, user_id) if deal["id"] not in stalled_ids]
    return SellerHome(stalled, quiet, store.recent_coachings_of(team_id, user_id, RECENT_COACHINGS),
                      practice_checks(store, team_id, user_id), call_checks(store, team_id, user_id))


@dataclass
class TeamReport:
    """The team over the last weeks: counts per week by kind and by topic, and where the deals stand."""

    team_id: str
    weeks: list[str]  # the Monday each week starts, ISO dates, oldest first
    by_kind: dict[str, list[int]]  # label -> count per week
    by_topic: dict[str, list[int]]  # topic -> count per week
    obstacles: dict[str, int]  # open deals whose latest summary names the obstacle
    stalled_by_owner: dict[str, int]
    feedback: dict[str, int]  # helpful / not_helpful / relabel since the first week
    practice: list[dict[str, Any]] | None
    generated_at: str = ""
    names: dict[str, str] = field(default_factory=dict)  # label, topic and obstacle -> its name in `lang`
    lang: str = "en"
    calls: dict[str, Any] | None = None  # the team's answers on reviewed calls (`call_checks`)
    outcomes: Outcomes | None = None  # deals won and lost since the first week (bot/services/outcomes.py)
    team: TeamView | None = None  # per seller: who to coach on what (bot/services/team_view.py)

    @property
    def total(self) -> int:
        return sum(sum(counts) for counts in self.by_kind.values())

    @property
    def not_helpful_rate(self) -> float | None:
        rated = self.feedback.get("helpful", 0) + self.feedback.get("not_helpful", 0)
        return self.feedback.get("not_helpful", 0) / rated if rated else None

    def name(self, key: str) -> str:
        return self.names.get(key, key.replace("_", " "))

    def check(self, check: str) -> str:
        """A practice check's name in the report's language."""
        return t(f"practice.check.{check}", self.lang) if has(f"practice.check.{check}") else check

    def day(self, iso: str) -> str:
        """A day with its year, in the report's language."""
        return long_date(iso, self.lang)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def team_report(store: Store, playbooks: Playbooks, team_id: str, now: datetime, stall_days: int, weeks: int = 8,
                lang: str = "en") -> TeamReport:
    first = _monday(now.astimezone(UTC).date()) - timedelta(weeks=weeks - 1)
    starts = [first + timedelta(weeks=i) for i in range(weeks)]
    by_kind = {label: [0] * weeks for label in LABELS}
    by_topic: dict[str, list[int]] = {}
    for row in store.resistance_by_day(team_id, first.isoformat()):
        week = (date.fromisoformat(row["day"]) - first).days // 7
        if not 0 <= week < weeks:
            continue
        by_kind.setdefault(row["label"], [0] * weeks)[week] += row["n"]
        by_topic.setdefault(row["topic"] or NO_TOPIC, [0] * weeks)[week] += row["n"]
    obstacles: Counter[str] = Counter()
    for raw in store.open_deal_obstacles(team_id):
        obstacles.update(set(json.loads(raw or "[]")))
    stalled = Counter(entry.deal["owner_id"] for entry in find_stalled(store, playbooks, now, stall_days, team_id))
    names = {label: pb.text("name", lang) for label, pb in playbooks.resistance.items()}
    names |= {topic: pb.text("name", lang) for topic, pb in playbooks.topics.items()}
    names |= {kind: pb.text("name", lang) for kind, pb in playbooks.obstacles.items()}
    names[NO_TOPIC] = t("report.no_topic", lang)
    kind_names = {label: names[label] for label in playbooks.resistance}
    return TeamReport(
        team_id=team_id, weeks=[s.isoformat() for s in starts], by_kind=by_kind,
        by_topic=dict(sorted(by_topic.items(), key=lambda item: -sum(item[1]))),
        obstacles={k: obstacles[k] for k in (*OBSTACLE_PRIORITY, *sorted(set(obstacles) - set(OBSTACLE_PRIORITY)))
                   if obstacles[k]},
        stalled_by_owner=dict(stalled.most_common()),
        feedback=store.feedback_counts(team_id, first.isoformat()),
        practice=practice_checks(store, team_id), generated_at=stamp(now), names=names, lang=lang,
        calls=call_checks(store, team_id),
        outcomes=workspace_outcomes(store, team_id, first.isoformat()),
        team=team_view(store, team_id, now, weeks, lang, kind_names, dict(stalled)))


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def report_lines(report: TeamReport) -> dict[str, list[str]]:
    """The report's numbers as plain text lines, by section: what the chart shows, for screen readers, the
    Home tab's text and the HTML tables. Kinds and topics are named in the report's language."""
    lang = report.lang
    totals = {label: sum(c) for label, c in report.by_kind.items()}
    sections = {
        "kinds": [f"{report.name(label)}: {n}" for label, n in totals.items()],
        "topics": [f"{report.name(topic)}: {sum(c)}" for topic, c in report.by_topic.items()],
        "weeks": [t("report.week_line", lang, week=report.day(week), total=sum(c[i] for c in report.by_kind.values()),
                    kinds=", ".join(f"{report.name(label)} {c[i]}" for label, c in report.by_kind.items() if c[i])
                    or "–")
                  for i, week in enumerate(report.weeks)],
        "obstacles": [f"{report.name(kind)}: {n}" for kind, n in report.obstacles.items()],
        "stalled": [f"{owner}: {n}" for owner, n in report.stalled_by_owner.items()],
        "practice": [t("report.practice_line", lang, check=report.check(row["check"]), passed=row["passed"],
                       attempts=row["attempts"], rate=_pct(row["passed"], row["attempts"]))
                     for row in report.practice or []],
        "calls": [t("report.practice_line", lang, check=report.check(row["check"]), passed=row["passed"],
                    attempts=row["attempts"], rate=_pct(row["passed"], row["attempts"]))
                  for row in (report.calls or {}).get("checks", [])],
    }
    rated = report.feedback.get("helpful", 0) + report.feedback.get("not_helpful", 0)
    sections["feedback"] = [t("report.feedback_line", lang, not_helpful=report.feedback.get("not_helpful", 0),
                              rated=rated, rate=_pct(report.feedback.get("not_helpful", 0), rated),
                              relabels=report.feedback.get("relabel", 0))]
    if report.outcomes is not None:
        sections["outcomes"] = outcome_lines(report.outcomes, report.name, lang)
    if report.team is not None:
        sections["sellers"] = view_lines(report.team)
    return sections


def report_dict(report: TeamReport) -> dict[str, Any]:
    """The report as plain data (`coach report --json`): the counts, and per seller who to coach on what."""
    return {"team_id": report.team_id, "generated_at": report.generated_at, "lang": report.lang,
            "weeks": report.weeks, "total": report.total, "by_kind": report.by_kind, "by_topic": report.by_topic,
            "obstacles": report.obstacles, "stalled_by_owner": report.stalled_by_owner, "feedback": report.feedback,
            "practice": report.practice, "calls": report.calls,
            "outcomes": report.outcomes.as_dict() if report.outcomes else None,
            "team": report.team.as_dict() if report.team else None}


def chart_alt_text(report: TeamReport) -> str:
    """The chart in words (Slack's alt_text allows 2,000 characters)."""
    lines = report_lines(report)
    text = t("report.chart_alt", report.lang, weeks=len(report.weeks), total=report.total,
             kinds="; ".join(lines["kinds"]), topics="; ".join(lines["topics"]) or "–")
    return text[:2000]


def render_chart(report: TeamReport) -> bytes:
    """A PNG: coachings per week stacked by kind (left) and by topic (right)."""
    buffer = io.BytesIO()
    chart_figure(report).savefig(buffer, format="png")
    return buffer.getvalue()


def chart_figure(report: TeamReport) -> Any:
    """The chart as a matplotlib Figure; with no coaching yet, no axes: a sentence on how data gets there."""
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory
    from matplotlib.figure import Figure

    weeks = [report.day(w) for w in report.weeks]
    figure = Figure(figsize=(11, 4.2), dpi=100, layout="constrained")
    if not report.total:  # no axes running 0.0 to 1.0 over nothing: say there is nothing yet, and how it comes
        figure.text(0.5, 0.5, t("report.no_data", report.lang), ha="center", va="center", wrap=True, fontsize=14)
        return figure
    for axes, series, title in zip(figure.subplots(1, 2), (report.by_kind, report.by_topic),
                                   (t("report.chart_by_kind", report.lang), t("report.chart_by_topic", report.lang)),
                                   strict=True):
        bottom = [0] * len(weeks)
        for key, counts in series.items():
            if not any(counts):
                continue
            axes.bar(weeks, counts, bottom=bottom, label=report.name(key))
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        axes.set_title(title)
        if not any(bottom):  # a side with nothing to show (no topics stored yet): no empty axes
            axes.set_axis_off()
            axes.text(0.5, 0.5, t("report.nothing", report.lang), ha="center", va="center",
                      transform=axes.transAxes)
            continue
        axes.set_xlabel(t("report.chart_week", report.lang))
        axes.yaxis.get_major_locator().set_params(integer=True)
        axes.margins(y=0.45)  # room above the bars for the legend, which then hides none of them
        axes.legend(fontsize="small", loc="upper left", ncols=2)
        axes.tick_params(axis="x", labelrotation=45)
    return figure


_HTML = Environment(autoescape=True).from_string("""<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>*{box-sizing:border-box}body{font-family:sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;
overflow-wrap:anywhere}img{max-width:100%;height:auto}
table{border-collapse:collapse;margin:1rem 0;width:100%;table-layout:fixed}
td,th{border:1px solid #ccc;padding:.25rem .4rem;text-align:left;vertical-align:top;overflow-wrap:anywhere;
word-break:break-word;hyphens:auto}td.n{text-align:right}</style></head>
<body><h1>{{ title }}</h1><p>{{ subtitle }}</p>
<img src="data:image/png;base64,{{ png }}" alt="{{ alt }}">
{% for section in sections %}<h2>{{ section.title }}</h2>{% if section.note %}<p>{{ section.note }}</p>{% endif %}
{% if section.bullets %}<ul>{% for item in section.bullets %}<li>{{ item }}</li>{% endfor %}</ul>{% endif %}
{% if section.rows %}<table id="{{ section.id }}"><tr>{% for h in section.head %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in section.rows %}<tr>{% for cell in row %}<td{% if cell is number %} class="n"{% endif %}>{{ cell }}</td>
{% endfor %}</tr>{% endfor %}</table>{% else %}<p>{{ section.empty or empty }}</p>{% endif %}
{% endfor %}</body></html>
""")


def report_html(report: TeamReport, png: bytes | None = None) -> str:
    """The manager's view as one HTML file: the chart embedded, the same numbers in tables."""
    lang = report.lang
    png = png if png is not None else render_chart(report)
    week, count = t("report.chart_week", lang), t("report.count", lang)
    rated = report.feedback.get("helpful", 0) + report.feedback.get("not_helpful", 0)
    sections = [
        {"id": "by-week", "title": t("report.chart_by_kind", lang), "head": [week, *map(report.name, report.by_kind)],
         "rows": [[report.day(w), *(c[i] for c in report.by_kind.values())] for i, w in enumerate(report.weeks)]},
        {"id": "by-topic", "title": t("report.chart_by_topic", lang),
         "head": [week, *map(report.name, report.by_topic)],
         "rows": [[report.day(w), *(c[i] for c in report.by_topic.values())] for i, w in enumerate(report.weeks)]
         if report.by_topic else []},
        {"id": "obstacles", "title": t("report.obstacles", lang), "head": [t("report.obstacle", lang), count],
         "rows": [[report.name(k), n] for k, n in report.obstacles.items()]},
        {"id": "stalled", "title": t("report.stalled", lang), "head": [t("report.owner", lang), count],
         "rows": [[owner, n] for owner, n in report.stalled_by_owner.items()]},
        {"id": "feedback", "title": t("report.feedback", lang),
         "head": [t("report.not_helpful", lang), t("report.rated", lang), t("report.rate", lang)],
         "rows": [[report.feedback.get("not_helpful", 0), rated, _pct(report.feedback.get("not_helpful", 0), rated)]]},
    ]
    if report.practice is not None:
        sections.append({"id": "practice", "title": t("report.practice", lang),
                         "head": [t("report.check", lang), t("report.passed", lang), t("report.attempts", lang)],
                         "rows": [[report.check(r["check"]), r["passed"], r["attempts"]] for r in report.practice]})
    if report.calls is not None:
        sections.append({"id": "calls", "title": t("report.calls", lang),
                         "head": [t("report.check", lang), t("report.passed", lang), t("report.attempts", lang)],
                         "rows": [[report.check(r["check"]), r["passed"], r["attempts"]]
                                  for r in report.calls["checks"]]})
    if report.outcomes is not None:
        sections += outcome_sections(report.outcomes, report.name, lang)
    if report.team is not None:
        sections.insert(0, view_section(report.team))
    return _HTML.render(
        lang=lang, title=t("report.title", lang, weeks=len(report.weeks)),
        subtitle=t("report.subtitle", lang, team=report.team_id, total=report.total,
                         day=report.day(report.generated_at)),
        png=base64.b64encode(png).decode(), alt=chart_alt_text(report), sections=sections,
        empty=t("report.nothing", lang))
