"""Who is the buyer: tell the seller's side of a call or a thread from the buyer's.

(Over 450 lines because the bilingual cue patterns below are one table with the scoring that weighs them: split
apart, a reader would have to hold both files to see why a speaker got a side.)

The evidence, strongest first: the names the seller gives as theirs (`--ours "Ana,Ben"`, a select in Slack);
the email domain a message came from (the team profile's `company.domains`, or a domain that spells the
company's name); the company's name in the speaker's label ("Ana Ruiz (Brightpath)"); then what each speaker says
and does, each cue a point or two:

- the company in their own mouth: "here at Brightpath we…" (strong), Brightpath as the actor of a plain statement
  ("Brightpath sits next to your WMS"); not in a question, after "your team at", nor in hearsay ("I heard
  Brightpath only…"), which is the buyer's;
- who runs the meeting: the agenda, the recap, the screen share and the demo, the next steps, a colleague
  introduced as "our solutions engineer";
- who quotes the price ("it's priced per door", "cobramos por…") and who asks for it ("how do you price this?");
- who answers an objection the seller's way ("fair question", "I hear you", "es totalmente lógico") and who asks
  discovery questions about the other's world today; who asks what the product can do and asks to be sent things;
  who raises objections in the words that mark their kind ("my understanding is…", "tengo entendido…");
- who speaks of "our platform", "we support…", "most of our customers" and "your team", and who of "your product",
  "our current vendor", "our CFO", "my team".

Speakers are also linked to one another: addressing someone by name ("Hi Derek", "…, Maya.") is done across the
table far more often than to a colleague, so it is a point for their being on different sides; introducing a
colleague ("Tomás will run the demo", "Jordi se está conectando") or writing from the same email domain is a
point for the same side. The sides are the assignment that agrees best with all of this (every one of the few
speakers' assignments is tried); a speaker is decided when putting them on the other side would cost at least a
point of evidence, and otherwise reported as undecided, so the adapter asks the seller once rather than guessing.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.calls import side_model
from bot.calls.formats import Conversation

OURS, BUYER = "ours", "buyer"
# What it must cost, in points of evidence, to move a speaker to the other side before that speaker is decided:
# one net point (a flip moves the speaker's own points by twice their sum).
DECIDE = 2.0
# Points for evidence that settles a side outright: an email domain, the company's name in a speaker's label.
SETTLED = 100.0
# The most speakers whose every assignment is tried (2^14 = 16384 assignments); more is no call, and the rest
# are decided one by one by their own points.
MAX_SEARCHED = 14
# Placeholders that are no company name (the shipped generic team.yaml says "Our company").
_PLACEHOLDER_NAMES = {"our company", "nuestra empresa", "my company", "company"}

# What a vendor sells and speaks of as its own; what the buyer calls "yours".
_THING = (r"(?:product|platform|solution|tool|app|application|software|pricing|price list|proposal|quote|contract|"
          r"demo|integrations?|connectors?|roadmap|implementation|onboarding|support team|licen[cs]es?|portal|api|"
          r"dashboard|mobile app|standard (?:contract|terms)|order form|sla|uptime|customer success)")
_COSA = (r"(?:producto|plataforma|soluci[oó]n|herramienta|aplicaci[oó]n|app|software|propuesta|cotizaci[oó]n|"
         r"contrato|demo|integraci[oó]n|conector|implantaci[oó]n|implementaci[oó]n|soporte|licencias?|portal|api|"
         r"panel|tarifa)")
# The buyer's own world: what a seller asks about as "your …" and a buyer speaks of as "our …".
_BUYER_STUFF = (r"(?:team|dispatchers|technicians|techs|reps|drivers|stores|crews?|current (?:vendor|provider|system|"
                r"tool|process|setup|contract)|vendor|provider|budget|process|cfo|ceo|coo|cio|it (?:team|department|"
                r"guy|director|manager|folks|people)|legal(?: team| department)?|finance(?: team| guy| department)?|"
                r"procurement(?: team)?|security team|board|operations|warehouses?|fleet|staff|employees|guards?|"
                r"supervisors|carriers|shippers|suppliers|sites?|plants?|branch(?:es)?|buildings?|docks?|doors|yard|"
                r"gate|shifts?|regional vp|vp|director|boss|manager|headcount|policy|auditors?|workforce|"
                r"(?:erp|wms|crm|tms)\b)")
_SUS_COSAS = (r"(?:proveedor(?: actual)?|presupuesto|conductores|camiones|tiendas|equipo|empleados|t[eé]cnicos|"
              r"vendedores|socio|director\w*|responsable|sistema actual|almac[eé]n(?:es)?|flota|personal|"
              r"transportistas|muelles|andenes|guardias|jefes?|gerente|departamento|pol[ií]tica|sedes?|plantas?|"
              r"naves?|garita|caseta|patio|erp|wms)")
_SELLER_ROLE = (r"(?:account (?:executive|manager)|solutions? (?:engineer|consultant|architect)|sales (?:engineer|"
                r"rep|representative|manager|director)|customer success(?: manager)?|implementation (?:lead|manager|"
                r"consultant|specialist)|onboarding (?:lead|manager|specialist)|product specialist|"
                r"ingenier[oa] de (?:soluciones|preventa|ventas)|ejecutiv[oa] de cuentas?|gerente de cuentas?|"
                r"responsable de (?:cuentas?|implantaci[oó]n|implementaci[oó]n)|consultor[a]? de (?:preventa|"
                r"soluciones|implantaci[oó]n|implementaci[oó]n)|preventa|comercial|implementation consultant)")
_DEPARTMENT = (r"(?:compras|sistemas|inform[aá]tica|legal|jur[ií]dico|finanzas|operaciones|log[ií]stica|almac[eé]n|"
               r"tr[aá]fico|procurement|purchasing|it|legal|finance|operations|ops|logistics|security|compliance)")

_Cue = tuple[re.Pattern[str], float]


def _cues(*pairs: tuple[str, float]) -> tuple[_Cue, ...]:
    return tuple((re.compile(pattern, re.I), weight) for pattern, weight in pairs)


SELLER_CUES = _cues(
    (rf"\bour {_THING}\b", 1),
    # what a vendor does for a customer; not "we offer / provide / help", which a buyer says of their own business
    (r"\bwe (?:integrate|include|charge|bill|price|host|encrypt|guarantee|cap|waive|onboard|configure|"
     r"(?:can|could|will|'ll|'d|would) (?:set (?:it |that |you )?up|configure|lock|waive|host|rebuild|onboard|"
     r"baseline|price|include|cover|give you|send you|provide you))\b", 1),
    (r"\bwe have (?:a |an )?(?:prebuilt |native |standard |open |rest )?(?:connector|api|integration|module|"
     r"partner|customers|clients|\w+ customers)\b", 1),
    (r"\b(?:let me (?:show|walk) you|let me (?:share|pull up) (?:my|the) screen|share my screen|"
     r"(?:i'?ll|i will|we'?ll) send (?:you |over |it over )?(?:the |a |our |both )?(?:proposal|quote|pricing|"
     r"contract|invite|deck|guide|spec|documentation|docs|recording|summary|order form|timeline|case study|"
     r"one-pager|security (?:pack|docs))|"
     r"(?:most|many|some|other) (?:of our )?(?:customers|clients)|our customers (?:see|get|usually|typically|tell)|"
     r"customers like you|we hear (?:that|this) (?:a lot|often|all the time))", 1),
    (rf"\byour {_BUYER_STUFF}\b", 1),
    (r"\bthanks?(?: you)?(?:,? (?:both|all|everyone))?,? for (?:joining|making (?:the )?time|your time|"
     r"taking the time|hopping on|jumping on)\b", 1),
    # who runs the meeting: the agenda, the recap, the next steps
    (r"\b(?:what i had in mind for today|the plan (?:for )?today|today i (?:wanted|want|'d like|would like) to|"
     r"(?:quick )?recap (?:of )?what we (?:heard|discussed|covered)|from our (?:first|last) (?:call|conversation)|"
     r"did i miss anything|so,? next steps|what we(?:'d| would) (?:usually |typically )?(?:suggest|propose|recommend)|"
     r"anything else before we let you go|walk (?:you )?through (?:the|a|how))\b", 1),
    # an objection answered the seller's way
    (r"\b(?:(?:good|great|fair|excellent|very fair) question|glad you (?:asked|brought)|i hear you|"
     r"(?:that's|that is) (?:completely|totally|entirely) (?:fair|reasonable|understandable)|totally fair|"
     r"(?:a )?(?:really )?common (?:question|mix-up|misconception|concern)|i can see why)\b", 1),
    # discovery: the other side's world, today
    (r"\b(?:how (?:do|does) (?:you|your \w+) (?:currently |today )?(?:plan|handle|manage|do|run|track|build)\b[^.?!]"
     r"{0,60}\b(?:today|currently|right now|at the moment)|how many \w+(?: \w+)? do you (?:have|run|get|use|see)|"
     r"what would (?:you need|have to be true|it take)|what does [^.?!]{1,30} cost you|what were you comparing|"
     r"what does a (?:bad|typical|good) (?:day|week) look like|who (?:builds|owns|handles|does) (?:those|that|this) "
     r"today)\b", 1),
    (r"\b(?:it'?s|it is|we'?re) priced (?:per|by|at)\b|\blist price is\b", 1),
    (r"\b(?:he|she|they)(?:'s| is| are) our (?:\w+ )?" + _SELLER_ROLE + r"\b", 2),
    (r"\b(?:i'?m|i am)(?: \w+(?: \w+)?,)? (?:the|an?|your) (?:\w+ )?" + _SELLER_ROLE + r"\b", 2),
    (rf"\bour {_SELLER_ROLE}\b", 2),
    # Spanish
    (rf"\bnuestr[oa]s? {_COSA}\b", 1),
    (r"\b(?:ofrecemos|incluimos|ayudamos a|integramos|cobramos|facturamos|alojamos|soportamos|lo soportamos|"
     r"firmamos|garantizamos|no cobramos|(?:os|les|te) (?:lo |la |los |las )?(?:env[ií]o|mando|paso|muestro|enseño)|"
     r"comparto pantalla|(?:os|les) comparto|gracias por (?:tu|su|vuestro) tiempo|gracias por recibirnos|"
     r"gracias por conectar(?:te|os|se))\b", 1),
    (r"\b(?:(?:os|le|les) cuento (?:r[aá]pido )?(?:la agenda|c[oó]mo lo (?:hab[ií]a|he) pensado)|"
     r"lo que (?:hablamos|platicamos|comentamos) (?:con|la vez|el otro)|(?:siguientes|pr[oó]ximos) pasos|"
     r"lo que solemos (?:proponer|recomendar|hacer)|(?:os|les) propongo|os presento|les presento|"
     r"muchos clientes|todos (?:los|nuestros) clientes|otros clientes|un cliente (?:de|en|nuestro)|"
     r"buena pregunta|es (?:totalmente |muy )?(?:l[oó]gico|razonable|normal que)|"
     r"una preocupaci[oó]n (?:muy )?razonable)\b", 1),
    (r"¿[^?]{0,60}\b(?:tenéis|tienen|usáis|usan|hacéis|hacen|os|les|vuestr[oa]s?|su|sus)\b[^?]{0,40}\b(?:hoy|"
     r"ahora|actualmente|hoy en d[ií]a)\b[^?]{0,20}\?|¿(?:cu[aá]nt[oa]s) [^?]{1,40}(?:ten[eé]is|tienen|"
     r"tendr[ií]ais|tendr[ií]an|usáis|usan)\b", 1),
    (rf"\b(?:vuestr[oa]s?|su|sus) {_SUS_COSAS}\b", 1),
    (rf"\b(?:es|soy) (?:nuestr[oa] |el |la )?{_SELLER_ROLE}\b", 2),
)
BUYER_CUES = _cues(
    (rf"\b(?:your|you guys'?) {_THING}\b", 1),
    (rf"\b(?:our|my) (?:current |own |existing )?{_BUYER_STUFF}\b", 1),
    (r"\bwe (?:use|run|tried|budgeted|have about|currently|already have|are on|'re on|'ve got|have got|receive|"
     r"operate|spent|pay|paid|looked at|evaluated|just finished)\b", 1),
    (r"\b(?:(?:the savings|what) you (?:claim|promise)|every vendor (?:promises|says|claims|shows)|"
     r"todos los proveedores (?:prometen|dicen))\b", 1),
    (r"\b(?:send me|email me|(?:can|could) you (?:send|email|share) (?:me|us|over|the)|please send)\b", 1),
    # asking for the price, asking what the product can do
    (r"\bhow (?:do|would|will) you (?:price|charge|bill)|how much (?:does|would|will|is) (?:it|this|that)|"
     r"what (?:does|would|will) (?:it|this|that) cost|how is (?:it|this) priced\b", 1),
    (r"\b(?:does|can|will|would) (?:it|the (?:system|platform|app|tool|product|portal))\b[^.?!]{0,60}\?|"
     r"\bis (?:it|there) (?:possible|a way|an option)\b[^.?!]{0,60}\?", 1),
    (r"\b(?:run (?:it|this|them) by|check with) (?:our|my) \w+|\bi'?d have to (?:check|ask|run)\b", 1),
    (rf"\b(?:i'?m|i am) \w+,? (?:from|in|with|over in) {_DEPARTMENT}\b", 1),
    # Spanish
    (rf"\b(?:su|tu|vuestr[oa]) {_COSA}\b", 1),
    (rf"\bnuestr[oa]s? {_SUS_COSAS}\b", 1),
    (r"\b(?:m[aá]nd[ae](?:me|nos)(?:l[oa]s?)?|env[ií][ae](?:me|nos)(?:l[oa]s?)?|p[aá]s[ae](?:me|nos)(?:l[oa]s?)?|"
     r"nos (?:pod[eé]is|pueden|"
     r"puede) (?:mandar|enviar|pasar))\b", 1),
    (r"\b(?:tenemos|usamos|probamos|planificamos|llevamos) (?:unos|unas|\d|doce|diez|veinte|treinta|"
     r"cuarenta|todo|otra|otro|excel|hojas)\b|\btenemos \w+ (?:tiendas|camiones|sedes|empleados|t[eé]cnicos|"
     r"conductores|vendedores|personas|almacenes|muelles|andenes|transportistas)\b|\bnos preocupa\b", 1),
    (r"\b(?:c[oó]mo (?:cobr[aá]is|cobran)|cu[aá]nto (?:cuesta|cobr[aá]is|cobran|sale|costar[ií]a))\b", 1),
    (r"¿(?:y )?(?:se puede|se pueden|eso se puede|funciona (?:con|en)|(?:tenéis|tienen) (?:conector|integraci[oó]n|"
     r"api)|(?:soporta|permite|incluye))\b", 1),
    (rf"\bsoy \w+,? de {_DEPARTMENT}\b|\b(?:lo tengo que|tengo que) (?:hablar|consultar|ver)(?:lo)? con "
     r"(?:direcci[oó]n|mi jefe|mi director|el comit[eé])\b", 1),
)
# Hearsay and belief: the company named in these is the buyer's picture of us, not our own words.
_HEARSAY = re.compile(
    r"\b(?:heard|thought|told|impression|assum\w+|understand(?:ing)?|read|said|says|claims?|saw|seems?|"
    r"your team|you guys|entiendo que|tengo entendido|ten[ií]a entendido|me dijeron|nos dijeron|pensaba|cre[eo] que|"
    r"cree que|cre[ií]a|vi que|le[ií] que|dicen|vuestr[oa]|su equipo)\b", re.I)


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
    rest the buyer's. Otherwise by email domain, the company's name, and the speakers' words and links."""
    speakers = conversation.speakers
    address = {t.speaker: t.sender for t in conversation.turns if t.sender}
    if ours:
        mine = [s for s in speakers if any(_matches(n, s, address.get(s)) for n in ours)]
        unknown = tuple(n for n in ours if not any(_matches(n, s, address.get(s)) for s in speakers))
        reasons = {s: ("given", "ours" if s in mine else "not named") for s in speakers}
        return Sides(tuple(mine), tuple(s for s in speakers if s not in mine), (), reasons, unknown)

    company = usable_company(company)
    domains = [d.lower().lstrip("@").strip() for d in domains if d and d.strip()]
    evidence = _Evidence(speakers)
    listed = dict(conversation.affiliations)
    for speaker in speakers:
        found = _by_domain(address.get(speaker), domains, company)
        if found:
            evidence.add(speaker, SETTLED if found[0] == OURS else -SETTLED, "domain", found[1])
        elif company and _squash(company) and _squash(company) in _squash(speaker):
            evidence.add(speaker, SETTLED, "company", speaker)  # "Ana Ruiz (Brightpath)"
        elif company and _squash(company) and speaker in listed:
            # the header lists them with a company: ours, or another company (the buyer's)
            # "FríoTrack" for "FríoTrack Soluciones S.A.S.": a header may shorten the company's name, or lengthen it
            theirs, ours = _squash(listed[speaker]), _squash(company)
            ours_listed = ours in theirs or (len(theirs) >= 3 and ours.startswith(theirs))
            evidence.add(speaker, SETTLED if ours_listed else -SETTLED, "company", f"{speaker} ({listed[speaker]})")
    _same_domain(evidence, address)
    _words(evidence, conversation, company)
    _resistance(evidence, conversation)
    _pronouns(evidence, conversation)
    _learned(evidence, conversation)
    _links(evidence, conversation)
    return evidence.decide()


