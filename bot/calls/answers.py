"""How the seller answered an objection in a call or a thread: which words are the answer, and how the practice
scorecard reads them there.

The practice scorer (bot/services/score.py) judges a written reply to one objection. A conversation differs in three
ways, each handled here rather than in the scorer, which practice keeps using as it is:

- Which words. The answer is what the seller's side said after the objection, before the buyer spoke again; but
  a good answer often asks first ("What went wrong with that app?"), hears the buyer out and only then clarifies
  and offers proof. So when the seller's reply ends on a question and the buyer's next turn only answers it (no
  objection of its own), the seller's next turns are part of the answer, for up to FOLLOW_UPS such exchanges.
  And one email (or one long turn) often answers several objections under labels ("On the seasonal doors: …",
  "Sobre la VPN: …"): each objection is scored on the section about it, without its label.
- Align. In a practice reply, aligning is tying the answer back to the buyer's words. In a conversation the answer
  sits right after those words, so saying that the concern is heard ("That's the right thing to worry about",
  "Buena pregunta", "Lo entiendo") acknowledges it as much; unless a "but" takes it back in the same breath ("I
  hear you, but if we don't sign by Friday…"). Without that, the answer aligns only when it goes back to what the
  buyer said ("since you mentioned…"): repeating the buyer's words while answering ("No, the system is fully in
  Spanish…") clarifies, it does not acknowledge.
- Jargon. An answer dense with acronyms and product terms ("we purge after the retention TTL… Parquet files to an
  S3 bucket… JSONL") does not make the picture clear for a buyer, whatever it says: it earns no clarify, and it
  is the thing to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.calls.finding import sentences
from bot.calls.formats import Turn
from bot.calls.sides import BUYER, OURS
from bot.content.i18n import t
from bot.core.text import clean
from bot.llm.answers import LLMScore
from bot.services.score import Scorer, Verdict, merge_llm, triage

# What a review shows of a seller's answer: enough to read the move in context.
ANSWER_CHARS = 600
# How many times the seller may ask, hear the buyer out and go on answering, and still be answering the objection.
FOLLOW_UPS = 2


@dataclass
class SellerAnswer:
    """What the seller's side said after the objection, before the buyer spoke again, and how it scored."""

    speakers: list[str]
    where: str
    text: str
    score: float | None  # None when the words could not be scored (see `hint`)
    checks: dict[str, bool | None] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)  # check -> the seller's words that earned (or broke) it
    improve: str = ""  # the one change that would help most
    well: str | None = None
    handled: bool = False  # aligned and clarified: the kind of resistance was met
    hint: str | None = None  # why the answer was not scored ("no_words", "objection", ...)

    def tally(self) -> tuple[int, int]:
        """(checks passed, checks that applied to this answer)."""
        return (sum(1 for value in self.checks.values() if value),
                sum(1 for value in self.checks.values() if value is not None))

    def marks(self) -> list[tuple[str, str, str | None]]:
        """("✓" or "✗", the check, the seller's words that earned or broke it) for each check that applied."""
        return [("✓" if value else "✗", check, self.evidence.get(check))
                for check, value in self.checks.items() if value is not None]


def reply_turns(turns: list[Turn], side: list[str | None], index: int, objections: set[int]) -> list[Turn]:
    """The seller's turns that answer the objection in turn `index`: those right after it, and those after each
    buyer turn that only answers a question the seller asked (not a turn in `objections`)."""
    reply: list[Turn] = []
    later = index + 1
    for _ in range(FOLLOW_UPS + 1):
        start = len(reply)
        while later < len(turns) and side[later] == OURS:
            reply.append(turns[later])
            later += 1
        asked = len(reply) > start and "?" in " ".join(sentences(reply[-1].text)[-2:])
        if not asked or later >= len(turns) or side[later] != BUYER or later in objections:
            break
        if turns[later].email is not None:
            break  # a thread's next message is written on purpose: the answer is the one reply
        later += 1  # the buyer's answer to the seller's question; the seller goes on
    return reply


# A label that opens the part of a reply about one point: "On the seasonal doors:", "Sobre la VPN:", "Second,".
_SECTION = re.compile(
    r"^(?:(?:on|about|regarding|re|as for|as to|concerning|sobre|en cuanto a|respecto a|con respecto a|acerca de|"
    r"lo de|y lo de|en lo de)\b[^.:?!]{1,60}:|(?:first|second|third|finally|lastly|primero|segundo|tercero|"
    r"por [uú]ltimo)\b\s*[,:])\s*", re.I)
