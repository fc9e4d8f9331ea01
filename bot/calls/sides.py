"""Who is the buyer: tell the seller's side of a call or a thread from the buyer's.

The evidence, strongest first: the names the seller gives as theirs (`--ours "Ana,Ben"`, a select in Slack);
the email domain a message came from (the team profile's `company.domains`, or a domain that spells the
company's name); the company's name in the speaker's label ("Ana Ruiz (Brightpath)") or in their mouth ("here
at Brightpath we…"); then each speaker's own words: a seller speaks of "our product" and of the buyer's "your
dispatchers", a buyer of "your price" and "our current vendor". A speaker the evidence does not settle is
reported as undecided, so the adapter asks the seller once rather than guessing who said what.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.calls.formats import Conversation

OURS, BUYER = "ours", "buyer"
# Points of evidence from words alone that settle a side: two independent cues, so one "our team" is not enough.
SURE = 2
# Placeholders that are no company name (the shipped generic team.yaml says "Our company").
_PLACEHOLDER_NAMES = {"our company", "nuestra empresa", "my company", "company"}

_THING = (r"(?:product|platform|solution|tool|app|application|software|system|pricing|price|prices|proposal|quote|"
          r"contract|demo|integration|roadmap|customers|clients|implementation|onboarding|support team|licen[cs]es?)")
_COSA = (r"(?:producto|plataforma|soluci[oó]n|herramienta|aplicaci[oó]n|app|software|sistema|precio|precios|"
         r"propuesta|cotizaci[oó]n|contrato|demo|integraci[oó]n|clientes|implantaci[oó]n|soporte|licencias?)")
_BUYER_STUFF = (r"(?:team|dispatchers|technicians|techs|reps|drivers|stores|crews?|current (?:vendor|provider|system|"
                r"tool|process|setup)|vendor|provider|budget|process|cfo|ceo|it (?:team|department)|board|"
                r"operations|warehouse|fleet|staff|employees)")
_SUS_COSAS = (r"(?:proveedor(?: actual)?|presupuesto|conductores|camiones|tiendas|equipo|empleados|t[eé]cnicos|"
              r"vendedores|socio|director\w*|responsable|sistema actual|almac[eé]n|flota|personal)")
SELLER_CUES = (
    re.compile(rf"\bour {_THING}\b", re.I),
    re.compile(r"\bwe (?:offer|provide|integrate|support|include|charge|help|build|make|sell|host)\b", re.I),
    re.compile(r"\b(?:let me (?:show|walk) you|i'?ll send (?:you |over )?(?:the |a )?(?:proposal|quote|contract|"
               r"invite|deck)|our customers (?:see|get|usually))", re.I),
    re.compile(rf"\byour {_BUYER_STUFF}\b", re.I),
    re.compile(r"\bthanks? (?:you )?for (?:joining|making the time|your time|taking the time)\b", re.I),
    # discovery questions about the buyer's world
    re.compile(r"\b(?:how do you (?:currently |today )?(?:plan|handle|manage|do|run|track|build)|"
               r"what would (?:you need|have to be true|it take)|what does [^.?!]{1,30} cost you"
               r"|what were you comparing)\b", re.I),
    re.compile(r"¿[^?]{0,60}\b(?:les|su equipo|ustedes)\b[^?]{0,40}\?", re.I),
    re.compile(rf"\bnuestr[oa]s? {_COSA}\b", re.I),
    re.compile(r"\b(?:ofrecemos|incluimos|ayudamos a|integramos|cobramos|(?:les?|te) (?:env[ií]o|mando|muestro)|"
               r"gracias por (?:tu|su) tiempo|gracias por recibirnos)\b", re.I),
)
BUYER_CUES = (
    re.compile(rf"\b(?:your|you guys'?) {_THING}\b", re.I),
    re.compile(rf"\bour (?:current |own |existing )?{_BUYER_STUFF}\b", re.I),
    re.compile(r"\bwe (?:use|run|tried|budgeted|have about|currently|already have|are on|'re on)\b", re.I),
    re.compile(r"\b(?:(?:the savings|what) you (?:claim|promise)|every vendor (?:promises|says|claims)|"
               r"todos los proveedores (?:prometen|dicen))\b", re.I),
    re.compile(r"\b(?:send me|email me) (?:the|a|their|your)\b", re.I),
    re.compile(rf"\b(?:su|tu|vuestr[oa]) {_COSA}\b", re.I),
    re.compile(rf"\bnuestr[oa]s? {_SUS_COSAS}\b", re.I),
    re.compile(r"\b(?:m[aá]nd[ae]me|env[ií][ae]me|p[aá]same) (?:la|el|los|las|su|tu)\b", re.I),
    re.compile(r"\b(?:tenemos|usamos|probamos|planificamos|llevamos) (?:unos|unas|\d|doce|diez|veinte|treinta|"
               r"cuarenta|todo|otra|otro|excel|hojas)\b|\btenemos \w+ (?:tiendas|camiones|sedes|empleados|t[eé]cnicos|"
               r"conductores|vendedores|personas|almacenes)\b|\bnos preocupa\b", re.I),
)


@dataclass(frozen=True)
class Sides:
    """Each speaker's side: ours (the seller's team) or the buyer's; undecided when the evidence does not say."""

    ours: tuple[str, ...]
    buyers: tuple[str, ...]
    undecided: tuple[str, ...]
    # speaker -> (why, detail): "given" (named as ours, or not named), "domain", "company", "words", "other_side"
    reasons: dict[str, tuple[str, str]] = field(default_factory=dict)
    unknown_names: tuple[str, ...] = ()  # names given as ours that no speaker matches

    def side(self, speaker: str) -> str | None:
        return OURS if speaker in self.ours else BUYER if speaker in self.buyers else None

    @property
    def decided(self) -> bool:
        return not self.undecided and bool(self.ours) and bool(self.buyers)

    def as_json(self) -> dict[str, Any]:
        return {"ours": list(self.ours), "buyers": list(self.buyers), "undecided": list(self.undecided),
                "reasons": {name: {"why": why, "detail": detail} for name, (why, detail) in self.reasons.items()}}