class _Evidence:
    """Points per speaker (toward ours, negative toward the buyer's) and links between speakers (positive: the
    same side; negative: different sides), with the first words behind each, for the reasons a reader sees."""

    def __init__(self, speakers: list[str]):
        self.speakers = speakers
        self.points: dict[str, float] = {s: 0.0 for s in speakers}
        self.first: dict[tuple[str, int], tuple[str, str]] = {}  # (speaker, direction) -> (why, detail)
        self.links: dict[tuple[str, str], float] = defaultdict(float)

    def add(self, speaker: str, points: float, why: str, detail: str) -> None:
        self.points[speaker] += points
        direction = 1 if points > 0 else -1
        # the strongest kind of evidence names the reason: a domain over a company mention over words
        known = self.first.get((speaker, direction))
        if known is None or _RANK[why] > _RANK[known[0]]:
            self.first[(speaker, direction)] = (why, detail)

    def link(self, a: str, b: str, weight: float) -> None:
        if a != b:
            self.links[(min(a, b), max(a, b))] += weight

    def decide(self) -> Sides:
        speakers = self.speakers
        side: dict[str, str] = {}
        margin: dict[str, float] = {}
        settled = {s: (OURS if p > 0 else BUYER) for s, p in self.points.items() if abs(p) >= SETTLED / 2}
        free = [s for s in speakers if s not in settled]
        if len(free) > MAX_SEARCHED:  # no call has this many; judge each on its own points
            for s in free:
                if abs(self.points[s]) * 2 >= DECIDE:
                    side[s], margin[s] = (OURS if self.points[s] > 0 else BUYER), abs(self.points[s]) * 2
            free = []
        best_of: dict[tuple[str, str], float] = {}
        best, best_energy = None, float("-inf")
        for values in itertools.product((OURS, BUYER), repeat=len(free)):
            trial = {**settled, **dict(zip(free, values, strict=True))}
            if OURS not in trial.values() or BUYER not in trial.values():
                continue  # a conversation has both sides
            energy = self._energy(trial)
            if energy > best_energy:
                best, best_energy = trial, energy
            for s in free:
                key = (s, trial[s])
                best_of[key] = max(best_of.get(key, float("-inf")), energy)
        if best is not None:
            for s in free:
                other = BUYER if best[s] == OURS else OURS
                margin[s] = best_energy - best_of.get((s, other), float("-inf"))
                if margin[s] >= DECIDE:
                    side[s] = best[s]
        side.update(settled)
        reasons: dict[str, tuple[str, str]] = {}
        for s, value in side.items():
            direction = 1 if value == OURS else -1
            reasons[s] = self.first.get((s, direction)) or (
                ("other_side", "") if abs(self.points[s]) < DECIDE / 2 else ("words", ""))
        return Sides(tuple(s for s in speakers if side.get(s) == OURS),
                     tuple(s for s in speakers if side.get(s) == BUYER),
                     tuple(s for s in speakers if s not in side), reasons)

    def _energy(self, trial: dict[str, str]) -> float:
        sign = {s: 1 if v == OURS else -1 for s, v in trial.items()}
        energy = sum(self.points[s] * sign[s] for s in self.speakers if s in sign and abs(self.points[s]) < SETTLED / 2)
        return energy + sum(w * sign[a] * sign[b] for (a, b), w in self.links.items() if a in sign and b in sign)


