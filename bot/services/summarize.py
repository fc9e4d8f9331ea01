"""Summarise a deal-room thread: where the buyer stands, who is who, what resists, and the next move.

Every claim points at a message. Offline, obstacles come from a classifier over the thread's sentences
(trained on `playbooks/examples/obstacles/`), objections from the objection classifier on reported buyer
speech, stakeholders and the buyer's position from cue patterns. Whether the deal stalled comes from the
thread's timeline (how long since the buyer's side last moved) and from stalls said in words. With an LLM,
the thread is cut into chunks that fit the context budget (map); each chunk's JSON reading is checked against
the chunk's messages and merged in code (reduce), so model calls grow linearly with the thread and no call
exceeds the budget. A chunk whose call fails is read offline.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from bot.content.i18n import t
from bot.content.templates import as_prompt_data, templates
from bot.core.language import majority_language
from bot.core.resources import data_dir
from bot.core.taxonomy import KINDS, LABELS, OBSTACLE_KINDS, OBSTACLE_PRIORITY, OBSTACLES
from bot.core.text import plain
from bot.llm.answers import ChunkReading
from bot.llm.client import MAX_OUTPUT_TOKENS, LLMFailure, Prompt
from bot.models.classify import Classifier, Example, cached_classifier, load_classifier, read_example_dir
from bot.services.coach import Coach

NONE = "none"
# A unit (sentence or whole message) shows an obstacle when the detector gives it at least this probability.
OBSTACLE_THRESHOLD = 0.55
OBJECTION_THRESHOLD = 0.55
SNIPPET = 220
STALL_LABELS = ("moving", "stalled")
# Stall sentences are rare among deal-room sentences (about 100 to 1,500 in training), so the detector's
# probabilities run low; at 0.3 it catches stalls the cues miss ("no RFP decision date") and calls no healthy
# annotated thread stalled. The cues need no score.
STALL_THRESHOLD = 0.3
STALL_QUOTE = 120

_SENTENCES = re.compile(r"(?<=[.!?;:])\s+|\n+")
# What the buyer said, inside a deal-room message: quoted words, a forwarded email, or "X says: ..."
_QUOTED = re.compile(r"[\"“«]((?:[^\"”»\s]+\s+){3,}[^\"”»]*)[\"”»]")  # four words or more in quotes
# a quoted email, on any line of the message: "> forwarded from Ana (CFO): ..."
_FORWARDED = re.compile(r"^\s*>\s*(?:(?:forwarded|fwd|reenviado|re)\b[^:]{0,80}:)?\s*(?P<said>.+)",
                        re.I | re.S | re.M)
_REPORTED = re.compile(
    r"\b(?:says?|said|thinks?|asked|told (?:me|us)|pushed back|objected|wrote|replied|dice|dijo|cree|creen|"
    r"pregunt[oó]|coment[oó]|opina|escribi[oó]|respondi[oó])\b[^:]{0,40}:\s*(?P<said>.+)",
    re.I | re.S,
)
_CURRENT = re.compile(
    r"\b(today(:|,? (they|their|the team|everything|it|all))|hoy:|currently|right now they|at the moment they|"
    r"still (use|using|run|running|do|doing)|by hand|manual(ly)?|spreadsheets?|excel|on paper|"
    r"hoy (tienen|usan|hacen|llevan|manejan|trabajan|todo)|actualmente|todav[ií]a (usan|hacen|llevan)|a mano|"
    r"planillas?|hojas? de c[aá]lculo|en papel)(?!\w)",
    re.I,
)
_DESIRED = re.compile(
    r"\b(wants?|wanted to|goal|aim(s|ing)? to|would like|looking (to|for)|hope to|target|by q[1-4]|"
    r"quieren?|querr[ií]an?|objetivo|(su|la|sus) metas?|buscan?|aspiran?|esperan lograr|"
    r"necesitan? (que|poder|tener))\b",
    re.I,
)
_COST = re.compile(
    # what staying put costs them, not what we cost: losses, penalties, waste, another year of the same
    r"(cost of (doing nothing|inaction|waiting|status quo)|\b(on|about) (doing nothing|waiting)\b|"
    r"if (they|we) do nothing|another (year|quarter) of (paying|losing|running|doing)|costing|costs? them|losing|"
    r"lost (\$|~?\d|orders|deals|customers)|penalt|overtime|churn|write-?offs?|cost[oe] de no hacer nada|"
    r"cost[oe] de esperar|sobre no hacer nada|si no hacen nada|otro año (m[aá]s )?(de|pagando|perdiendo)|"
    r"les cuesta|pierden|perdiendo|perdieron|multas?|sanci[oó]n)",
    re.I,
)
_COST_SEEN = re.compile(
    r"\b(they (get|got|see|saw) it|agreed|acknowledg\w+|bought into|understands?|recogn\w+|"
    r"reconoc\w+|entiende\w*|lo ven|lo vieron|aceptaron|est[aá]n de acuerdo)\b",
    re.I,
)
_COST_MISSED = re.compile(
    r"(no urgency|don'?t see (the|a|any) (cost|urgency|problem)|doesn'?t see (the|a|any) (cost|urgency)|"
    r"nice to have|sin urgencia|no ven (el|la|ning[uú]n) (costo|urgencia|problema)|no les urge)",
    re.I,
)
# the deal itself, not where the buyer wants to get to: "Goal: signature before end of Q2" is the seller's goal
_DEAL_MECHANICS = re.compile(
    r"\b(signatures?|sign(ed|ing)? (the|by|before|off)|target close|close (the deal|it|by end|this quarter)|"
    r"closed?[- ]won|PO|purchase order|order form|quota|firmas?|firmar|cierre del (deal|trato)|orden de compra)\b",
    re.I,
)
# A stall said in words, in English or Spanish (the examples in playbooks/examples/obstacles/stalls/ show the
# range; a detector trained on them catches the phrasings these cues miss).
_STALL = re.compile(
    r"(\bno (reply|replies|response|answer|word|news|movement|activity|progress)\b|not a word|zero (replies|response)|"
    r"\b(still|yet) (nothing|no\b|silent|waiting)|\bnothing (from|yet|since|back)\b|nothing has moved|"
    r"haven'?t heard|has(n'?t| not) (replied|responded|answered|opened|come back|gotten back|written)|"
    r"not (responding|answering|replying)|(went|gone|going|has gone) (dark|quiet|silent)|radio silence|ghost\w*|"
    r"\bstuck\b|\b(is|it'?s|this one is|looks) (stalled|dead)|calling it stalled|"
    r"checked in (twice|again|\w+ times)|followed up (again|twice|\w+ times)|"
    r"(second|third|another|\w+) (follow-?ups?|nudges?|reminders?|pings?)[^.]{0,30}(no|nothing|zero|unanswered)|"
    r"\b(segund|tercer|otr)[oa]? (mail|correo|mensaje|seguimiento|recordatorio)[^.]{0,30}(nada|sin respuesta)|"
    r"\bon hold\b|\bpaused\b|\bpark(ing|ed) it\b|indefinitely|shelved|on ice|\bfrozen\b|"
    r"(push|move|slide|slip|kick)\w* (it |the deal |the close( date)? )?(out )?(to|into|until) (the )?"
    r"(next (quarter|fiscal|year)|q[1-4]|nurture)|"
    r"sin (respuesta|noticias|novedades)|no (contesta|responde)\w*|no (han|ha) (contestado|respondido|vuelto)|"
    r"\bni\b[^.]{0,40}\b(contesta|responde)n?\b|(de momento|por ahora|todav[ií]a|a[uú]n|y) nada\b|"
    r"\bnada (todav[ií]a|a[uú]n|de \w+ (ni|desde))|^nada\b|(seguimos|sigo) (esperando|sin)|cero respuesta|"
    r"est[aá] parad[oa]|estancad\w+|no se (ha )?movido nada|en pausa|congelad\w+|se enfri\w+|pospus\w+|"
    r"posterg\w+|aplazad\w+|clavaron el visto|visto y sin respuesta|silencio|"
    r"(pasa|pas|mov|mue|dej)\w* (lo |el deal )?(al|a|para el) (pr[oó]ximo trimestre|trimestre que viene|"
    r"siguiente trimestre|q[1-4]|nurture|a[nñ]o que viene))",
    re.I | re.M,
)
# The buyer's side did something: replied, confirmed, approved, met us. A reported silence is not one.
_CONTACT = re.compile(
    r"\b(replied|answered|responded|got back|wrote back|came back|confirmed|approved|agreed|accepted|signed|"
    r"booked|scheduled|rebooked|picked|chose|liked|loved|says|said|told (us|me)|asked (for|us)|wants|sent (us|over|"
    r"this|the numbers|back)|(call|demo|meeting|readout|briefing|review) (done|went|happened)|recap|"
    r"respondi[oó]|contest[oó]|confirm[oó]|aprob[oó]|acept[oó]|firm[oó]|agend[oó]|eligi[oó]|pidi[oó]|dijo|dice|"
    r"mand[oó]|envi[oó]|volvi[oó]|quiere|escribi[oó]|(llamada|reuni[oó]n|demo) con|resumen|"
    # outcomes only the buyer's side produces
    r"received|kick-?off|PO (for|is|came|arrived|received)|firmad[oa]|firmaron|aprobad[oa]|"
    r"aceptad[oa]|recibid[oa]|ganad[oa])\b",
    re.I,
)
_ROLE = (
    r"(?:CFO|CEO|COO|CTO|CIO|CISO|CMO|CRO|CHRO|VP(?: of)? [A-Z][\w&]*(?: [A-Z][\w&]*)?|SVP [\w ]{2,20}|"
    r"Head of [A-Z][\w]*(?: [A-Z][\w]*)?|(?:IT |HR |Ops |Finance |Procurement )?Director(?: of [A-Z]\w*)?|"
    r"director(?:a)? (?:de|del) [\wáéíóú]+|gerente(?: (?:de|del) [\wáéíóú]+)?|jef[ea] (?:de|del) [\wáéíóú]+|"
    r"controller|general counsel|procurement lead|champion|due[ñn]o|presidente)"
)
_NAME = r"(?P<name>[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+(?: [A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)?)"
_STAKEHOLDER_PATTERNS = (
    re.compile(_NAME + r"\s*\((?P<role>[^()]{2,40})\)"),  # Dana (VP Ops)
    re.compile(r"(?:their|the|our|su|el|la|with|con)\s+(?P<role>" + _ROLE + r")\s*,?\s+" + _NAME),  # their CFO Raj
    re.compile(_NAME + r",\s*(?:their|the|su|el|la)?\s*(?P<role>" + _ROLE + r")\b"),  # Raj, their CFO
)
# what a role in "Name (role)" must contain, so "Brazos Foodservice (Houston, TX)" is not a stakeholder
_ROLE_WORD = re.compile(
    r"\b(c[a-z]?o|ciso|vp|svp|evp|head|director\w*|dir|manager|mgr|lead|owner|founder|president\w*|partner|"
    r"controller|counsel|legal|procurement|purchasing|buyer|analyst|engineer|admin\w*|architect|champion|"
    r"it|ops|finance|hr|cno|cmio|gerente|jef[ea]|due[ñn][oa]|socio|compras|responsable|coordinador\w*|"
    r"encargad[oa]|administrador\w*|presidente|directora?|subdirector\w*|analista|abogad[oa]|legal)\b",
    re.I,
)
_NOT_NAMES = {"The", "Their", "They", "We", "Our", "El", "La", "Los", "Las", "Su", "Call", "Llamada", "Forwarded",
              "Reenviado", "Re", "Fwd", "Update", "Hoy", "Today", "Note", "Nota", "Ok", "And", "But"}
_SUPPORTIVE = re.compile(
    r"\b(champion|on board|supports?|supportive|backing|loves?|excited|pushing for|sponsor\w*|fan of|"
    r"apoya\w*|a favor|entusiasm\w+|convencid[oa]|de nuestro lado|impulsa\w*)\b",
    re.I,
)
_OPPOSED = re.compile(
    r"\b(block\w*|against|skeptic\w*|not convinced|unconvinced|pushed back|push(es|ing)? back|resist\w*|veto\w*|"
    r"opposes?|opposed|won'?t sign|isn'?t sold|en contra|frena\w*|bloque\w+|no est[aá] convencid[oa]|"
    r"esc[eé]ptic[oa]|se opone|reticente)\b",
    re.I,
)


def estimate_tokens(text: str) -> int:
    """A conservative token estimate (about four characters a token for English and Spanish)."""
    return len(text) // 4 + 1


@dataclass(frozen=True)
class Message:
    user: str
    text: str
    ts: str

    @property
    def time(self) -> datetime:
        return datetime.fromtimestamp(float(self.ts), UTC)


def parse_messages(data: Any, skip_ts: str | None = None) -> list[Message]:
    """People's messages from a `conversations.replies` answer (or a bare list), oldest first.

    Bots' posts (the coach's own summaries and coaching among them) are left out: they are not deal
    activity and not the buyer's words; so is `skip_ts`, the message that asked for the summary."""
    raw = data.get("messages") if isinstance(data, dict) else data
    if not isinstance(raw, list):
        raise ValueError("expected {\"messages\": [...]} as conversations.replies returns it")
    messages = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or "ts" not in item:
            raise ValueError(f"message {index}: expected an object with at least 'ts' and 'text'")
        if item.get("bot_id") or item.get("subtype") in ("bot_message", "channel_join", "channel_leave", "bot_add"):
            continue
        if skip_ts is not None and str(item["ts"]) == skip_ts:
            continue
        text = item.get("text") or ""
        if text.strip():
            messages.append(Message(str(item.get("user") or ""), text, str(item["ts"])))
    return sorted(messages, key=lambda m: float(m.ts))