def parse_names(raw: str | Sequence[str] | None) -> list[str]:
    """"Ana, Ben Carter" → ["Ana", "Ben Carter"] (commas or semicolons; a list is taken as it is)."""
    if raw is None:
        return []
    items = re.split(r"[,;\n]", raw) if isinstance(raw, str) else list(raw)
    return [" ".join(item.split()) for item in items if item and item.strip()]


def _matches(name: str, speaker: str, address: str | None) -> bool:
    """"Ana" names "Ana Ruiz"; "ana@brightpath.io" names the speaker who wrote from it; case does not matter."""
    wanted = name.lower().strip()
    if address and wanted == address.lower():
        return True
    words = set(re.findall(r"[\w'’.-]+", speaker.lower()))
    given = re.findall(r"[\w'’.-]+", wanted)
    return wanted == speaker.lower() or (bool(given) and set(given) <= words)


def usable_company(name: str | None) -> str | None:
    """The company's name when it is a real one, not the shipped profile's placeholder."""
    if not name or name.strip().lower() in _PLACEHOLDER_NAMES or "[" in name:
        return None
    return name.strip()


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def assign_sides(conversation: Conversation, *, company: str | None = None, domains: Sequence[str] = (),
                 ours: Sequence[str] = ()) -> Sides:
    """Each speaker's side. `ours` (names or addresses the seller gave) settles it outright: those are ours, the
    rest the buyer's. Otherwise by email domain, the company's name, and the speakers' words."""
    speakers = conversation.speakers
    address = {t.speaker: t.sender for t in conversation.turns if t.sender}
    if ours:
        mine = [s for s in speakers if any(_matches(n, s, address.get(s)) for n in ours)]
        unknown = tuple(n for n in ours if not any(_matches(n, s, address.get(s)) for s in speakers))
        reasons = {s: ("given", "ours" if s in mine else "not named") for s in speakers}
        return Sides(tuple(mine), tuple(s for s in speakers if s not in mine), (), reasons, unknown)

    company = usable_company(company)
    domains = [d.lower().lstrip("@").strip() for d in domains if d and d.strip()]
    side: dict[str, str] = {}
    reasons: dict[str, tuple[str, str]] = {}
    for speaker in speakers:
        found = _by_domain(address.get(speaker), domains, company)
        if found:
            side[speaker], reasons[speaker] = found[0], ("domain", found[1])
            continue
        if company and _squash(company) and _squash(company) in _squash(speaker):
            side[speaker], reasons[speaker] = OURS, ("company", speaker)  # "Ana Ruiz (Brightpath)"
    score = _word_scores(conversation, company)
    for speaker in speakers:
        if speaker in side:
            continue
        points, detail = score[speaker]
        if abs(points) >= SURE:
            side[speaker] = OURS if points > 0 else BUYER
            reasons[speaker] = ("company" if detail.startswith("company:") else "words", detail.removeprefix(
                "company:"))
    # two speakers and nothing settled: the one whose words lean more to our side is ours, if the gap is clear
    if not side and len(speakers) == 2:
        (a, (pa, da)), (b, (pb, db)) = ((sp, score[sp]) for sp in speakers)
        if abs(pa - pb) >= SURE:
            (high, dh), (low, dl) = ((a, da), (b, db)) if pa > pb else ((b, db), (a, da))
            side[high], reasons[high] = OURS, ("words", dh)
            side[low], reasons[low] = BUYER, ("words", dl)
    # one speaker left and one side still empty: that speaker is the other side (a two-person call, most often)
    left = [s for s in speakers if s not in side]
    for empty in (OURS, BUYER):
        if len(left) == 1 and empty not in side.values() and side:
            side[left[0]] = empty
            reasons[left[0]] = ("other_side", "")
            left = []
    # leaning speakers join a side only when both sides already have someone: a call with no seller is no call
    if OURS in side.values() and BUYER in side.values():
        for speaker in list(left):
            points, detail = score[speaker]
            if points:
                side[speaker] = OURS if points > 0 else BUYER
                reasons[speaker] = ("words", detail)
    return Sides(tuple(s for s in speakers if side.get(s) == OURS), tuple(s for s in speakers if side.get(s) == BUYER),
                 tuple(s for s in speakers if s not in side), reasons)


