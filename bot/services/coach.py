"""Coach an objection: diagnose it, then guide the seller through align, clarify and assure.

Over 450 lines, for a reason: `Coach` is the coaching pipeline (screen, diagnose, compose offline, prompt the
model, check and log its answer, answer a seller's question in a thread) over one set of pieces it loads once
(playbooks, classifiers, matcher, templates, store, model), and it reads in that order. What stands apart has
left: the types (core/guidance.py), the seller's questions (core/seller_questions.py), the templates
(content/templates.py), a workspace's model as bytes (models/team_models.py). The next cut is the per-workspace
model cache (`classifier_for`) into a class of its own.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from jinja2 import Environment

from bot.content import i18n
from bot.content.playbooks import (
    BrushOff,
    Playbooks,
    ResistancePlaybook,
    TopicPlaybook,
    hidden_kinds,
    load_brush_offs,
    load_playbooks,
)
from bot.content.templates import as_prompt_data, templates
from bot.core.config import Settings
from bot.core.grounding import claims, names_a_reference
from bot.core.guidance import Answer, Guidance, NotAnObjection, Objection, OptedOut
from bot.core.language import detect_language, ours
from bot.core.reading import (
    Concern,
    Reading,
    asks_for_customer,
    asks_what_we_are,
    belittles,
    names_a_part_of_ours,
    only_asks,
    opts_out,
    read,
    states_our_fact,
)
from bot.core.seller_questions import question_field
from bot.core.taxonomy import KINDS, LABELS, check_label
from bot.core.text import MAX_CHARS, clean
from bot.llm.client import LLM, LLMFailure, Prompt
from bot.llm.streaming import OnText
from bot.models.classify import Classifier, Diagnosis, ObjectionClassifier, load_objection_classifier
from bot.models.matching import TAG_SURE, Item, Match, Matcher, items
from bot.models.team_models import load_team_model
from bot.models.topics import TopicDetector, TopicReading, load_topic_detector
from bot.services.composing import PROOF_KINDS, Composed, ReadConcern, as_we, compose, sayable
from bot.store import Store, open_store

# What a reference customer's story can prove for a buyer of the same industry or size.
STORY_TOPICS = frozenset({"results", "fit", "adoption", "implementation", "status_quo", "vendor_viability"})
# Up to this many facts the model sees the whole profile (it can find what the matcher missed); beyond it, the
# facts matched to the concerns and those tagged with the message's topic.
WHOLE_PROFILE_FACTS = 20
# Words an accepted point shares with any answer ("that", "with", "this"...): not a sign of re-opening it.
_COMMON_WORDS = frozenset("""that this with have what your from they them their there about would could should
will just really very much more also been were when then than into only some like well good great fine
esto esta este tiene tienen para pero como todo bien muy más también están sobre""".split())
# The "Ask first" question names the topic only from this topic confidence on: on the held-out topic set
# (tests/data/topics_heldout.jsonl) readings below it were right 16 times in 30, those at or above it 90%.
TOPIC_SURE = 0.5
# Diagnosis and rendering are pure CPU under the GIL: letting dozens of threads run them at once starves the
# threads that must acknowledge Slack within 3 s, so they run one at a time (about 1.5 ms each).
_CPU_BOUND = threading.Lock()
# Workspace models held at once (each about 20-25 MB); the least recently used is dropped, and read again from
# the database when its workspace next asks.
TEAM_MODELS_IN_MEMORY = 16
log = logging.getLogger(__name__)


# The steps of a coaching, in order, as `coach(on_step=...)` announces them: what a surface shows while it works
STEPS = ("reading", "matching", "writing")
OnStep = Callable[[str], None]


class Coach:
    """Holds what coaching needs (playbooks, classifier, store) and loads each piece on first use."""

    # how often a workspace's kept model's version (`coach learn`) is looked up: not on every diagnosis
    model_check_seconds = 10.0

    def __init__(self, settings: Settings, store: Store | None = None):
        self.settings = settings
        self._store = store
        # team ID -> (when last looked up, the kept model's version then, its classifier or None: shipped)
        # workspace -> (when checked, model version, its classifier), least recently used first
        self._team_models: OrderedDict[str, tuple[float, str | None, Classifier | None]] = OrderedDict()
        self._team_models_lock = threading.Lock()

    @cached_property
    def playbooks(self) -> Playbooks:
        return load_playbooks(self.settings.playbooks_dir)

    @cached_property
    def brush_offs(self) -> dict[str, BrushOff]:
        return load_brush_offs(self.settings.playbooks_dir)

    @cached_property
    def classifier(self) -> Classifier:
        return load_objection_classifier(self.playbooks.examples_dir, self.settings.cache_dir,
                                         hidden_kinds(self.brush_offs))

    @cached_property
    def topic_detector(self) -> TopicDetector:
        return load_topic_detector(self.playbooks.topic_examples_dir, self.settings.cache_dir,
                                   self.playbooks.topic_cues())

    def detect_topic(self, text: str) -> TopicReading:
        """What the buyer holds against us is about: read on the message's concerns (bot/core/reading.py), not on
        the points they accept ("El precio nos cuadra, pero me cuesta creer…" is no price objection)."""
        concerns = read(text).concerns
        return self.topic_detector.detect(" ".join(c.about for c in concerns) if concerns else text)

    @cached_property
    def store(self) -> Store:
        return self._store or open_store(self.settings)

    @cached_property
    def llm(self) -> LLM | None:
        return LLM(self.settings, self.store) if self.settings.llm_enabled else None

    @cached_property
    def _jinja(self) -> Environment:
        return templates()

    @cached_property
    def _templates(self) -> Any:
        return self._jinja.get_template("offline.j2").module

    def kind_names(self, lang: str) -> dict[str, str]:
        return {label: pb.text("name", lang) for label, pb in self.playbooks.resistance.items()}

    def obstacle_names(self, lang: str) -> dict[str, str]:
        return {kind: pb.text("name", lang) for kind, pb in self.playbooks.obstacles.items()}

    def classifier_for(self, team_id: str | None) -> Classifier:
        """The workspace's own model if `coach learn` kept one for it, else the shipped one. A model kept while
        the coach runs (by any process on this database) is picked up within `model_check_seconds`: a check
        reads only the model's version, the model itself only when that changed."""
        if not team_id:
            return self.classifier
        now = time.monotonic()
        with self._team_models_lock:
            checked, version, classifier = self._team_models.get(team_id, (None, None, None))
            if checked is not None:
                self._team_models.move_to_end(team_id)
        if checked is not None and now - checked < self.model_check_seconds:
            return classifier or self.classifier
        try:
            info = self.store.team_model_info(team_id)
        except Exception:  # the database is unreachable: keep what we have, look again next time
            log.warning("workspace %s: cannot look up its model; keeping the one loaded", team_id, exc_info=True)
            return classifier or self.classifier
        current = info["version"] if info else None
        if current != version:
            classifier = None
            try:
                stored = self.store.team_model(team_id) if current else None
                if stored:
                    current = stored[0]
                    classifier = ObjectionClassifier(load_team_model(stored[1]), hidden_kinds(self.brush_offs))
            except ValueError as exc:  # an older coach's model, or bytes not ours: never read, the shipped one answers
                log.warning("workspace %s: %s; using the shipped model until then", team_id, exc)
            except Exception:  # a model that no longer loads must not stop coaching: the shipped model answers
                log.exception("workspace %s: cannot load its model; using the shipped one", team_id)
        with self._team_models_lock:
            self._team_models[team_id] = (now, current, classifier)
            self._team_models.move_to_end(team_id)
            while len(self._team_models) > TEAM_MODELS_IN_MEMORY:  # many installs: memory stays bounded
                self._team_models.popitem(last=False)
        return classifier or self.classifier

    def diagnose(self, text: str, team_id: str | None = None) -> Diagnosis:
        return self.classifier_for(team_id).diagnose(text)

    def screen(self, raw_text: str) -> Objection:
        """The objection as `coach` would take it, or EmptyObjection / NotAnObjection when there is nothing to
        coach: so a surface can tell before it shows that work is under way ("thanks!" in a thread)."""
        objection = Objection.parse(raw_text)
        _refuse_opt_out(objection.text)
        with _CPU_BOUND:
            if self.diagnose(objection.text).not_objection:
                raise NotAnObjection("the text is not something a buyer said")
        return objection

    def coach(
        self,
        raw_text: str,
        context: str | None = None,
        *,
        label: str | None = None,
        surface: str = "cli",
        team_id: str | None = None,
        user_id: str | None = None,
        history: list[dict[str, str]] | None = None,
        offline: bool = False,
        on_text: OnText | None = None,
        on_step: OnStep | None = None,
    ) -> Guidance:
        """Coach one objection, through the LLM when one is configured (unless `offline`), else (or when the
        model fails) from the playbooks. `label` overrides the diagnosis (the seller corrected it). Logged.

        `on_text(field, delta)` hears the model's guidance as it is written (bot/llm/streaming.py `FieldStream`);
        only the returned guidance counts, which may be the offline one after all. `on_step(step)` hears each of
        STEPS as it begins ("writing" only when a model writes), outside the CPU lock; what it raises stops the
        coaching there."""
        if on_step is not None:
            on_step("reading")
        objection = Objection.parse(raw_text)
        _refuse_opt_out(objection.text)  # whatever the label: coaching someone who said stop would be pressure
        context = Objection.parse(context).text if context and context.strip() else None
        classifier = self.classifier_for(team_id)  # may read the database: not while holding the CPU lock
        with _CPU_BOUND:
            diagnosis = classifier.diagnose(objection.text)
            if label is None and diagnosis.not_objection:  # before any model call or log entry
                raise NotAnObjection("the text is not something a buyer said")
            if label is not None:
                check_label(label)
                diagnosis = Diagnosis(label, 1.0, {**diagnosis.scores, label: 1.0})
        if on_step is not None:
            on_step("matching")
        with _CPU_BOUND:
            guidance = self.offline_guidance(objection, diagnosis, context)
            prompt = None if offline or self.llm is None else self.prompt(objection, diagnosis, context, history,
                                                                           guidance.language, label, team_id=team_id,
                                                                           offline=guidance)
        if prompt is not None:
            if on_step is not None:
                on_step("writing")
            guidance = self._through_llm(prompt, guidance, label, on_text)
        guidance.coaching_id = self.store.log_coaching(
            text=objection.text,
            context=context,
            label=guidance.label,
            confidence=guidance.confidence,
            language=guidance.language,
            source=guidance.source,
            topic=guidance.topic,
            surface=surface,
            team_id=team_id,
            user_id=user_id,
        )
        return guidance

    def prompt(
        self,
        objection: Objection,
        diagnosis: Diagnosis,
        context: str | None,
        history: list[dict[str, str]] | None,
        language: str,
        forced_label: str | None = None,
        topic: str | None = None,
        team_id: str | None = None,
        offline: Guidance | None = None,
    ) -> Prompt:
        """The model's prompt: instructions in the system part; playbooks, how the message was read (each concern
        with the profile fact matched to it, what the buyer accepts, the seller's notes), the profile's facts and
        the delimited buyer text in the user part, never the other way round. The answer may state a figure or a
        name only if it is in the objection, the context, the thread or the profile (`Prompt.grounding`); it may
        not offer a fact marked as not meeting the buyer's requirement, nor argue an accepted point again."""
        offline = offline or self.offline_guidance(objection, diagnosis, context)
        topic = topic or self.detect_topic(objection.text).topic
        profile = self.playbooks.profile
        buyer_text = "\n".join([objection.text, context or ""])
        reference = profile.reference_for(buyer_text)
        references = ([reference] if reference else []) + [r for r in profile.references if r is not reference]
        ranked = sorted(diagnosis.scores.items(), key=lambda item: item[1], reverse=True)
        top = [forced_label] if forced_label else [label for label, _ in ranked[:2]]
        brush_off = None if forced_label else self.brush_offs.get(diagnosis.brush_off or "")
        system = self._jinja.get_template("coach_system.j2").render(kinds=KINDS, labels=LABELS)
        user = self._jinja.get_template("coach_user.j2").render(
            language=language,
            forced_label=forced_label,
            candidates=ranked[:3],
            playbooks=[self.playbooks[label] for label in top],
            context=as_prompt_data(context) if context else None,
            history=[{"role": t["role"], "text": as_prompt_data(t["text"])} for t in (history or [])],
            objection=as_prompt_data(objection.text),
            brush_off=brush_off,
            brush_off_topic=self.playbooks.topics[brush_off.topic] if brush_off and brush_off.topic else None,
            topic=self.playbooks.topics[topic],
            company=profile.company,
            # a small profile is given whole, a large one as the facts matched to the concerns and the topic's
            facts=profile.facts if len(profile.facts) <= WHOLE_PROFILE_FACTS else profile.facts_for(topic),
            references=references[:3],
            competitors=profile.competitors_in(buyer_text) or profile.competitors,
            concerns=[{**c, "words": as_prompt_data(c["words"]),
                       "required": [as_prompt_data(r) for r in c.get("required", [])]} for c in offline.concerns],
            accepted=[as_prompt_data(a) for a in offline.accepted],
            seller_facts=[as_prompt_data(n) for n in offline.seller_notes if states_our_fact(n)],
            seller_context=[as_prompt_data(n) for n in offline.seller_notes if not states_our_fact(n)],
        )
        grounding = "\n".join([objection.text, context or "", *(t["text"] for t in (history or [])),
                               profile.all_text()])
        unmet = [c["fact"] for c in offline.concerns if c["status"] == "unmet" and c["fact"]]
        concern_words = " ".join(c["words"] for c in offline.concerns).lower()
        accepted_words = {w for a in offline.accepted for w in re.findall(r"[^\W\d_]{4,}", a.lower())
                          if w not in concern_words and w not in _COMMON_WORDS}
        return Prompt(system=system.strip(), user=user.strip(), grounding=grounding, team_id=team_id,
                      not_offered=tuple(dict.fromkeys(c for fact in unmet for c in claims(fact) if len(c) > 2)),
                      accepted_words=tuple(sorted(accepted_words)))

    def _through_llm(self, prompt: Prompt, offline: Guidance, forced_label: str | None,
                     on_text: OnText | None = None) -> Guidance:
        """The model's guidance, or the offline guidance with a note saying why the model was not used."""
        assert self.llm is not None
        try:
            answer, _cached = self.llm.coach(prompt, on_text)
        except LLMFailure as failure:
            why = f"note.why.{failure.kind}" if i18n.has(f"note.why.{failure.kind}") else "note.why.unavailable"
            why_text = i18n.t(why, offline.language, claims=failure.detail)
            offline.notes.insert(1, i18n.t("note.fallback", offline.language, why=why_text))
            return offline
        assure = answer.assure
        customers = [r.customer for r in self.playbooks.profile.references]
        if offline.proof and not names_a_reference(assure, customers):
            assure = f"{assure} {offline.proof}"  # a reference offered is one from the profile or a placeholder
        return Guidance(
            label=forced_label or answer.label,
            confidence=1.0 if forced_label else round(answer.confidence, 4),
            language=offline.language,
            align=answer.align,
            clarify=answer.clarify,
            assure=assure,
            talk_track=answer.talk_track,
            question=answer.question,
            source="llm",
            topic=offline.topic,
            notes=[i18n.t("note.llm", offline.language, model=self.llm.model), *offline.notes[1:]],
            # how the message was read, each concern with the profile fact matched to it: what the model was given
            # to draw on (a surface names those facts as its sources)
            concerns=offline.concerns,
            accepted=offline.accepted,
            seller_notes=offline.seller_notes,
        )

    def answer(self, raw_question: str, label: str, objection: str | None = None,
               context: str | None = None, topic: str | None = None) -> Answer:
        """Answer the seller's question about a thread's objection from the playbooks: with the thread's
        `objection` (and deal `context`), the kind's moves composed with the objection's topic as `_compose`
        does for the coaching (the profile's facts for the topic, else a placeholder); when the objection is no
        longer in the thread's history, with the `topic` the thread recorded; without either, the kind's."""
        question = Objection.parse(raw_question)
        detected = detect_language(question.text)
        lang = ours(detected)
        playbook = self.playbooks[check_label(label)]
        field = question_field(question.text)
        composed = None
        text = clean(objection)[0]
        recorded = self.playbooks.topics.get(topic or "")
        if text or recorded:
            text = Objection.parse(text).text if text else ""
            context = clean(context)[0] or None
            with _CPU_BOUND:
                recorded = self.playbooks.topics[self.detect_topic(text).topic] if text else recorded
                composed = self._composed(playbook, text, context, lang, recorded)
        topic = recorded if composed else None
        lines = _answer_lines(playbook, topic, composed, field or "next_move", lang)
        t = self._templates
        notes = [i18n.t("note.source", lang)]
        if detected == "other":
            notes.append(i18n.t("note.language", "en"))  # the answer is in English, so is the note
        if composed and composed.english_used:
            notes.append(i18n.t("note.english_profile", lang))
        heading = str(t.answer_heading(playbook, lang, field or "next_move", topic)).strip()
        return Answer(label=label, language=lang, heading=heading, lines=lines, source="offline", notes=notes,
                      topic=topic.topic if topic else None)

    def offline_guidance(self, objection: Objection, diagnosis: Diagnosis, context: str | None, *,
                         known_topic: str | None = None) -> Guidance:
        """Guidance from the playbooks for what this buyer said: each concern of the message answered with the
        profile fact that meets it (else a placeholder, or "let me confirm" when the fact does not meet what
        they require), accepted points acknowledged, the seller's notes usable. A brush-off gets only the
        question to ask and what each answer would mean: no talk track built on a guess. `known_topic`: what the
        message is known to be about (a practice scenario written from the team's facts on it): a first concern
        nothing answered by meaning is answered with the team's fact filed under it."""
        detected = detect_language(objection.text)
        lang = ours(detected)
        playbook = self.playbooks[diagnosis.label]
        reading = self.detect_topic(objection.text)
        question = self.diagnostic_question(diagnosis, lang, reading)
        notes = [i18n.t("note.source", lang)]
        if objection.truncated:
            notes.append(i18n.t("note.truncated", lang, limit=MAX_CHARS))
        if detected == "other":
            notes.append(i18n.t("note.language", "en"))  # the answer is in English, so is the note
        guidance = Guidance(label=diagnosis.label, confidence=diagnosis.confidence, language=lang, align="",
                            clarify="", assure="", talk_track="", question=question, source="offline",
                            topic=reading.topic if reading.confidence >= TOPIC_SURE else None, notes=notes)
        if diagnosis.brush_off in self.brush_offs and question:
            brush_off = self.brush_offs[diagnosis.brush_off]
            t = self._templates
            lines = [str(t.each_answer_line(self.playbooks[k].text("name", lang).lower(),
                                            self.playbooks[k].text("next_move", lang), lang))
                     for k in brush_off.kinds or diagnosis.in_play]
            # a competitor the buyer names is no guess: how we differ from it is the seller's to have at hand
            lines += [str(t.competitor_line(c.name, c.get(lang)[0], lang))
                      for c in self.playbooks.profile.competitors_in(objection.text)]
            guidance.clarify = str(t.bullets(lines)).strip()
            return guidance
        known = self.playbooks.topics[known_topic] if known_topic in self.playbooks.topics else None
        composed = self._composed(playbook, objection.text, context, lang, known=known)
        if composed.english_used:
            notes.append(i18n.t("note.english_profile", lang))
        t = self._templates
        header = f"{t.context_header(context, lang)}\n" if context else ""
        guidance.align = header + str(t.bullets(composed.align)).strip()
        guidance.clarify = str(t.bullets(composed.clarify)).strip()
        guidance.assure = str(t.bullets(composed.assure)).strip()
        guidance.talk_track = composed.talk_track
        guidance.proof = composed.proof
        guidance.topic = composed.topic or guidance.topic
        guidance.concerns = [c.as_json() for c in composed.concerns]
        guidance.accepted = list(composed.accepted)
        guidance.seller_notes = list(composed.seller_notes)
        return guidance

    def diagnostic_question(self, diagnosis: Diagnosis, lang: str, topic: TopicReading | None = None) -> str | None:
        """What to ask before answering, when the words alone do not settle the kind: for a brush-off, that it
        usually hides the real resistance and the questions that bring it out (naming the brush-off's own topic,
        if it has one); else one question on the objection's topic offering what each kind in play would mean
        there, or a question per kind when the topic is itself unsure. None when the diagnosis is sure (or the
        seller chose the label)."""
        if not diagnosis.asks_first:
            return None
        t = self._templates
        if diagnosis.brush_off in self.brush_offs:
            brush_off = self.brush_offs[diagnosis.brush_off]
            about = self.playbooks.topics[brush_off.topic] if brush_off.topic else None
            return str(t.brush_off_question(brush_off, lang, about)).strip()
        in_play = list(diagnosis.in_play) or [diagnosis.label, diagnosis.runner_up()]
        # framed on the topic only when it is surely read: a question about an incumbent the buyer never mentioned
        # is worse than one per kind (on the writers' sets, asks on a topic read at 0.5-0.9 named the right one 5
        # times in 12, at 0.9 or more 12 in 16)
        on_topic = self.playbooks.topics[topic.topic] if topic and topic.confidence >= TAG_SURE else None
        return str(t.question([self.playbooks[kind] for kind in in_play], lang, on_topic)).strip()

    @cached_property
    def matcher(self) -> Matcher:
        untagged = [i for i in items(self.playbooks.profile) if i.topic is None]
        read = iter(self.topic_detector.detect_many([i.en for i in untagged]) if untagged else [])
        return Matcher(self.playbooks.profile, [None if i.topic else next(read).topic
                                                for i in items(self.playbooks.profile)], self.settings.cache_dir)

    def _composed(self, kind: ResistancePlaybook, text: str, context: str | None, lang: str,
                  recorded: TopicPlaybook | None = None, known: TopicPlaybook | None = None) -> Composed:
        """The coaching composed for this message (bot/services/composing.py); with no text (the objection has left a
        thread's history), one concern on the thread's `recorded` topic; `known`: the topic the message is known to
        be about (`offline_guidance`)."""
        profile = self.playbooks.profile
        english_used = False

        def say(sentence: Any) -> str:
            nonlocal english_used
            value, fallback = sentence.get(lang)
            english_used = english_used or fallback
            return as_we(value, profile.company.name, lang)

        reading = read(text) if text else Reading((), (), (), "")
        concerns: list[ReadConcern] = []
        # every topic read, sure or not (and a thread's recorded one): a customer's story may prove any (below)
        read_topics: list[str] = []
        if reading.concerns:
            merged = _merge_by_topic(reading.concerns, self.topic_detector.detect_many([c.about for c in
                                                                                        reading.concerns]))
            abouts = [c.about for c, _, _ in merged]
            topics = [r.topic if r.confidence >= TOPIC_SURE else None for _, r, _ in merged]
            matches = self.matcher.best(abouts, topics, [r.confidence for _, r, _ in merged],
                                        " ".join(reading.seller_notes), reading.buyer_text,
                                        [[part.about for part in parts] for _, _, parts in merged])
            if known is not None and matches[0] is None:
                topics[0], matches[0] = known.topic, self.matcher.tagged(known.topic)
            for n, ((concern, read_as, parts), topic, match) in enumerate(zip(merged, topics, matches, strict=True)):
                # the topic named aloud ("On the integration: …"), coached and asked about is the one the team filed
                # the answering fact under, when it did: the detector's guess is weaker than the team's own tag.
                # Else the detector's, only when surely read: on the writers' sets a first concern's topic read at
                # 0.5-0.9 with no tagged fact was one of the writer's for a third of the messages (at 0.9 or more
                # for half, a matched fact's tag for 0.88), and a generic answer beats an off-topic one.
                # (but a fact filed under timing is a date of ours, a roadmap item: it does not make a buyer who
                # needs the feature from day one a buyer for whom now is the wrong time, "What would need to change
                # for the timing to be right?" — heldout-r's reviewer)
                tagged = match.item.topic if match and match.item.topic and (
                    match.item.topic != "timing" or read_as.topic == "timing") else None
                filed = tagged or (known.topic if known is not None and n == 0 else
                                   topic if read_as.confidence >= TAG_SURE else None)
                sure = self.playbooks.topics[filed] if filed else None
                read_topics += [t for t in (filed, topic) if t]
                taken = [m.item for m in matches if m]
                if match is None:  # nothing answers them together: each keeps its own placeholder, none dropped
                    concerns += self._placeholders(parts, sure, topic, taken, reading, say, lang)
                    continue
                # the item may answer only some of the concerns merged on one topic: the others keep their own
                # placeholder, on no topic (the one read for them all was the answered part's)
                answered = self.matcher.answers([part.about for part in parts], match.item)
                kept = [part for part, yes in zip(parts, answered, strict=True) if yes]
                concerns.append(ReadConcern(concern.words if len(kept) == len(parts) else kept[0].words, sure,
                                            match, say(self._item(match))))
                concerns += self._placeholders([part for part, yes in zip(parts, answered, strict=True) if not yes],
                                               None, topic, taken, reading, say, lang)
        elif recorded is not None:  # the team's fact filed under that topic, else the topic's placeholder
            match = self.matcher.tagged(recorded.topic)
            read_topics.append(recorded.topic)
            concerns.append(ReadConcern(recorded.text("name", lang), recorded, match,
                                        say(self._item(match)) if match else "",
                                        placeholder=recorded.text("placeholder", lang)))
        accepted_about = None
        if reading.accepted:
            topic = self.topic_detector.detect(reading.accepted[0])
            # named only when surely read: "glad the price works for you" to a buyer who never spoke of price
            # would put words in their mouth
            # (and never as "happy with the way you work today": what they accept is ours, "a clear step up
            # from our spreadsheets")
            # (nor when a concern is read as on the same topic: "Your SOC 2 is nice, but group IT needs ISO 27001" is
            # no buyer "happy with security")
            raised = [r.topic for _, r, _ in merged if r.confidence >= TOPIC_SURE] if reading.concerns else []
            # (nor a part of ours the buyer praises: "la parte de presupuestos" is the quoting module, not the price)
            accepted_about = self.playbooks.topics[topic.topic].about_text(lang) \
                if topic.confidence >= TAG_SURE and topic.topic not in ("status_quo", *raised) \
                and not names_a_part_of_ours(reading.accepted[0]) else None
        matched = [c.match.item for c in concerns if c.match and c.match.item.kind == "reference" and c.match.meets]
        # A reference is proof of what it is matched to by meaning; failing that, a customer of the buyer's industry
        # or size proves only what a customer's story can (results, fit, adoption, a roll-out, that we last),
        # never an integration, a hosting region or a price it was never linked to.
        # A buyer who asks to hear from a customer asks for a story whatever the topic: one in the place they name
        # ("¿algún cliente en Colombia?"); of their industry only where a story can prove the topic, as above (a
        # retailer in Mexico to a buyer who asks for one in the US is no answer)
        asked = " ".join(c.about for c in reading.concerns if asks_for_customer(c.about))
        wants_story = bool(asked)
        stories = any(t in STORY_TOPICS for t in read_topics)
        told = "\n".join([reading.buyer_text, context or ""])
        reference = profile.references[matched[0].index] if matched else \
            profile.reference_for(told, asked, in_place_only=not stories) if stories or wants_story else None
        result = say(reference.result) if reference else ""
        # no reference fits by meaning or industry: the nearest stories, for the seller to judge (never said aloud)
        callable_refs = [n for n, r in enumerate(profile.references) if r.contact_ok]
        near = [] if reference or not reading.concerns or not (wants_story or kind.label in PROOF_KINDS) else \
            [profile.references[n] for n in self.matcher.closest_references([c.about for c in reading.concerns],
                                                                            callable_refs)]
        closest = [(r.customer, r.description or r.industry, say(r.result).rstrip(".")) for r in near]
        # the closing question asks about an open concern, never about what the buyer just accepted nor what they
        # already said ("Which systems would it need to connect to?" after "we're moving to NetSuite"), nor what
        # the seller's note says of them ("[note: they run SAP Business One]")
        said = " ".join([reading.buyer_text, *reading.seller_notes])
        first = next((c.topic for c in concerns if c.topic and c.topic.about_text(lang) != accepted_about
                      and not c.topic.check_answered(said)), None)
        answered = any(c.match and c.match.meets for c in concerns) or any(
            belittles(c.words) or asks_what_we_are(c.words, profile.company.name) for c in concerns)
        asking = [c for c in concerns if c.topic is first]
        question = (first.text("check_when_asked", lang) if first.check_when_asked and asking and all(
            only_asks(c.words) for c in asking) else first.text("check", lang)) if first else \
            kind.closing(lang, reading.buyer_text, answered)
        # a requirement the profile rules out decides the deal: the question qualifies it (must it be there from the
        # start?), not the topic's or the kind's usual one
        ruled = next((c.match for c in concerns if c.match and c.match.ruled_out), None)
        if ruled is not None:
            question = str(self._templates.ruled_out_question(sayable(ruled.required, reading.buyer_text),
                                                              lang)).strip()
        # a customer's story is said aloud as proof only where one can prove something: a reference that fits, a
        # topic a story proves, or no topic read at all (the kind's own move); never for a clause, a price or a
        # hosting region
        story = reference is not None or stories or wants_story or not read_topics
        viability = profile.facts_for("vendor_viability")
        about_us = any(asks_what_we_are(c.words, profile.company.name) for c in concerns)
        established = say(viability[0]) if viability and about_us else ""
        # (said, and its English stand-in noted, only where what we do is told)
        offering = say(profile.company.offering) if kind.label == "missing" or about_us or any(
            belittles(c.words) for c in concerns) else ""
        composed = compose(self._templates, kind, profile, concerns, reading.accepted, accepted_about,
                           reading.seller_notes, context, lang, reference, result, question, closest, story,
                           reading.buyer_text, established, offering)
        return replace(composed, english_used=english_used)

    def _placeholders(self, parts: Sequence[Concern], topic: TopicPlaybook | None, read_as: str | None,
                      taken: Sequence[Item], reading: Reading, say: Callable[[Any], str], lang: str
                      ) -> list[ReadConcern]:
        """A placeholder for each of `parts` nothing answers, on `topic` (None: no topic content), each with the
        profile's closest facts (on the topic `read_as`, leaving out those `taken` by other concerns) for the seller
        to check. A concern about the buyer's own situation asks for no fact of ours: its topic's placeholder
        ("[how this supports the priority they named]"), not "[our answer to «Not a priority this year»]"."""
        notes = " ".join(reading.seller_notes)
        own = topic.text("placeholder", lang) if topic is not None and topic.topic in _THEIR_SITUATION else None
        return [ReadConcern(part.words, topic, None, "", placeholder=own, nearest=tuple(
            say(self.playbooks.profile.facts[item.index]).rstrip(".")
            for item in self.matcher.nearest(part.about, read_as, taken, notes, reading.buyer_text)))
            for part in parts]

    def _item(self, match: Match) -> Any:
        """The profile entry a match points at, as a sentence in both languages (`get(lang)`)."""
        profile = self.playbooks.profile
        item = match.item
        if item.kind == "fact":
            return profile.facts[item.index]
        if item.kind == "reference":
            ref = profile.references[item.index]
            return _Said(f"{ref.customer}: {ref.result.en}", f"{ref.customer}: {ref.result.get('es')[0]}",
                         ref.result.es is None)
        return profile.competitors[item.index]