def buyer_words(text: str) -> str | None:
    """The buyer's own words in a deal-room message, if it quotes or reports them as resistance.

    Quoted words that say what doing nothing costs them ("Dana on doing nothing: “another year of…”") are the
    buyer's reason to move, not an objection: they count for the cost of inaction instead."""
    flat = plain(text)
    quoted = [m.group(1).strip() for m in _QUOTED.finditer(flat)
              if not _COST.search(flat[flat.rfind("\n", 0, m.start()) + 1 : m.start()])]  # its line's lead-in
    if quoted:
        return " ".join(quoted)
    for pattern in (_FORWARDED, _REPORTED):
        match = pattern.search(flat)
        if match and len(match.group("said").split()) >= 4:
            return match.group("said").strip()
    return None


def _snippet(text: str) -> str:
    text = " ".join(plain(text).split()).lstrip("> ")
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1].rsplit(" ", 1)[0] + "…"


def _units(text: str) -> list[str]:
    """The whole message and, when it has several, each of its sentences (a lead-in ending in a colon stays
    with what follows it: "what they want: faster closes")."""
    flat = plain(text).lstrip("> ")
    sentences: list[str] = []
    for part in (s.strip(" >-•*") for s in _SENTENCES.split(flat)):
        if sentences and sentences[-1].endswith(":"):
            sentences[-1] = f"{sentences[-1]} {part}"
        elif part:
            sentences.append(part)
    sentences = [s for s in sentences if len(s.split()) >= 3]
    return [flat] + (sentences if len(sentences) > 1 else [])