_RANK = {"words": 0, "linked": 0, "company": 1, "domain": 2}


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


# Free mail providers: two people writing from gmail.com are no colleagues.
_PUBLIC_MAIL = frozenset("""gmail.com googlemail.com outlook.com hotmail.com live.com yahoo.com icloud.com me.com
aol.com proton.me protonmail.com gmx.com gmx.net mail.com yahoo.es hotmail.es""".split())


def _same_domain(evidence: _Evidence, address: dict[str, str | None]) -> None:
    """Speakers who write from one company's domain are on one side."""
    by_domain: dict[str, list[str]] = defaultdict(list)
    for speaker, sender in address.items():
        if sender and "@" in sender and sender.rsplit("@", 1)[1].lower() not in _PUBLIC_MAIL:
            by_domain[sender.rsplit("@", 1)[1].lower()].append(speaker)
    for group in by_domain.values():
        for a, b in itertools.combinations(group, 2):
            evidence.link(a, b, SETTLED / 10)


_SENTENCES = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\s+(?=¿|¡)")


def _words(evidence: _Evidence, conversation: Conversation, company: str | None) -> None:
    """Points from what each speaker says: the cues above, and the company's name in their own statements."""
    own_company = mention = None
    if company:
        name = re.escape(company)
        own_company = re.compile(
            rf"\b(?:here at|we at|i work (?:for|at)|i'?m with|i am with|aqu[ií] en|desde|trabajo en|soy de|"
            rf"nosotros en)\s+{name}\b", re.I)
        mention = re.compile(rf"\b{name}\b", re.I)
    for turn in conversation.turns:
        speaker, text = turn.speaker, turn.text
        for sentence in _SENTENCES.split(text):
            if own_company and (hit := own_company.search(sentence)) and not re.search(
                    r"\byour (?:team|people|rep|folks) (?:here )?$", sentence[: hit.start()], re.I):
                evidence.add(speaker, 3, "company", hit.group(0))  # "here at Brightpath we…"
            elif mention and mention.search(sentence) and not _HEARSAY.search(sentence) and "?" not in sentence:
                evidence.add(speaker, 1, "company", sentence[:80])  # "Brightpath sits next to your WMS"
            elif mention and mention.search(sentence) and _HEARSAY.search(sentence) and "?" not in sentence:
                evidence.add(speaker, -1, "words", sentence[:80])  # "I heard Brightpath only…": the buyer's picture
        for pattern, weight in SELLER_CUES:
            for hit in pattern.finditer(text):
                evidence.add(speaker, weight, "words", hit.group(0))
        for pattern, weight in BUYER_CUES:
            for hit in pattern.finditer(text):
                evidence.add(speaker, -weight, "words", hit.group(0))