# topics about the buyer's own situation (what comes first for them, what they do today, who decides), not about us
_THEIR_SITUATION = frozenset({"priority", "status_quo", "authority"})


def _refuse_opt_out(text: str) -> None:
    if opts_out(text):
        raise OptedOut("the buyer asked not to be contacted again")


def _merge_by_topic(concerns: Sequence[Concern], readings: Sequence[TopicReading]) -> list[
        tuple[Concern, TopicReading, list[Concern]]]:
    """Concerns read as the same topic become one ("Where is it hosted?" after "our data must stay in Mexico"),
    in the words of the first, about all of them; with the concerns it was made of."""
    merged: list[tuple[Concern, TopicReading, list[Concern]]] = []
    for concern, reading in zip(concerns, readings, strict=True):
        same = next((n for n, (_, r, _) in enumerate(merged) if reading.confidence >= TOPIC_SURE
                     and r.confidence >= TOPIC_SURE and r.topic == reading.topic), None)
        if same is None:
            merged.append((concern, reading, [concern]))
            continue
        first, kept, parts = merged[same]
        merged[same] = (Concern(first.words, f"{first.about} {concern.about}"),
                        kept if kept.confidence >= reading.confidence else reading, [*parts, concern])
    return merged


@dataclass(frozen=True)
class _Said:
    """A sentence built from profile parts, in both languages (`fallback`: the Spanish is English)."""

    en: str
    es: str
    fallback: bool = False

    def get(self, lang: str) -> tuple[str, bool]:
        return (self.es, self.fallback) if lang == "es" else (self.en, False)


def _answer_lines(kind: ResistancePlaybook, topic: TopicPlaybook | None, composed: Composed | None, field: str,
                  lang: str) -> list[str]:
    """The lines answering a seller's question about `field` (bot/core/seller_questions.py): the composed coaching's own
    lines when the thread's topic is known, else the kind's playbook alone."""
    if topic is None or composed is None:
        if field == "next_move":
            return [kind.text("next_move", lang), *kind.lines("align", lang)]
        return kind.lines(field, lang)
    composed_lines = {
        "assure": composed.assure,
        "clarify": composed.clarify,
        "talk_tracks": [composed.talk_track],
        "questions": [topic.text("check", lang), *kind.lines("questions", lang)],
        "pitfalls": kind.lines("pitfalls", lang),  # topics hold no pitfalls: the kind's say what to avoid
        "next_move": [kind.text("next_move", lang), *composed.grounded, *composed.align],
    }
    return composed_lines[field]