@dataclass
class Risk:
    kind: str
    evidence_ts: str
    evidence: str


@dataclass
class FoundObjection:
    text: str
    label: str
    ts: str
    confidence: float
    move: str


@dataclass
class Stakeholder:
    name: str
    role: str
    position: str  # supportive, opposed or unclear
    evidence_ts: str


@dataclass
class Evidence:
    ts: str
    text: str


@dataclass
class Summary:
    language: str
    message_count: int
    current_state: Evidence | None
    desired_state: Evidence | None
    cost_of_inaction: str  # understood, not_understood, mentioned or unknown
    cost_evidence: Evidence | None
    stakeholders: list[Stakeholder]
    objections: list[FoundObjection]
    risks: list[Risk]
    stalled: bool
    stalled_reason: str | None
    next_step: str
    next_step_reason: str
    source: str = "offline"  # offline, llm, or llm+offline when some chunks fell back

    def as_json(self, text: str) -> dict[str, Any]:
        """The public JSON shape (`coach summarize --json`); `text` is the summary as rendered (mrkdwn)."""
        return {
            "risks": [asdict(r) for r in self.risks],
            "objections": [{"text": o.text, "label": o.label, "ts": o.ts} for o in self.objections],
            "stakeholders": [asdict(s) for s in self.stakeholders],
            "stalled": self.stalled,
            "next_step": self.next_step,
            "text": text,
            "source": self.source,
        }