# A seller echoing the buyer ("Entiendo que os preocupa…") is no buyer stating a belief.
_ECHOES = re.compile(r"^\W*(?:lo |te |le |os )?(?:entiendo|comprendo|i understand|i hear)\b", re.I)
# Objections a speaker raises count toward the buyer's side up to this many points: a long skeptic is no more a
# buyer than a short one.
RESISTANCE_POINTS = 3


def _resistance(evidence: _Evidence, conversation: Conversation) -> None:
    """A point toward the buyer's side for each sentence stating an objection in the words that mark its kind
    (bot/calls/finding.py KIND_MARKERS: "my understanding is", "no idea how you price this", "I'll believe it
    when I see it", "tengo entendido"): the seller's side answers objections, it does not raise them."""
    from bot.calls.finding import kind_marker, sentences

    counted: dict[str, int] = defaultdict(int)
    for turn in conversation.turns:
        for sentence in sentences(turn.text):
            if counted[turn.speaker] >= RESISTANCE_POINTS or "?" in sentence or _ECHOES.match(sentence):
                continue
            if kind_marker(sentence):
                counted[turn.speaker] += 1
                evidence.add(turn.speaker, -1, "words", sentence[:80])


# The other side's "you / your" against one's own "we / our": a seller speaks of the buyer's world and of what
# "you" would do with the product; a buyer of what "we" do today. Spanish counts the plural and formal you.
_YOU = {"en": re.compile(r"\b(?:you|your|yours|you'll|you'd|you're|you've)\b", re.I),
        "es": re.compile(r"\b(?:os|vuestr[oa]s?|ten[eé]is|pod[eé]is|quer[eé]is|ustedes|usted|les)\b", re.I)}
