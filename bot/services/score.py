"""Score a seller's answer to a buyer's objection on a yes/no scorecard, each check with the words that earned it.

Offline, the sentence-level model of reply moves (bot/models/moves.py) gives each check and the sentence that
earned it. Pitfalls are caught both by explicit patterns (deadlines, expiring offers, guarantees, a price cut to
buy a yes, arguing or blaming, in English and Spanish) and by the model. With a language model, one structured
call scores the reply; a "yes" counts only if its quoted words are in the reply, and any failure scores offline
instead.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.content.i18n import t
from bot.content.templates import as_prompt_data, templates
from bot.core.language import answer_language
from bot.core.taxonomy import check_label
from bot.core.text import MAX_CHARS, clean
from bot.models.moves import CHECKS, MOVES, PROOF_KINDS, MoveModel, eligible, load_move_model, replies_dir, sentences

# The pitfall model flags a sentence only above this, whatever its tuned threshold: the patterns catch the
# clear cases, and a false alarm on a clean answer teaches the wrong lesson.
PITFALL_FLOOR = 0.6
_CPU_BOUND = threading.Lock()  # pure CPU under the GIL; see bot/services/coach.py

if TYPE_CHECKING:
    from bot.llm.answers import LLMScore
    from bot.services.coach import Coach

# --- pitfalls by pattern -------------------------------------------------------------------------------------

# "I can't guarantee…", "no le voy a prometer…": the honest answer, not the pitfall
_NEGATED = re.compile(r"(can['’]?t|cannot|won['’]?t|don['’]?t|wouldn['’]?t|never|not going to|nobody can|no one can|"
                      r"no (le |te |les |se )?(puedo|podemos|puede|voy a|vamos a|quiero)|nadie puede)\s+(\w+\s+){0,2}$",
                      re.I)
_DAY = (r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|the end of|end of|month[- ]end|"
        r"quarter[- ]end|year[- ]end|q[1-4])")
_DIA = r"(lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|ma[ñn]ana|fin de mes|cierre de mes|fin de a[ñn]o)"
PITFALL_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pressure", re.compile(
        r"\b(sign|signed|commit|decide|order|close|yes|answer|decision|signature)\w*\b[^.?!]{0,40}\b(by|before|until|"
        r"today|tonight|this (week|month|quarter))\b[^.?!]{0,12}\b" + _DAY + r"?|"
        r"\b(offer|deal|price|pricing|prices|discount|promotion|promo|rate|slots?|spots?)\b[^.?!]{0,40}\b(ends?|expires?|"
        r"expiring|runs out|goes away|disappears?|changes?|goes up|go up|increases?|only (valid|good|available)|"
        r"until|through|left)\b|"
        r"\bhold (this|the|that) (price|rate|discount|offer)|\b(lose|miss|forfeit) (the|this|our|that) \d+ ?%|"
        r"\b(limited[- ]time|last chance|act (now|fast)|only this (week|month)|before (it'?s|the offer is) gone|"
        r"before (the )?prices? (rise|increase|go up|change)|won'?t last|only \w+ (spots|slots|seats) left)\b|"
        r"\b(firm\w*|decid\w*|cierr\w*|comprom\w*|agend\w*|confirm\w*)\b[^.?!]{0,40}\b(antes del?|hoy|esta semana|"
        r"este mes|a m[áa]s tardar|hasta el)\b|"
        r"\b(oferta|precio|descuento|promo|promoci[óo]n|tarifa|cupos?)\b[^.?!]{0,40}\b(vence|termina|expira|caduca|"
        r"se acaba|sube|cambia|solo (es |vale|para)|s[óo]lo (es |vale|para)|hasta el|quedan)\w*|"
        r"\b(se acaba|termina|vence)\b[^.?!]{0,20}\b" + _DIA + r"|"
        r"\b(el|este) " + _DIA + r" se (acaba|termina|vence)|"
        r"(tiempo limitado|[úu]ltima oportunidad|solo (por )?(hoy|esta semana|este mes)|el precio (sube|va a subir)|"
        r"antes de que (suba|se acabe|termine)|quedan pocos (cupos|lugares))", re.I)),
    ("guarantee", re.compile(
        r"\b(guarantee[sd]?|guaranteeing|i promise|we promise|can promise|promise (you|that)|100 ?%|zero risk|"
        r"no risk at all|risk[- ]free|unhackable|bulletproof|(will|you'?ll) (definitely|certainly|absolutely) "
        r"(see|get|save|hit)|will hit \d+|without (a|any) doubt you|never (fails?|goes down|deal with)|"
        r"can'?t (go wrong|fail)|garantiz\w*|garant[íi]a (total|de resultados)|le prometo|te prometo|les prometo|"
        r"prometemos|puedo prometer|sin (ning[úu]n )?riesgo|riesgo cero|imposible de hackear|infalible|"
        r"seguro que (va|van|vas) a (ver|ahorrar|lograr|conseguir)|sin ninguna duda (va|van)|nunca falla)\b", re.I)),
    ("price_cut", re.compile(
        r"\b(discount|\d+ ?% off|knock\w* [^.?!]{0,20} off|cut (the|our) price|lower (the|our) price|drop the price|"
        r"throw in|for free|free (month|months|licen[cs]es?|seats?))\b[^.?!]{0,50}\b(if|when|as long as|provided|"
        r"so (it|that)|but)\b[^.?!]{0,40}\b(sign|commit|close|say yes|yes|go ahead|move forward|fits)|"
        r"\bif (you|we) (sign|commit|close)\w*\b[^.?!]{0,50}\b(discount|% off|off the price|cheaper|free|"
        r"lower the price|knock)|\bcut the price by \d+|"
        r"\b(descuento|rebaja|gratis|bajar?(le)? el precio|le bajo|te bajo)\b[^.?!]{0,50}\b(si|cuando|siempre que)\b"
        r"[^.?!]{0,30}\b(firm|cierr|comprom|confirm|dice que s[íi])\w*|"
        r"\bsi (firma|firman|firmas|cierra|cierran|se compromete)\w*\b[^.?!]{0,50}\b(descuento|rebaja|gratis|"
        r"m[áa]s barato|bajo el precio|le respeto el precio)", re.I)),
    ("arguing", re.compile(
        r"\b(you'?re (simply |just )?wrong|that'?s (just |simply )?(not true|not correct|wrong|false|nonsense|a myth)|"
        r"you (clearly |obviously )?(don'?t|didn'?t) (understand|get it|listen)|you'?re overthinking|"
        r"you weren'?t (listening|paying attention)|you must be (thinking|confusing)|no offense|"
        r"as i (already )?(said|told you|showed|explained)|i already (told|showed|explained)|with all due respect|"
        r"(it'?s|that'?s) (your|their) (fault|problem)|your (team|people|managers) (failed|messed|didn'?t)|"
        r"if you'?d (read|listened|looked|scrolled|paid)|you'?d know that if|if you had (read|listened|looked)|"
        r"that'?s a (ridiculous|paranoid|pretty paranoid|silly)|(pretty |very )?outdated view|nobody serious|"
        r"(a |that'?s a )?(process|management|people) (problem|issue) on your|on your side, not|"
        r"you'?d (honestly )?be crazy|you'?re going to regret|mistake on your part|you'?re comparing it to the wrong|"
        r"where did you even get that|whoever told you that|didn'?t follow the|not fair to me|"
        r"est[áa] (usted )?equivocad[oa]|est[áa]s equivocad[oa]|eso no es (cierto|verdad|as[íi]|justo)|es falso|"
        r"es un mito|nadie serio|no tiene ni idea|se est[áa] confundiendo|si hubieras? (le[íi]do|escuchado|mirado)|"
        r"no te cierres|no se cierre|tema de organizaci[óo]n de ustedes|lo est[áa] comparando con|"
        r"se va a quedar atr[áa]s|lo que se les dice|si le[ée](is|n|s)? bien el manual|"
        r"no (me )?(entendi[óo]|entiende|escuch[óo]|prest[óo] atenci[óo]n)|"
        r"como ya (le |te )?(dije|mostr[ée]|expliqu[ée])|"
        r"ya (se |te )?lo (dije|mostr[ée]|expliqu[ée])|es (su|tu) culpa|(su|tu) equipo (fall[óo]|no supo)|"
        r"con todo respeto)", re.I)),
)


def pattern_pitfalls(text: str) -> list[tuple[str, str]]:
    """(pitfall, the offending words) for each pitfall pattern found; a negated guarantee is not one."""
    found = []
    for name, pattern in PITFALL_PATTERNS:
        for match in pattern.finditer(text):
            if name == "guarantee" and _NEGATED.search(text[max(0, match.start() - 40) : match.start()]):
                continue  # "I can't guarantee..." is the honest answer, not the pitfall
            found.append((name, match.group(0)))
            break
    return found


# --- what the seller gets back --------------------------------------------------------------------------------

@dataclass
class Scorecard:
    kind: str
    language: str
    checks: dict[str, bool | None]
    evidence: dict[str, str]
    score: float
    well: str | None
    improve: str
    model_answer: str
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for v in self.checks.values() if v)

    @property
    def applicable(self) -> int:
        return sum(1 for v in self.checks.values() if v is not None)

    @property
    def handled(self) -> bool:
        """The kind was met: the answer tied back to the buyer and made the picture concrete."""
        return bool(self.checks["align"] and self.checks["clarify"])

    def as_json(self) -> dict[str, Any]:
        """The public shape (`coach score --json`)."""
        return {"kind": self.kind, "checks": dict(self.checks), "evidence": dict(self.evidence),
                "score": self.score, "improve": self.improve, "model_answer": self.model_answer}


@dataclass
class Hint:
    """Not an answer to score (a question to the coach, the buyer's own words, nothing at all): what to do."""

    reason: str  # "empty" | "no_words" | "question" | "objection"
    language: str
    text: str


# A question to the coach rather than an answer to the buyer: "what should I say?", "¿qué le digo?"
_COACH_QUESTION = re.compile(
    r"^\s*[¿¡]?\s*(what (should|do|would|can) i (say|answer|reply|tell|do|write)|how (should|do|would|can) i "
    r"(answer|respond|reply|handle|say|deal with|approach)|what('?s| is) (a|the) (good|best|right) "
    r"(answer|reply|response)|(give me|any|a) (hint|tips?|ideas?|help)\b|hint\b|help me\b|help\W*$|"
    r"i('?m| am) (stuck|not sure what to say)|no idea what to say|"
    r"qu[ée] (le |te )?(digo|respondo|contesto|hago|escribo)|c[óo]mo (le |te )?(respondo|contesto|manejo|digo|"
    r"abordo)|(dame|alguna|una) (pista|ayuda|idea|sugerencia)\b|(pista|ayuda)\W*$|ay[úu]dame|"
    r"no s[ée] qu[ée] (decir|responder))",
    re.I,
)
_TOKEN = re.compile(r"\w+", re.U)
_LETTER = re.compile(r"[^\W\d_]")
_EMOJI_CODE = re.compile(r":[a-z0-9_+'-]+:", re.I)


def _words(text: str) -> set[str]:
    return {w for w in _TOKEN.findall(text.lower()) if len(w) > 2}


def triage(reply: str, objection: str) -> str | None:
    """Why this reply cannot be scored ("empty", "no_words", "question", "objection"), or None to score it."""
    reply = _EMOJI_CODE.sub("", reply)  # Slack sends emoji as :name:
    if not reply.strip():
        return "empty"
    if not _LETTER.search(reply):
        return "no_words"  # an emoji, punctuation, a number
    if _COACH_QUESTION.search(reply):
        return "question"
    mine, theirs = _words(reply), _words(objection)
    if mine and theirs and len(mine & theirs) / len(mine | theirs) >= 0.6:
        return "objection"  # the buyer's words pasted back
    return None


def check_applies(check: str, kind: str, ambiguous: bool, needs_proof: frozenset[str] = PROOF_KINDS) -> bool:
    if check == "asks":
        return ambiguous
    if check == "assure":
        return kind in needs_proof
    return True


@dataclass(frozen=True)
class Verdict:
    """The checks and their evidence, before the feedback is written."""

    checks: dict[str, bool | None]
    evidence: dict[str, str]


class Scorer:
    """Scores replies for a coach (its playbooks, settings, store and model); loads the move model on first use."""

    def __init__(self, coach: Coach, folder: Path | None = None):
        self.coach = coach
        self._folder = folder

    @cached_property
    def model(self) -> MoveModel:
        folder = self._folder or replies_dir(self.coach.settings.playbooks_dir)
        return load_move_model(folder, self.coach.settings.cache_dir)

    def hint(self, reason: str, kind: str, lang: str) -> Hint:
        if reason == "question":
            return Hint(reason, lang, t("practice.hint.question", lang,
                                        move=self.coach.playbooks[kind].text("next_move", lang)))
        return Hint(reason, lang, t(f"practice.hint.{reason}", lang))

    def assess(self, objection: str, raw_reply: str, kind: str | None = None, *, ambiguous: bool | None = None,
               lang: str | None = None, wants: str | None = None, offline: bool = False,
               team_id: str | None = None, topic: str | None = None) -> Scorecard | Hint:
        """Score a reply to the objection, or say why it cannot be scored. `kind` and `ambiguous` come from the
        scenario; without them the objection is diagnosed (and counts as ambiguous when the coach would ask first).
        `lang` is the language to answer in (the buyer's); `wants` the buyer's goal, for the feedback; `team_id`
        the workspace (the model's answers are cached per workspace); `topic` the scenario's own topic, which the
        model answer may answer with the team's fact filed under it."""
        reply, truncated = clean(raw_reply)
        lang = lang or answer_language(objection)
        if kind is None or ambiguous is None:
            diagnosis = self.coach.diagnose(objection)
            kind = kind or diagnosis.label
            ambiguous = diagnosis.asks_first if ambiguous is None else ambiguous
        check_label(kind)
        reason = triage(reply, objection)
        if reason is not None:
            return self.hint(reason, kind, lang)
        offline_verdict = self.offline_verdict(reply, kind, ambiguous, objection)
        verdict, source, notes = offline_verdict, "offline", []
        llm = None if offline else self.coach.llm
        if llm is not None:
            from bot.llm.client import LLMFailure

            try:
                prompt = replace(self.prompt(objection, reply, kind, ambiguous, lang), team_id=team_id)
                answer, _cached = llm.score_reply(prompt)
                verdict, source = merge_llm(answer, reply, offline_verdict), "llm"
            except LLMFailure:
                notes.append(t("practice.note.fallback", lang))
        notes.insert(0, t("practice.note.llm", lang, model=llm.model) if source == "llm" and llm
                     else t("practice.note.offline", lang))
        if answer_language(reply) != lang and len(_words(reply)) >= 3:
            notes.append(t("practice.note.language", lang))
        if truncated:
            notes.append(t("practice.note.truncated", lang, limit=MAX_CHARS))
        return self.card(objection, kind, lang, verdict, source, notes, wants, topic)

    def offline_verdict(self, reply: str, kind: str, ambiguous: bool, objection: str = "") -> Verdict:
        spans = sentences(reply)
        with _CPU_BOUND:
            probabilities = self.model.probabilities([s.text for s in spans], objection)
        checks: dict[str, bool | None] = {}
        evidence: dict[str, str] = {}
        found = pattern_pitfalls(reply)
        pitfall_rows = {i for i, span in enumerate(spans) if pattern_pitfalls(span.text)}
        if "pitfall" in probabilities:
            pitfall_rows |= {i for i, p in enumerate(probabilities["pitfall"])
                             if p >= max(PITFALL_FLOOR, self.model.thresholds.get("pitfall", 0.5))}
        for move in MOVES:
            if not check_applies(move, kind, ambiguous, self.model.proof_kinds):
                checks[move] = None
                continue
            p = probabilities.get(move)
            if p is None:
                checks[move] = False
                continue
            # a sentence that over-assures or pressures earns no assure; any other move may still come from it
            # a sentence that pressures or over-assures is no proof; the other checks are scored on their own
            candidates = [i for i, span in enumerate(spans)
                          if eligible(move, span.text) and (move != "assure" or i not in pitfall_rows)]
            best = max(candidates, key=lambda i: p[i], default=None)
            passed = bool(best is not None and p[best] >= self.model.thresholds.get(move, 0.5))
            checks[move] = passed
            if passed and best is not None:
                evidence[move] = spans[best].text
        if found:
            words_found = found[0][1]
            sentence = next((span.text for span in spans if words_found in span.text), words_found)
            checks["no_pitfalls"], evidence["no_pitfalls"] = False, sentence
        elif pitfall_rows:
            row = max(pitfall_rows, key=lambda i: probabilities["pitfall"][i] if "pitfall" in probabilities else 0)
            checks["no_pitfalls"], evidence["no_pitfalls"] = False, spans[row].text
        else:
            checks["no_pitfalls"] = True
        if checks["align"] and any(name == "arguing" for name, _ in found):
            # aligning means acknowledging first; arguing with or blaming the buyer undoes it
            checks["align"] = False
            evidence.pop("align", None)
        return Verdict(checks, evidence)

    def prompt(self, objection: str, reply: str, kind: str, ambiguous: bool, lang: str) -> Any:
        from bot.llm.client import Prompt

        jinja = templates()
        playbook = self.coach.playbooks[kind]
        system = jinja.get_template("practice_score_system.j2").render()
        user = jinja.get_template("practice_score_user.j2").render(
            playbook=playbook, language=lang, ambiguous=ambiguous, needs_proof=kind in self.model.proof_kinds,
            objection=as_prompt_data(objection), reply=as_prompt_data(reply))
        return Prompt(system=system.strip(), user=user.strip())

    def card(self, objection: str, kind: str, lang: str, verdict: Verdict, source: str, notes: list[str],
             wants: str | None = None, topic: str | None = None) -> Scorecard:
        from bot.core.guidance import Objection
        from bot.models.classify import Diagnosis

        checks, evidence = verdict.checks, verdict.evidence
        applicable = [c for c in CHECKS if checks[c] is not None]
        score = round(sum(1 for c in applicable if checks[c]) / len(applicable), 2) if applicable else 0.0
        playbook = self.coach.playbooks[kind]
        well_check = next((c for c in CHECKS if checks[c] and c in evidence), None)
        if well_check is None and checks["no_pitfalls"]:
            well_check = "no_pitfalls"
        well = None
        if well_check:
            quote = evidence.get(well_check)
            done = t(f"practice.passed.{well_check}", lang)
            well = f"{done}: “{quote}”" if quote and well_check != "no_pitfalls" else f"{done}."
        improve = self._improve(checks, evidence, playbook, lang, wants)
        # the coaching's own talk track for this objection: kind and topic, facts only from the team profile
        guidance = self.coach.offline_guidance(Objection.parse(objection), Diagnosis(kind, 1.0, {kind: 1.0}), None,
                                               known_topic=topic)
        model_answer = guidance.talk_track
        return Scorecard(kind=kind, language=lang, checks=checks, evidence=evidence, score=score, well=well,
                         improve=improve, model_answer=model_answer, source=source, notes=notes)

    @staticmethod
    def _improve(checks: dict[str, bool | None], evidence: dict[str, str], playbook: Any, lang: str,
                 wants: str | None) -> str:
        """The one change that would help most: drop a pitfall first, then the first missing move."""
        if checks["no_pitfalls"] is False:
            return t("practice.fix.pitfall", lang, quote=evidence.get("no_pitfalls", ""))
        if checks["align"] is False:
            return t("practice.fix.align", lang, wants=f" ({wants})" if wants else "")
        if checks["asks"] is False:
            return t("practice.fix.asks", lang, question=playbook.lines("questions", lang)[0])
        if checks["clarify"] is False:
            return t("practice.fix.clarify", lang, move=playbook.lines("clarify", lang)[0])
        if checks["assure"] is False:
            return t("practice.fix.assure", lang, move=playbook.lines("assure", lang)[0])
        return t("practice.fix.none", lang)


def _verified(quote: str, reply: str) -> str | None:
    """The quote as it stands in the reply, or None when the model quoted words the seller did not write."""
    quote = quote.strip().strip("\"“”«»'").strip()
    if len(quote) >= 3 and quote in reply:
        return quote
    return None


def merge_llm(answer: LLMScore, reply: str, offline: Verdict) -> Verdict:
    """The model's checks where its quote is verified. A "yes" whose words are not in the reply is not taken:
    that check keeps the offline verdict. Offline pitfall patterns always count."""
    checks, evidence = dict(offline.checks), dict(offline.evidence)
    for move in MOVES:
        if checks[move] is None:
            continue  # applicability is ours, not the model's
        verdict = getattr(answer, move)
        quote = _verified(verdict.quote, reply) if verdict.passed else None
        if verdict.passed and quote:
            checks[move], evidence[move] = True, quote
        elif not verdict.passed:
            checks[move] = False
            evidence.pop(move, None)
    patterns = pattern_pitfalls(reply)
    quote = _verified(answer.pitfall.quote, reply) if answer.pitfall.found else None
    if patterns:
        checks["no_pitfalls"], evidence["no_pitfalls"] = False, patterns[0][1]
    elif quote:
        checks["no_pitfalls"], evidence["no_pitfalls"] = False, quote
    elif not answer.pitfall.found:
        checks["no_pitfalls"] = True
        evidence.pop("no_pitfalls", None)
    return Verdict(checks, evidence)