class Summarizer:
    def __init__(self, coach: Coach, stall_days: int = 14):
        self.coach = coach
        self.stall_days = stall_days

    @cached_property
    def stall_detector(self) -> Classifier:
        """Whether a sentence says the deal is stuck. Trained on our stall examples
        (`playbooks/examples/obstacles/stalls/`) against the sentences of the obstacle examples that show no
        stall cue: ordinary deal-room talk, so that "no", "nada" or "not yet" alone do not read as a stall."""
        shipped = data_dir("playbooks") / "examples" / "obstacles" / "stalls"
        team = self.coach.playbooks.obstacle_examples_dir / "stalls"
        stalls = read_example_dir(team if team.is_dir() else shipped, STALL_LABELS, "stall")
        talk = read_example_dir(self.coach.playbooks.obstacle_examples_dir, (NONE, *OBSTACLE_KINDS), "kind")
        moving = [Example(unit, "moving") for e in talk for unit in (_units(e.text)[1:] or _units(e.text))
                  if not _STALL.search(unit)]
        return cached_classifier([*stalls, *moving], self.coach.settings.cache_dir, STALL_LABELS, "stall model")

    @cached_property
    def obstacle_detector(self) -> Classifier:
        return load_classifier(
            self.coach.playbooks.obstacle_examples_dir,
            self.coach.settings.cache_dir,
            labels=(NONE, *OBSTACLE_KINDS),
            field="kind",
            what="obstacle model",
        )

    def summarize(self, messages: list[Message], now: datetime | None = None, offline: bool = False,
                  team_id: str | None = None) -> Summary:
        """Summarise a thread, oldest message first. `now` decides staleness (default: the last message);
        `team_id` is the workspace (the model's answers are cached per workspace)."""
        if not messages:
            raise ValueError("the thread has no messages")
        language = majority_language(plain(m.text) for m in messages)
        stakeholders = _stakeholders(messages)
        if offline or self.coach.llm is None:
            risks, objections, source = *self._read_offline(messages, language), "offline"
        else:
            risks, objections, stakeholders, source = self._read_with_llm(messages, language, stakeholders,
                                                                          team_id)
        current = _first_match(messages, _CURRENT)
        desired = _first_match(messages, _DESIRED, unless=_DEAL_MECHANICS)
        cost_state, cost_evidence = _cost_of_inaction(messages)
        stalled, stalled_reason = self._stalled(messages, now, language)
        next_step, reason = self._next_step(risks, objections, cost_state, stalled, language)
        return Summary(
            language=language,
            message_count=len(messages),
            current_state=current,
            desired_state=desired,
            cost_of_inaction=cost_state,
            cost_evidence=cost_evidence,
            stakeholders=stakeholders,
            objections=objections,
            risks=risks,
            stalled=stalled,
            stalled_reason=stalled_reason,
            next_step=next_step,
            next_step_reason=reason,
            source=source,
        )

    def _read_offline(self, messages: list[Message], language: str) -> tuple[list[Risk], list[FoundObjection]]:
        risks, quiet = self._risks(messages)
        return risks, self._objections([m for m in messages if m.ts in quiet], language)

    def chunk_prompts(self, messages: list[Message], team_id: str | None = None
                      ) -> list[tuple[list[Message], Prompt]]:
        """The thread cut into prompts that each fit the context budget (system + chunk + room to answer)."""
        system = templates().get_template("summarize_system.j2").render(obstacles=OBSTACLES, kinds=KINDS)
        template = templates().get_template("summarize_chunk.j2")
        room = self.coach.settings.llm_context_tokens - estimate_tokens(system) - MAX_OUTPUT_TOKENS - 50
        line_limit = max(200, room * 4 // 2)  # one message may take at most half a chunk
        chunks: list[list[tuple[Message, str]]] = [[]]
        used = 0
        for message in messages:
            text = as_prompt_data(" ".join(plain(message.text).split()))
            line = f"[{message.ts}] {message.user}: {text}"[:line_limit]
            cost = estimate_tokens(line) + 1
            if chunks[-1] and used + cost > room:
                chunks.append([])
                used = 0
            chunks[-1].append((message, line))
            used += cost
        return [
            ([m for m, _ in chunk],
             Prompt(system.strip(), template.render(part=i + 1, parts=len(chunks), lines=[ln for _, ln in chunk]),
                    team_id=team_id))
            for i, chunk in enumerate(chunks)
        ]

    def _read_with_llm(self, messages: list[Message], language: str, stakeholders: list[Stakeholder],
                       team_id: str | None = None) -> tuple[list[Risk], list[FoundObjection], list[Stakeholder], str]:
        assert self.coach.llm is not None
        risks: list[Risk] = []
        objections: list[FoundObjection] = []
        people = {s.name: s for s in stakeholders}
        fell_back = 0
        chunks = self.chunk_prompts(messages, team_id)
        for chunk, prompt in chunks:
            try:
                reading, _ = self.coach.llm.structured(prompt, ChunkReading, "thread_reading")
            except LLMFailure:
                fell_back += 1
                chunk_risks, chunk_objections = self._read_offline(chunk, language)
                risks += chunk_risks
                objections += chunk_objections
                continue
            by_ts = {m.ts: m for m in chunk}
            # keep only claims about this chunk's own messages, quoted from the messages themselves
            for r in reading.risks:
                if r.kind in OBSTACLE_KINDS and r.evidence_ts in by_ts:
                    risks.append(Risk(r.kind, r.evidence_ts, _snippet(by_ts[r.evidence_ts].text)))
            for o in reading.objections:
                if o.label in LABELS and o.ts in by_ts:
                    move = self.coach.playbooks[o.label].text("next_move", language)
                    objections.append(FoundObjection(_snippet(by_ts[o.ts].text), o.label, o.ts, 1.0, move))
            for s in reading.stakeholders:
                name = s.name.split()
                if s.evidence_ts in by_ts and name and name[0] in by_ts[s.evidence_ts].text:
                    position = s.position if s.position in ("supportive", "opposed", "unclear") else "unclear"
                    people[s.name] = Stakeholder(s.name, s.role, position, s.evidence_ts)
        unique = {(r.kind, r.evidence_ts): r for r in risks}
        source = "offline" if fell_back == len(chunks) else "llm+offline" if fell_back else "llm"
        return list(unique.values()), objections, list(people.values()), source

    def _risks(self, messages: list[Message]) -> tuple[list[Risk], set[str]]:
        """Obstacles per message, with the sentence that shows each; and the messages that show none."""
        units: list[tuple[int, str]] = [(i, u) for i, m in enumerate(messages) for u in _units(m.text)]
        diagnoses = self.obstacle_detector.diagnose_many([u for _, u in units])
        best: dict[tuple[int, str], tuple[float, str]] = {}
        for (index, unit), diagnosis in zip(units, diagnoses, strict=True):
            for kind in OBSTACLE_KINDS:
                p = diagnosis.scores[kind]
                if p >= OBSTACLE_THRESHOLD and p > best.get((index, kind), (0.0, ""))[0]:
                    best[(index, kind)] = (p, unit)
        risks = [Risk(kind, messages[i].ts, _snippet(unit)) for (i, kind), (_, unit) in sorted(best.items())]
        flagged = {i for i, _ in best}
        quiet = {m.ts for i, m in enumerate(messages) if i not in flagged}
        return risks, quiet

    def _objections(self, messages: list[Message], language: str) -> list[FoundObjection]:
        """Buyer objections among messages that quote or report what the buyer said."""
        reported = [(m, said) for m in messages if (said := buyer_words(m.text))]
        diagnoses = self.coach.classifier.diagnose_many([said for _, said in reported])
        found = []
        for (message, _), diagnosis in zip(reported, diagnoses, strict=True):
            if diagnosis.confidence >= OBJECTION_THRESHOLD:
                move = self.coach.playbooks[diagnosis.label].text("next_move", language)
                found.append(FoundObjection(_snippet(message.text), diagnosis.label, message.ts,
                                            diagnosis.confidence, move))
        return found

    def _stalled(self, messages: list[Message], now: datetime | None, language: str) -> tuple[bool, str | None]:
        """Stalled by the thread's own timeline or by what it says, measured at `now` (default: the last
        message). A stall said in words counts until the buyer's side moves again."""
        last = messages[-1]
        if now is not None and now - last.time > timedelta(days=self.stall_days):
            days = (now - last.time).days
            return True, t("summary.stall.no_activity", language, days=days)
        # back from the end to the buyer side's last move: the latest stall said since then, if any
        said: tuple[Message, str] | None = None
        replied = messages[0]
        for message in reversed(messages):
            statement = self._stall_statement(message)
            if statement:
                said = said or (message, statement)
            elif _CONTACT.search(plain(message.text)) or buyer_words(message.text):
                replied = message
                break
        quiet = ((now or last.time) - replied.time).days
        reasons = []
        if quiet >= self.stall_days and replied is not last:
            reasons.append(t("summary.stall.no_reply", language, days=quiet))
        if said:
            message, statement = said
            day = f"{message.time:%Y-%m-%d}"
            reasons.append(t("summary.stall.said", language, statement=statement, day=day))
        return bool(reasons), "; ".join(reasons) or None

    def _stall_statement(self, message: Message) -> str | None:
        """The sentence of a message that says the deal is stuck (a cue, or the detector sure of it), if any."""
        units = _units(message.text)[1:] or _units(message.text)
        for unit, diagnosis in zip(units, self.stall_detector.diagnose_many(units), strict=True):
            if _STALL.search(unit) or diagnosis.scores["stalled"] >= STALL_THRESHOLD:
                return _snippet(unit) if len(unit) <= STALL_QUOTE else unit[: STALL_QUOTE - 1] + "…"
        return None

    def _next_step(self, risks: list[Risk], objections: list[FoundObjection], cost_state: str, stalled: bool,
                   language: str) -> tuple[str, str]:
        playbooks = self.coach.playbooks
        kinds = {r.kind for r in risks}
        for kind in OBSTACLE_PRIORITY:
            if kind in kinds:
                return playbooks.obstacles[kind].text("next_move", language), kind
        if cost_state in ("not_understood", "unknown") and (stalled or not objections):
            # nothing resists openly, yet nothing moves: the status quo looks free to them
            return playbooks.obstacles["misalignment"].text("next_move", language), "cost_of_inaction"
        if objections:
            latest = objections[-1]
            return latest.move, latest.label
        if stalled:  # silence, as in the weekly nudge: show what waiting costs them
            return playbooks.obstacles["uncertainty"].text("next_move", language), "stalled"
        return playbooks.obstacles["misalignment"].text("next_move", language), "cost_of_inaction"


def _first_match(messages: list[Message], pattern: re.Pattern[str],
                 unless: re.Pattern[str] | None = None) -> Evidence | None:
    for message in messages:
        units = _units(message.text)
        for unit in units[1:] or units:  # the sentence that says it, when the message has several
            if unless is not None and unless.search(unit):
                continue
            if pattern.search(unit) and not unit.rstrip().endswith("?"):  # a question states nothing
                return Evidence(message.ts, _snippet(unit))
    return None


def _cost_of_inaction(messages: list[Message]) -> tuple[str, Evidence | None]:
    """Whether the buyer sees what staying put costs them: the latest word on it wins, but once understood it
    stays understood unless someone reports they do not see it."""
    state, evidence = "unknown", None
    for message in messages:
        text = plain(message.text)
        units = _units(message.text)
        if _COST_MISSED.search(text):
            said = next((u for u in units[1:] if _COST_MISSED.search(u)), text)
            state, evidence = "not_understood", Evidence(message.ts, _snippet(said))
        elif _COST.search(text):
            said = next((u for u in units[1:] if _COST.search(u)), text)
            # the buyer putting the cost in their own (quoted) words has seen it
            seen = bool(_COST_SEEN.search(text) or _QUOTED.search(said))
            if seen or state != "understood":
                state, evidence = ("understood" if seen else "mentioned"), Evidence(message.ts, _snippet(said))
    return state, evidence


def _stakeholders(messages: list[Message]) -> list[Stakeholder]:
    found: dict[str, Stakeholder] = {}
    for message in messages:
        text = plain(message.text)
        for pattern in _STAKEHOLDER_PATTERNS:
            for match in pattern.finditer(text):
                name = match.group("name").strip()
                if name.split()[0] in _NOT_NAMES:
                    continue
                role = " ".join(match.group("role").split())
                if not _ROLE_WORD.search(role):
                    continue
                # "Dana" after "Dana Okafor" is the same person
                name = next((full for full in found if full.split()[0] == name.split()[0]), name)
                known = found.get(name)
                found[name] = Stakeholder(name, known.role if known else role, known.position if known else "unclear",
                                          known.evidence_ts if known else message.ts)
        for name, person in found.items():
            first = name.split()[0]
            if first in text:
                sentence = next((s for s in _SENTENCES.split(text) if first in s), text)
                if _OPPOSED.search(sentence):
                    found[name] = Stakeholder(name, person.role, "opposed", message.ts)
                elif _SUPPORTIVE.search(sentence):
                    found[name] = Stakeholder(name, person.role, "supportive", message.ts)
    return list(found.values())