_WE = {"en": re.compile(r"\b(?:we|our|ours|us|we're|we've|we'd|we'll)\b", re.I),
       "es": re.compile(r"\b(?:nosotros|nuestr[oa]s?|nos|tenemos|hemos|estamos|somos|podemos|hacemos|usamos)\b",
                        re.I)}
# Words a speaker must say before their pronouns count: a few lines say nothing about a habit.
PRONOUN_WORDS = 60


def _pronouns(evidence: _Evidence, conversation: Conversation) -> None:
    """Up to a point each way from the ratio of "you" to "we" in a speaker's words (twice as many: the full
    point). Weak on its own, it tips a speaker whose cues are few, and it does not depend on any phrasing."""
    you, we = _YOU.get(conversation.language, _YOU["en"]), _WE.get(conversation.language, _WE["en"])
    said: dict[str, list[str]] = defaultdict(list)
    for turn in conversation.turns:
        said[turn.speaker].append(turn.text)
    for speaker, texts in said.items():
        text = " ".join(texts)
        if len(text.split()) < PRONOUN_WORDS:
            continue
        lean = max(-1.0, min(1.0, math.log2((len(you.findall(text)) + 1) / (len(we.findall(text)) + 1))))
        if abs(lean) >= 0.25:
            evidence.add(speaker, lean, "words", "you/we" if lean > 0 else "we/you")