_WORD = re.compile(r"\w+")


def _stems(text: str) -> set[str]:
    return {w[:5] for w in _WORD.findall(text.lower()) if len(w) > 3}


def section_for(text: str, objection: str) -> str:
    """The part of a reply that answers this objection, when the reply answers points under labels; else the
    whole reply. The label itself is left out: "On the pilot cost:" says which point, not how it is answered.
    What comes before the first label (thanks, "attached") is a part too, chosen only when it is the closest."""
    parts = sentences(text)
    starts = [i for i, sentence in enumerate(parts) if _SECTION.match(sentence)]
    if not starts:
        return text
    bounds = list(zip([0, *starts], [*starts, len(parts)], strict=True))
    bounds = [(first, last) for first, last in bounds if last > first]
    wanted = _stems(objection)

    def closeness(bound: tuple[int, int]) -> float:
        said = " ".join(parts[bound[0] : bound[1]])
        label = _SECTION.match(said)
        named = len(_stems(label.group(0)) & wanted) if label else 0
        body = _stems(said[label.end() :] if label else said)
        # the label names the point: its words weigh most; the body's shared words, against its length
        return 3 * named + len(body & wanted) / max(1.0, len(body)) ** 0.5 + (0.01 if label else 0)

    first, last = max(bounds, key=closeness)
    said = " ".join(parts[first:last])
    return _SECTION.sub("", said, count=1).strip() or said


# Saying the concern is heard, at the start of the answer.
_ACKNOWLEDGES = re.compile(
    r"\b(?:i (?:totally |completely |fully )?(?:understand|hear you|hear that|get (?:it|that|why|where|the))|"
    r"(?:that'?s|it'?s|that is|it is|what) (?:a |an |the )?(?:really |very |completely |totally |entirely |"
    r"super )?(?:fair|good|great|reasonable|valid|real|important|common|smart|understandable|legitimate|"
    r"helpful|useful|right thing)\b|(?:fair|good|great|excellent) (?:question|point|catch|concern)|good to know|"
    r"(?:thanks|thank you) for (?:flagging|raising|telling|asking|sharing|bringing|the question|being)|"
    r"makes (?:total |complete |a lot of )?sense|(?:i'?m|so) sorry (?:that|to hear|about)|glad you (?:asked|raised|"
    r"brought)|i can see why|understandable|totally fair|(?:you'?re|you are) (?:right|not wrong)|understood|"
    r"(?:lo |te |le |os )?entiendo|comprendo|(?:buena|excelente|gran) pregunta|(?:es|me parece) (?:totalmente |muy |"
    r"perfectamente )?(?:l[oó]gico|razonable|normal|comprensible|justo)|tiene(?:s|n)? (?:toda la )?raz[oó]n|"
    r"(?:una )?preocupaci[oó]n (?:muy )?(?:razonable|l[oó]gica|normal)|gracias por (?:contarlo|cont[aá]rmelo|"
    r"decirlo|comentarlo|preguntar|la pregunta|avisar|plantearlo)|qu[eé] bien que|claro|por supuesto|lo siento)\b",
    re.I)
# A "but" right after the acknowledgement takes it back: "I hear you, but…", "Lo entiendo, pero…".
_TAKEN_BACK = re.compile(r"^[^.?!]{0,25}\b(?:but|however|pero|sin embargo)\b", re.I)
# Going back to what the buyer said before: "you mentioned", "since you're", "como me comentó".
_TIES_BACK = re.compile(
    r"\byou(?:'ve| have)? (?:said|told|mentioned|described|shared|explained|wrote|flagged|raised)\b|"
    r"\b(?:since|given|as) (?:that )?you(?:'re|'ve| are| have)\b|\byour (?:goal|priority|target|concern|worry)\b|"
    r"\bme (?:dijo|coment[oó]|mencion[oó]|cont[oó]|explic[oó]|dijiste|comentaste|contaste|dijisteis|comentasteis)\b|"
    r"\b(?:como|ya que|dado que) (?:usted|ustedes|t[uú]|vos|vosotros)\b|\b(?:su|tu|vuestra) (?:meta|prioridad|"
    r"objetivo|preocupaci[oó]n)\b", re.I)