def _by_domain(address: str | None, domains: list[str], company: str | None) -> tuple[str, str] | None:
    if not address or "@" not in address:
        return None
    domain = address.rsplit("@", 1)[1].lower()
    if any(domain == d or domain.endswith("." + d) for d in domains):
        return OURS, domain
    if company and len(_squash(company)) >= 4 and _squash(company) in _squash(domain.split(".")[0]):
        return OURS, domain  # no domains in the profile, but brightpath.io is Brightpath's
    if domains:
        return BUYER, domain  # the profile lists every domain of ours: any other is the buyer's
    return None


def _word_scores(conversation: Conversation, company: str | None) -> dict[str, tuple[int, str]]:
    """speaker -> (points toward our side, minus points toward the buyer's; the first cue that counted)."""
    own_company = None
    if company:
        name = re.escape(company)
        own_company = re.compile(
            rf"\b(?:here at|at|with|from|i work for|i'?m with|aqu[ií] en|en|desde|trabajo en|soy de)\s+{name}\b"
            rf"(?!\s*(?:'s )?(?:team )?(?:told|said|sent|dijo|dijeron))", re.I)
    points: dict[str, int] = {s: 0 for s in conversation.speakers}
    first: dict[tuple[str, int], str] = {}  # (speaker, direction) -> the first words that counted that way
    for turn in conversation.turns:
        text = turn.text
        if own_company and (hit := own_company.search(text)):
            points[turn.speaker] += SURE  # "here at Brightpath we…": only someone of ours says that
            first.setdefault((turn.speaker, 1), f"company:{hit.group(0)}")
        for pattern in SELLER_CUES:
            for hit in pattern.finditer(text):
                points[turn.speaker] += 1
                first.setdefault((turn.speaker, 1), hit.group(0))
        for pattern in BUYER_CUES:
            for hit in pattern.finditer(text):
                points[turn.speaker] -= 1
                first.setdefault((turn.speaker, -1), hit.group(0))
    return {s: (points[s], first.get((s, 1 if points[s] > 0 else -1), "")) for s in conversation.speakers}