def _learned(evidence: _Evidence, conversation: Conversation) -> None:
    """Up to side_model.CAP points each way from how the speaker talks, as the learned side model reads it:
    it tips a speaker whose cues are few or mixed (bot/calls/side_model.py)."""
    model = side_model.shipped()
    if model is None:
        return
    for speaker, points in model.points(conversation).items():
        if points:
            evidence.add(speaker, points, "words", "how they speak")


# A colleague introduced or accounted for: the speaker and the colleague are one side.
_INTRODUCES = (r"(?:{n}(?: is|'s) (?:here|on the line|joining|with (?:us|me)|on the call)|{n} will (?:run|show|walk|"
               r"cover|demo|take you|handle|answer)|{n} (?:can|will) (?:speak to|answer|cover) (?:that|this|the)|"
               r"{n}(?:'s| is) (?:grabbing|running late|driving|stuck|dialing in|coming|on (?:another|a) call|in the)|"
               r"(?:os|les) presento a {n}|{n},? (?:nuestr[oa]|our) |{n} (?:va a|os|les) (?:hacer|enseñar|mostrar|"
               r"enseña|muestra|contar)|{n} (?:ya viene|viene conmigo|se est[aá] conectando|est[aá] terminando|llega|"
               r"est[aá] en (?:la|el) \w+|entra (?:ahora|ya|desde|en))|me acompaña {n})")