# How much of the opening an acknowledgement may come after ("No, and I can see why…" still acknowledges).
OPENING_CHARS = 120
# Product terms a buyer does not use: acronyms and words with capitals inside (TTL, S3, iPaaS, IDocs, OData).
_TERM = re.compile(r"\b(?:[A-Z]{2,}[0-9]*s?|[a-z]+[A-Z][A-Za-z]*|[A-Z][a-z]+[A-Z][A-Za-z]*|[A-Z][0-9]+)\b")
# Common acronyms a buyer says themselves: no jargon.
_PLAIN_TERMS = frozenset("""CEO CFO COO CIO CTO VP IT HR PO ROI KPI USA US UK EU UE SMS PDF CSV PC TV OK AM PM
API SSO SLA ERP CRM WMS TMS GDPR RGPD FAQ QR ID ETA ASAP IT's""".split())
JARGON_TERMS = 3  # distinct such terms in one sentence make it jargon


def jargon(text: str) -> str | None:
    """The first sentence dense with terms a buyer does not use, if any."""
    for sentence in sentences(text):
        terms = {term for term in _TERM.findall(sentence) if term.rstrip("s") not in _PLAIN_TERMS
                 and term not in _PLAIN_TERMS}
        if len(terms) >= JARGON_TERMS:
            return sentence
    return None


def spoken(verdict: Verdict, reply: str) -> tuple[Verdict, str | None]:
    """The scorer's verdict read as a conversation would (see the module's docstring); and the jargon sentence,
    when that is the pitfall."""
    checks, evidence = dict(verdict.checks), dict(verdict.evidence)
    opening = reply.lstrip()[:OPENING_CHARS]
    ack = _ACKNOWLEDGES.search(opening)
    if checks.get("align") is not None:
        if ack and not _TAKEN_BACK.match(opening[ack.end() :]):
            checks["align"] = True
            evidence["align"] = next((s for s in sentences(reply) if ack.group(0) in s), ack.group(0))
        elif not _TIES_BACK.search(evidence.get("align", "")):
            checks["align"] = False  # the buyer's words repeated in the answer: clarifying, not acknowledging
            evidence.pop("align", None)
    heavy = jargon(reply)
    if heavy is not None:
        earned = evidence.get("clarify", heavy)
        if checks.get("clarify") and (earned in heavy or heavy in earned):
            checks["clarify"] = False
            evidence.pop("clarify", None)
        if checks.get("no_pitfalls") is not False:
            checks["no_pitfalls"], evidence["no_pitfalls"] = False, heavy
            return Verdict(checks, evidence), heavy
    return Verdict(checks, evidence), None


def score_answer(scorer: Scorer, reply: list[Turn], objection: str, kind: str, ambiguous: bool, lang: str, *,
                 model: LLMScore | None = None, saw_all: bool = False) -> SellerAnswer:
    """The seller's answer scored on the practice scorecard, read as a conversation: offline, or with the model's
    verdict where its quotes are the seller's words (`saw_all`: the model read the whole answer, so a check it
    failed counts as failed; otherwise only the checks it passed with a verified quote are taken)."""
    text = " ".join(turn.text for turn in reply)
    text = section_for(text, objection)
    shown = text if len(text) <= ANSWER_CHARS else text[:ANSWER_CHARS].rsplit(" ", 1)[0] + "…"
    speakers = list(dict.fromkeys(turn.speaker for turn in reply))
    where = reply[0].where()
    cleaned, _cut = clean(text)
    reason = triage(cleaned, objection)
    if reason is not None:
        return SellerAnswer(speakers, where, shown, None, hint=reason)
    verdict, heavy = spoken(scorer.offline_verdict(cleaned, kind, ambiguous, objection), cleaned)
    source = "offline"
    if model is not None:
        merged = merge_llm(model, cleaned, verdict)
        if not saw_all:
            merged = _found_only(merged, verdict)
        verdict, source = merged, "llm"
        heavy = heavy if verdict.checks.get("no_pitfalls") is False and verdict.evidence.get("no_pitfalls") == heavy \
            else None
    card = scorer.card(objection, kind, lang, verdict, source, [])
    improve = t("call.fix.jargon", lang, quote=heavy) if heavy else card.improve
    return SellerAnswer(speakers, where, shown, card.score, dict(card.checks), dict(card.evidence), improve,
                        card.well, card.handled)


def _found_only(merged: Verdict, offline: Verdict) -> Verdict:
    """What the model found in an answer it saw only part of: a move it quoted, a pitfall it quoted. What it did
    not find may be in the part it did not see, so there the offline verdict stands."""
    checks, evidence = dict(offline.checks), dict(offline.evidence)
    for check, value in merged.checks.items():
        found = value is True if check != "no_pitfalls" else value is False
        if found and check in merged.evidence and offline.checks.get(check) is not None:
            checks[check], evidence[check] = value, merged.evidence[check]
    return Verdict(checks, evidence)

