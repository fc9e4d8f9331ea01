"""Practice scenarios about the team's own product (issue #24): built from the team profile, offline and
deterministic, for each kind of resistance, in English and Spanish.

A buyer line is about one of: the team's offering, the topic of one of its facts, one of its competitors ("We
already use <competitor>…") or one of its reference customers' industries (the buyer is in that industry). The
buyer may doubt, misunderstand or worry; the lines state nothing about the company beyond its name, a profile
fact the buyer quotes back (and doubts), and a competitor's name: no number, customer or claim is invented. The
buyer's push-back and moving-on lines are generic on purpose: they presume nothing the seller may not have said
(bot/services/buyer_turn.py). The shipped team.yaml (a placeholder offering, no facts, competitors nor references)
gives no scenario: practice then uses the shipped bank alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.content.i18n import has, t
from bot.content.profile import TeamProfile
from bot.content.scenarios import Persona, Scenario
from bot.content.schema import Text
from bot.core.taxonomy import LABELS

PREFIX = "team-"  # every generated scenario's id starts with it: how practice tells them from the shipped ones

# The catalogue key of each kind's buyer line about each source (bot/content/messages.yaml, EN and ES).
_LINES: dict[str, dict[str, str]] = {
    "missing": {"topic": "practice.team.missing.topic", "offering": "practice.team.missing.offering",
                "competitor": "practice.team.missing.competitor", "industry": "practice.team.missing.industry"},
    "incomplete": {"topic": "practice.team.incomplete.topic", "offering": "practice.team.incomplete.offering",
                   "competitor": "practice.team.incomplete.competitor",
                   "industry": "practice.team.incomplete.industry"},
    "incorrect": {"topic": "practice.team.incorrect.topic", "offering": "practice.team.incorrect.offering",
                  "competitor": "practice.team.incorrect.competitor", "industry": "practice.team.incorrect.industry"},
    "skepticism": {"topic": "practice.team.skepticism.topic", "fact": "practice.team.skepticism.fact",
                   "offering": "practice.team.skepticism.offering",
                   "competitor": "practice.team.skepticism.competitor",
                   "industry": "practice.team.skepticism.industry"},
    "major_concern": {"topic": "practice.team.major_concern.topic", "offering": "practice.team.major_concern.offering",
                      "competitor": "practice.team.major_concern.competitor",
                      "industry": "practice.team.major_concern.industry"},
}
# Who raises an objection on a topic: whoever would own that worry on the buyer's side.
_ROLES = {"price": "finance", "budget": "finance", "contract": "finance", "vendor_viability": "finance",
          "integration": "it", "security": "it", "implementation": "operations", "adoption": "operations",
          "support": "operations", "incumbent": "operations"}


def has_own_content(profile: TeamProfile) -> bool:
    """The team filled in its profile: an offering that is no [placeholder], or any fact, competitor or
    reference. The shipped team.yaml has none of these."""
    offering = profile.company.offering.en.strip()
    return bool(profile.facts or profile.competitors or profile.references) or not offering.startswith("[")


@dataclass(frozen=True)
class _Source:
    """What one scenario is about: `kind` of source ("topic", "fact", "offering", "competitor", "industry"), the
    scenario's topic, and the words filled into the buyer's line (per language)."""

    source: str
    topic: str
    slug: str
    fields: dict[str, dict[str, str]]  # lang -> field -> text
    industry: str | None = None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:24] or "x"


def _industry_phrase(industry: str, lang: str) -> str:
    key = f"practice.team.industry.{industry}"
    return t(key, lang) if has(key) else t("practice.team.industry", lang, industry=industry.replace("_", " "))


def _topic_phrase(topic: str, lang: str, company: str) -> str:
    return t(f"practice.team.topic.{topic}", lang, company=company)


def _sources(profile: TeamProfile, kind: str) -> Iterator[_Source]:
    company = profile.company.name
    both = ("en", "es")
    if not profile.company.offering.en.strip().startswith("["):
        yield _Source("offering", "fit", "offering", {lang: {"company": company} for lang in both})
    seen: set[str] = set()
    for fact in profile.facts:
        if fact.topic is None or fact.topic in seen:
            continue
        seen.add(fact.topic)
        fields = {lang: {"company": company, "topic": _topic_phrase(fact.topic, lang, company)} for lang in both}
        if kind == "skepticism" and fact.es is not None:  # the buyer quotes the team's own fact, and doubts it
            yield _Source("fact", fact.topic, fact.topic, {lang: {**fields[lang], "fact": fact.get(lang)[0]}
                                                           for lang in both})
        else:
            yield _Source("topic", fact.topic, fact.topic, fields)
    for competitor in profile.competitors:
        yield _Source("competitor", "incumbent", _slug(competitor.name),
                      {lang: {"company": company, "competitor": competitor.name} for lang in both})
    industries = list(dict.fromkeys(r.industry for r in profile.references))
    for industry in industries:
        yield _Source("industry", "results" if kind == "skepticism" else "fit", _slug(industry),
                      {lang: {"company": company, "industry": _industry_phrase(industry, lang)} for lang in both},
                      industry)


def _text(key: str, fields: dict[str, dict[str, str]]) -> Text:
    return Text(en=t(key, "en", **fields["en"]), es=t(key, "es", **fields["es"]))


def _scenario(kind: str, source: _Source, company: str) -> Scenario:
    line = _LINES[kind][source.source]
    about = {lang: {"topic": source.fields[lang].get("topic") or _topic_phrase(source.topic, lang, company)}
             for lang in ("en", "es")}
    role = _ROLES.get(source.topic, "general")
    persona = Persona(
        role=Text(en=t(f"practice.team.role.{role}", "en"), es=t(f"practice.team.role.{role}", "es")),
        company=Text(en=_industry_phrase(source.industry, "en"), es=_industry_phrase(source.industry, "es"))
        if source.industry else Text(en=t("practice.team.buyer_company", "en"),
                                     es=t("practice.team.buyer_company", "es")),
        wants=_text("practice.team.wants", about))
    return Scenario(id=f"{PREFIX}{kind}-{source.source}-{source.slug}"[:60], kind=kind, topic=source.topic,
                    ambiguous=False, persona=persona, objection=_text(line, source.fields),
                    push_back=_text("practice.team.push_back", about),
                    moving_on=_text("practice.team.moving_on", about))


def team_scenarios(profile: TeamProfile) -> dict[str, Scenario]:
    """The practice scenarios about the team's own offering, by id (empty for the shipped placeholder profile).
    Deterministic: the same profile gives the same scenarios with the same ids, so a practice restarts."""
    if not has_own_content(profile):
        return {}
    made: dict[str, Scenario] = {}
    for kind in LABELS:
        for source in _sources(profile, kind):
            scenario = _scenario(kind, source, profile.company.name)
            number, base = 2, scenario.id
            while scenario.id in made:  # two competitors whose names slug alike
                scenario = scenario.model_copy(update={"id": f"{base[:57]}-{number}"})
                number += 1
            made[scenario.id] = scenario
    return made