# Addressing someone by name, which is done across the table: "Hi Derek", "Keith, can I ask…", "…, Maya."
_ADDRESSES = (r"(?:\b(?:hi|hey|hello|morning|thanks|thank you|hola|gracias|bienvenid[oa]|buenas(?: tardes)?|"
              r"buenos d[ií]as|adi[oó]s|bye|good to (?:see|meet) you)\b,? (?:\w+,? )?{n}\b|"
              r"(?:^|[.!?]\s+)(?:so,? |okay,? |ok,? )?{n},(?!\s*(?:do you want|would you|can you (?:take|walk|show)|"
              r"¿?(?:quieres|empiezas|te animas|sigues|puedes contar)))|,\s*{n}\s*[.!?])")
# After a colleague's turn handed over by name ("Tomás, do you want to take it from here?"): no evidence.


def _links(evidence: _Evidence, conversation: Conversation) -> None:
    """Links between speakers from how they speak to and of one another by first name."""
    first_names: dict[str, str] = {}
    taken: set[str] = set()
    for speaker in conversation.speakers:
        word = speaker.split()[0] if speaker.split() else ""
        if "@" in speaker or len(word) < 3 or not word[0].isupper() or word.lower() in ("speaker", "unknown"):
            continue
        if word in taken:  # two Anas: a first name no longer says which
            first_names = {s: n for s, n in first_names.items() if n != word}
            continue
        taken.add(word)
        first_names[speaker] = word
    patterns = {
        other: (re.compile(_INTRODUCES.format(n=re.escape(name)), re.I),
                re.compile(_ADDRESSES.format(n=re.escape(name)), re.I))
        for other, name in first_names.items()}
    for turn in conversation.turns:
        for other, (introduces, addresses) in patterns.items():
            if other == turn.speaker or first_names[other] not in turn.text:
                continue
            same = len(introduces.findall(turn.text))
            across = len(addresses.findall(turn.text))
            evidence.link(turn.speaker, other, 2 * same - min(across, 2))
