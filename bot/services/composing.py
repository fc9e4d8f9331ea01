"""Offline coaching composed from the reading of the buyer's message: every concern answered with the profile
fact that meets it, or honestly not answered (a placeholder from the buyer's words, or "let me confirm" where
the profile's fact does not meet what they require); what the buyer accepts acknowledged once and never argued
again; the seller's own notes usable as facts. The kind of resistance shapes the opening, the proof and the
moves; a concern whose topic is unsure gets no topic content (a generic answer beats an off-topic one).

The talk track is one acknowledgement, then each open concern, then one question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.content.playbooks import ResistancePlaybook, TopicPlaybook
from bot.content.profile import Reference, TeamProfile
from bot.core.grounding import deal_cues
from bot.core.reading import asks_for_customer, asks_what_we_are, asks_who_we_are, belittles, states_our_fact
from bot.models.matching import Match

PROOF_KINDS = ("skepticism", "incorrect", "major_concern")  # kinds whose answer offers proof sized to the doubt
_QUOTED_WORDS = 90  # a concern quoted in a placeholder or a line is cut to about this many characters
_QUOTED_HEAD = 50  # of which its beginning
_OPENING = re.compile(r"^(.*?[.!?])\s*\{")


@dataclass(frozen=True)
class ReadConcern:
    """One concern of the message as the coach understood it."""

    words: str  # the buyer's words for it
    topic: TopicPlaybook | None  # None when the topic is unsure: no topic content then
    match: Match | None  # the profile item that answers it, if one cleared the floor
    answer: str = ""  # the matched item's sentence in the answer's language, as the seller may say it
    placeholder: str | None = None  # what to fill in when nothing answers it (default: from the buyer's words)
    nearest: tuple[str, ...] = ()  # with no match, the profile's closest facts, for the seller to check

    def as_json(self) -> dict[str, Any]:
        status = "answered" if self.match and self.match.meets else "unmet" if self.match else "placeholder"
        return {"words": quoted(self.words), "topic": self.topic.topic if self.topic else None, "status": status,
                "fact": self.answer or None, "required": list(self.match.required) if self.match else [],
                "ruled_out": bool(self.match and self.match.ruled_out),
                "nearest": list(self.nearest)}


@dataclass(frozen=True)
class Composed:
    align: list[str]
    clarify: list[str]
    assure: list[str]
    grounded: list[str]  # what the seller may state on each concern, or what to fill in
    talk_track: str
    proof: str
    concerns: list[ReadConcern] = field(default_factory=list)
    accepted: tuple[str, ...] = ()
    seller_notes: tuple[str, ...] = ()
    topic: str | None = None  # the first concern's topic, when sure (logged, and kept by a coaching thread)
    english_used: bool = False  # a profile sentence had no Spanish and English stood in


def quoted(words: str) -> str:
    """A concern's words short enough to quote, closing punctuation dropped: a long one keeps its beginning and its
    end, cut at words, with "…" between (what the buyer asks for is often said last: "…would want the portal in
    French")."""
    words = " ".join(words.split()).strip(" .,;:¿?¡!")
    if len(words) > _QUOTED_WORDS:
        head = words[:_QUOTED_HEAD].rsplit(" ", 1)[0]
        cut = len(words) - (_QUOTED_WORDS - _QUOTED_HEAD)
        tail = words[cut:] if words[cut - 1] == " " else words[cut:].split(" ", 1)[-1]  # (whole words only)
        words = f"{head} … {tail}"
    return words


def as_we(sentence: str, company: str, lang: str) -> str:
    """A profile sentence as the seller says it: "Fleetwise has been operating… and has been profitable…" → "We
    have been operating… and have been profitable…",
    "Acme's customers" → "our customers" (English; Spanish keeps the name, as Spanish speech does)."""
    if lang != "en" or not company:
        return sentence
    name = re.escape(company)
    sentence = re.sub(rf"\b{name}['’]s\b", "our", sentence)
    verbs = {"has": "have", "is": "are", "was": "were", "does": "do"}
    match = re.match(rf"^{name}\s+(\w+)\b", sentence)
    if match:
        verb = match.group(1)
        plain = verbs.get(verb) or (verb[:-1] if verb.endswith("s") and not verb.endswith("ss") else verb)
        rest = sentence[match.end():]
        # a second verb of the same subject agrees with "we" too: "…since 2016 and has been profitable since 2021"
        # (or in a list: "was founded in 2017, has 48 employees and raised…")
        # (not a verb inside a clause of its own: "a desk that, since 2023, has been open on Saturdays")
        rest = re.sub(r"(\b(?:and|but|or)\s+|,\s+(?=(?:has|was)\b))(has|is|was|does)\b",
                      lambda m: m.group(0) if m.group(1).startswith(",") and re.search(
                          r"\b(?:that|which|who|whose|where)\b", rest[:m.start()]) else
                      f"{m.group(1)}{verbs[m.group(2)]}", rest)
        sentence = f"We {plain}{rest}"
    return sentence


# A label a profile fact opens with ("Pricing: Starter plan…", "Hoja de ruta: …"): the team's filing, not words
# to say aloud (the bridge names the subject, and "Sobre el precio: Precios: plan Starter…" says it twice)
_LABEL = re.compile(r"^\s*([^\W\d_][\w'’/&-]*(?:\s+[\w'’/&-]+){0,2}):\s+(?=\S)")


def spoken(fact: str) -> str:
    """A profile fact as said aloud: without the label it may open with, its first letter a capital. Not a label
    with an acronym ("SLA: 99.9 % uptime", "SOC 2: …": the rest alone would not say what it is), nor one that
    leaves too little to say ("US TTB report: not supported")."""
    label = _LABEL.match(fact)
    if not label or any(re.fullmatch(r"[A-Z0-9]{2,}", w) for w in label.group(1).split()) \
            or len(fact[label.end():].split()) < 3:
        return fact
    said = fact[label.end():]
    return said[:1].upper() + said[1:]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?…" else f"{text}."


# (in lower case, or as a first word: "US-based; strong on TTB reporting" is a note on them alone)
_US = re.compile(r"\b(?:[Ww]e|[Oo]urs?|us|[Nn]osotros|[Nn]uestr[oa]s?)\b")


def compares(note: str, profile: TeamProfile) -> bool:
    """Whether a competitor note is a comparison written to be said ("RouteMax plans routes once a day; we re-plan
    during the day"): it speaks of us too. A note on the competitor alone is the team's brief on them."""
    name = profile.company.name
    return bool(_US.search(note) or (name and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", note)))


def sayable(required: Sequence[str], said: str) -> str:
    """What the buyer requires, to name aloud, when each is a name or a few words ("Entra ID", "SUNAT", "weekends")
    the buyer said themselves (`said`: their words); "" when one is a phrase the rules read ("can't do is pay a
    full year upfront"), which would sound garbled, or a name only the seller's private note gives ("their staff
    use the WhatsApp group"): the buyer would hear what the seller wrote for themselves."""
    return ", ".join(required) if required and all(
        len(r.split()) <= 3 and r.lower() in said.lower() for r in required) else ""


def _placeholder(t: Any, concern: ReadConcern, lang: str) -> str:
    return concern.placeholder or str(t.concern_placeholder(quoted(concern.words), lang))


def opening(kind: ResistancePlaybook, lang: str) -> str:
    """The kind's acknowledgement: the first sentence of its talk-track frame."""
    match = _OPENING.match(kind.text("talk_template", lang))
    return match.group(1) if match else ""


def compose(
    t: Any,
    kind: ResistancePlaybook,
    profile: TeamProfile,
    concerns: Sequence[ReadConcern],
    accepted: Sequence[str],
    accepted_about: str | None,
    notes: Sequence[str],
    context: str | None,
    lang: str,
    reference: Reference | None,
    reference_result: str,
    question: str,
    closest: Sequence[tuple[str, str, str]] = (),
    story: bool = True,
    said: str = "",
    established: str = "",
    offering: str = "",
) -> Composed:
    """The coaching for one message. `t` is the offline template module (prompts/offline.j2). `closest`: with no
    reference that fits, the profile's references nearest by meaning (customer, industry, result), for the seller
    to check; `story`: whether a customer's story is proof of anything here (else the talk track offers none);
    `said`: the buyer's own words (what the talk track may name back to them); `established`: the team's fact on
    how established we are (the first filed under vendor viability), as the seller says it, told with what we do
    to a buyer who asks who we are; `offering`: what we do, as the seller says it (by default the profile's)."""
    cues = deal_cues(context)
    first_topic = next((c.topic for c in concerns if c.topic), None)

    align = [str(t.accepted_line(quoted(a), lang)) for a in accepted]
    align += [str(t.concern_line(quoted(c.words), lang)) for c in concerns if len(concerns) > 1]
    if first_topic:
        align.append(first_topic.text("align", lang))
    align += kind.lines("align", lang)
    if cues.stakeholder:
        align.insert(len(accepted), str(t.stakeholder_line(cues.stakeholder, lang)))

    # a concern that asks to hear from a customer, which no item answers, is answered by the customer's story
    # (the reference that fits, or its placeholder), never by "[our answer to: any customer in Colombia?]"
    asks_story = [not c.match and asks_for_customer(c.words) for c in concerns]
    # ...and one that asks who we are or what the product is ("never heard of you, what is it?") by what we do, as
    # one that takes the product for less than it is ("isn't this just a calendar?"), which a fact on the thing
    # named would only confirm
    offering = offering or as_we(profile.company.offering.get(lang)[0], profile.company.name, lang)
    # (and one that asks who we are in so many words, whatever fact its words matched: "who are you with again? I
    # get ten of these calls a day" is no question about the API's calls per day)
    about_us = [not by_story and (belittles(c.words) or (not c.match or asks_who_we_are(c.words))
                                  and asks_what_we_are(c.words, profile.company.name))
                for c, by_story in zip(concerns, asks_story, strict=True)]
    grounded: list[str] = []
    told_about_us = False
    for concern, by_story, asks_what in zip(concerns, asks_story, about_us, strict=True):
        words = quoted(concern.words)
        if by_story:
            continue
        if asks_what:  # (once: what we do answers them all; to fill in while the profile has no offering)
            if not told_about_us:
                grounded.append(str(t.gap_line(offering, lang)) if re.fullmatch(r"\[[^\]]*\]", offering.strip())
                                else str(t.state_line(words, " ".join(filter(None, (_sentence(offering),
                                                                                    established))), lang)))
            told_about_us = True
            continue
        if concern.match and concern.match.item.kind == "competitor" and not compares(concern.answer, profile):
            # a note on the competitor alone is the team's brief, their strengths beside their gaps: the seller's to
            # read, not the buyer's
            grounded.append(str(t.competitor_line(concern.match.item.name, concern.answer, lang)))
        elif concern.match and concern.match.meets:
            grounded.append(str(t.state_line(words, concern.answer, lang)))
        elif concern.match:
            required = ", ".join(concern.match.required)
            grounded.append(str(t.unmet_line(words, concern.answer, required, concern.match.ruled_out, lang)))
        else:
            grounded.append(str(t.gap_line(_placeholder(t, concern, lang), lang)))
            if concern.nearest:
                grounded.append(str(t.nearest_line(concern.nearest, lang)))
    grounded += [str(t.note_line(note, states_our_fact(note), lang)) for note in notes]
    checks = [str(t.ask_line(c.topic.text("check", lang), lang)) for c in concerns[:1] if c.topic]
    clarify = [*grounded, *checks, *kind.lines("clarify", lang)]

    offers_proof = kind.label in PROOF_KINDS or any(asks_story)
    proof = str(t.reference_line(reference, reference_result, lang, closest))
    assure = [first_topic.text("assure", lang)] if first_topic else []
    assure += [proof] if offers_proof else []
    assure += kind.lines("assure", lang)

    talk = [str(t.acknowledge_accepted(accepted_about, lang)).strip() if accepted else opening(kind, lang)]
    if cues.goal:
        talk.append(str(t.goal_sentence(cues.goal, lang)).strip())
    offering_said, established_said = kind.label == "missing", False
    if offering_said:
        talk.append(_sentence(str(t.offering_sentence(offering, lang))))
    bridged: str | None = None
    limits_said = 0
    for concern, by_story, asks_what in zip(concerns, asks_story, about_us, strict=True):
        if by_story:
            continue
        if asks_what:  # (what we do and how established we are, once, whatever the kind)
            if not offering_said:
                talk.append(_sentence(str(t.offering_sentence(offering, lang))))
            if established and not established_said:
                talk.append(_sentence(established))
            offering_said = established_said = True
            continue
        # a bridge names the concern's topic, said aloud only when a profile item confirms it (a guessed topic
        # said aloud is the worst kind of off-topic: "On how solid we are as a company:" before a placeholder),
        # and unless it is what the buyer just accepted ("the price is fine, but is training included?" is not
        # answered "On the price: …")
        about = concern.topic.about_text(lang) if concern.topic and concern.match else None
        # (once per topic: a second answer on support follows the first without "On support:" again)
        bridge = str(t.bridge(about, lang)) if about and len(concerns) > 1 and about not in (accepted_about,
                                                                                            bridged) else ""
        # (a limit said as the fact words it needs no bridge: the fact names its subject)
        stated = _sentence(spoken(concern.answer)) if concern.match and not concern.match.meets \
            and concern.match.limit and concern.match.item.kind == "fact" and concern.answer else ""
        said_as = spoken(concern.answer) if concern.match and concern.match.item.kind == "fact" else concern.answer
        bridge = "" if stated else bridge
        bridged = about if bridge else bridged
        if concern.match and concern.match.item.kind == "competitor" and not compares(concern.answer, profile):
            talk.append(bridge + _sentence(str(t.competitor_placeholder(concern.match.item.name, lang))))
        elif concern.match and concern.match.meets:
            talk.append(bridge + _sentence(said_as))
        elif concern.match:
            # (a limit the item states is said as it is: "there is no US hosting option", not "what we offer
            # doesn't cover «US»")
            talk.append(bridge + str(t.unmet_sentence(sayable(concern.match.required, said), concern.match.ruled_out,
                                                      lang, stated, limits_said)).strip())
            limits_said += concern.match.ruled_out
        else:
            talk.append(bridge + _sentence(_placeholder(t, concern, lang)))
    if offers_proof and story:
        talk.append(str(t.proof_sentence(reference, lang)).strip())
    talk.append(question)
    return Composed(align, clarify, assure, grounded, " ".join(" ".join(p for p in talk if p).split()), proof,
                    list(concerns), tuple(accepted), tuple(notes), first_topic.topic if first_topic else None)
