"""Coach an objection: diagnose it, then guide the seller through align, clarify and assure."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.classify import Classifier, Diagnosis, ObjectionClassifier, load_objection_classifier
from bot.config import Settings
from bot.language import detect_language
from bot.learn import load_team_model, team_model_path
from bot.llm import LLM, LLMFailure, Prompt
from bot.playbooks import BrushOff, Playbooks, load_brush_offs, load_playbooks
from bot.resources import data_dir
from bot.store import Store
from bot.taxonomy import KINDS, LABELS, check_label

MAX_CHARS = 4000
# Diagnosis and rendering are pure CPU under the GIL: letting dozens of threads run them at once starves the
# threads that must acknowledge Slack within 3 s, so they run one at a time (about 1.5 ms each).
_CPU_BOUND = threading.Lock()
log = logging.getLogger(__name__)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class EmptyObjection(ValueError):
    """There is no objection text to coach."""


class NotAnObjection(EmptyObjection):
    """The text is no buyer objection (a greeting, thanks, a test, gibberish, a request): nothing to coach.
    A kind of EmptyObjection, so every surface answers it with its usage help."""


@dataclass(frozen=True)
class Objection:
    """Cleaned objection text, plus what the cleaning had to do."""

    text: str
    truncated: bool = False

    @classmethod
    def parse(cls, raw: str | None, limit: int = MAX_CHARS) -> Objection:
        text = _CONTROL.sub("", raw or "").strip()
        if not text:
            raise EmptyObjection("there is no objection text")
        if len(text) <= limit:
            return cls(text)
        cut = text[:limit]
        if not text[limit].isspace() and " " in cut:
            cut = cut[: cut.rfind(" ")]
        return cls(cut.rstrip(), truncated=True)


@dataclass
class Guidance:
    label: str
    confidence: float
    language: str
    align: str
    clarify: str
    assure: str
    talk_track: str
    question: str | None
    source: str
    notes: list[str] = field(default_factory=list)
    coaching_id: int | None = None  # its row in the coaching log

    def as_json(self) -> dict[str, Any]:
        """The public JSON shape (`coach ask --json`)."""
        data = asdict(self)
        del data["notes"], data["coaching_id"]
        return data


@dataclass
class Answer:
    """A reply to the seller's own question inside a coaching thread."""

    label: str
    language: str
    heading: str
    lines: list[str]
    source: str
    notes: list[str] = field(default_factory=list)


# A seller asking the coach, rather than reporting the buyer. Some openings only a seller uses ("¿qué le digo?",
# "any tips?"); the rest a buyer uses too ("can I cancel any time?", "how do I know it works?", "¿y si no
# funciona?"), so they count only when what follows is about the buyer or is a seller's move.
_SELLER_ONLY = re.compile(
    r"^(help me|any (tips|ideas|advice)|what (do|should) i do|qu[ée] (le |les )?(digo|respondo|contesto)|"
    r"qu[ée] hago|c[óo]mo (le |les )?(respondo|contesto|manejo)|alg[úu]n consejo)\b",
    re.I,
)
_SELLER_IF = re.compile(
    r"^(what if|what about|what (do|should|can) i|how (do|should|can) i|should i|can i|could i|do i|y si|"
    r"deber[íi]a|puedo|c[óo]mo)\s+((i|le|les|me|se lo)\s+)?("
    # the buyer, in the third person
    r"(they|he|she|their|them|the (buyer|client|customer|prospect|cfo|ceo|cto|board|champion)|"
    r"my (buyer|client|contact|champion)|(el|la|mi) (cliente|clienta|comprador|compradora|director\w*|jef[ea])|"
    r"él|ella|ellos|ellas|pide|piden|pregunta|preguntan|dice|dicen|insiste|insisten|exige|exigen|se queja)\b"
    # or a seller's move
    r"|(offer|say|tell|push|mention|propose|suggest|respond|reply|answer|handle|approach|frame|lower|drop|"
    r"bring up|follow up|get (them|him|her)|ask (them|him|her|for|about))"
    r"|(ofre[cz]|dec(ir|irle|irles)\b|dig[oa]\b|mencion|propon|suger|sugier|respond|contest|insist|(re)?bajar|"
    r"darle|doy|manej|abord|plante))",
    re.I,
)
# What may come before the first word: spaces, the opening ¿ and ¡, quotes, Slack's "> " quote marker.
_LEADING = " \t\n¿¡\"'“”‘’«»„>`*_"


def is_seller_question(text: str) -> bool:
    """Whether the seller is asking the coach something (answered from the playbook) rather than reporting
    what the buyer said (coached as an objection)."""
    opening = text.lstrip(_LEADING)
    return bool(_SELLER_ONLY.match(opening) or _SELLER_IF.match(opening))


# Which playbook field answers a seller's question, by what it is about.
_QUESTION_TOPICS = (
    ("assure", re.compile(r"referen|proof|prueba|testimon|case stud|caso de [ée]xito|evidence|evidencia", re.I)),
    ("pitfalls", re.compile(r"price|pric|discount|cheaper|precio|descuento|rebaja|deadline|plazo", re.I)),
    ("talk_tracks", re.compile(r"\bsay\b|word|phrase|respond|reply|answer|digo|decir|respondo|contesto", re.I)),
    ("questions", re.compile(r"\bask\b|question|pregunt|find out|averiguar", re.I)),
    ("clarify", re.compile(r"explain|example|show|demo|explic|ejemplo|mostrar", re.I)),
)


_DELIMITERS = re.compile(r"<\s*/?\s*(buyer_objection|deal_context|thread_history|thread)\s*>", re.I)


def as_prompt_data(text: str) -> str:
    """Text for inside a prompt delimiter: it may not open or close one of our delimiters itself."""
    return _DELIMITERS.sub("", text)


class Coach:
    """Holds what coaching needs (playbooks, classifier, store) and loads each piece on first use."""

    # how often a workspace's kept model file (`coach learn`) is looked at: not on every diagnosis
    model_check_seconds = 10.0

    def __init__(self, settings: Settings, store: Store | None = None):
        self.settings = settings
        self._store = store
        # team ID -> (when last looked at, the model file's identity then, its classifier or None: shipped)
        self._team_models: dict[str, tuple[float, tuple[int, int] | None, Classifier | None]] = {}

    @cached_property
    def playbooks(self) -> Playbooks:
        return load_playbooks(self.settings.playbooks_dir)

    @cached_property
    def brush_offs(self) -> dict[str, BrushOff]:
        return load_brush_offs(self.settings.playbooks_dir)

    @cached_property
    def classifier(self) -> Classifier:
        kinds = {name: tuple(b.kinds) for name, b in self.brush_offs.items()}
        return load_objection_classifier(self.playbooks.examples_dir, self.settings.cache_dir, kinds)

    @cached_property
    def store(self) -> Store:
        return self._store or Store(self.settings.db_path)

    @cached_property
    def llm(self) -> LLM | None:
        return LLM(self.settings, self.store) if self.settings.llm_enabled else None

    @cached_property
    def _jinja(self) -> Environment:
        return Environment(
            loader=FileSystemLoader(data_dir("prompts")),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,  # plain text; Slack escaping happens in bot/slack/blocks.py
        )

    @cached_property
    def _templates(self) -> Any:
        return self._jinja.get_template("offline.j2").module

    def kind_names(self, lang: str) -> dict[str, str]:
        return {label: pb.text("name", lang) for label, pb in self.playbooks.resistance.items()}

    def obstacle_names(self, lang: str) -> dict[str, str]:
        return {kind: pb.text("name", lang) for kind, pb in self.playbooks.obstacles.items()}

    def classifier_for(self, team_id: str | None) -> Classifier:
        """The workspace's own model if `coach learn` kept one for it, else the shipped one. A model kept while
        the coach runs is picked up within `model_check_seconds`."""
        if not team_id:
            return self.classifier
        now = time.monotonic()
        checked, identity, classifier = self._team_models.get(team_id, (None, None, None))
        if checked is not None and now - checked < self.model_check_seconds:
            return classifier or self.classifier
        path = team_model_path(self.settings, team_id)
        try:
            stat = path.stat() if path else None
        except OSError:
            stat = None
        current = (stat.st_mtime_ns, stat.st_ino) if stat else None
        if current != identity or checked is None:
            classifier = None
            if path and current:
                try:
                    kinds = {name: tuple(b.kinds) for name, b in self.brush_offs.items()}
                    classifier = ObjectionClassifier(load_team_model(path), kinds)
                except Exception:  # a broken file must not stop coaching: the shipped model answers
                    log.exception("workspace %s: cannot load its model %s; using the shipped one", team_id, path)
        self._team_models[team_id] = (now, current, classifier)
        return classifier or self.classifier

    def diagnose(self, text: str, team_id: str | None = None) -> Diagnosis:
        return self.classifier_for(team_id).diagnose(text)

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
    ) -> Guidance:
        """Coach one objection, through the LLM when one is configured (unless `offline`), else (or when the
        model fails) from the playbooks. `label` overrides the diagnosis (the seller corrected it). Logged."""
        objection = Objection.parse(raw_text)
        context = Objection.parse(context).text if context and context.strip() else None
        with _CPU_BOUND:
            diagnosis = self.diagnose(objection.text, team_id)
            if label is None and diagnosis.not_objection:  # before any model call or log entry
                raise NotAnObjection("the text is not something a buyer said")
            if label is not None:
                check_label(label)
                diagnosis = Diagnosis(label, 1.0, {**diagnosis.scores, label: 1.0})
            guidance = self.offline_guidance(objection, diagnosis, context)
            prompt = None if offline or self.llm is None else self.prompt(objection, diagnosis, context, history,
                                                                           guidance.language, label)
        if prompt is not None:
            guidance = self._through_llm(prompt, guidance, label)
        guidance.coaching_id = self.store.log_coaching(
            text=objection.text,
            context=context,
            label=guidance.label,
            confidence=guidance.confidence,
            language=guidance.language,
            source=guidance.source,
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
    ) -> Prompt:
        """The model's prompt: instructions in the system part; playbooks and the delimited buyer text in the user
        part, never the other way round."""
        ranked = sorted(diagnosis.scores.items(), key=lambda item: item[1], reverse=True)
        top = [forced_label] if forced_label else [label for label, _ in ranked[:2]]
        system = self._jinja.get_template("coach_system.j2").render(kinds=KINDS, labels=LABELS)
        user = self._jinja.get_template("coach_user.j2").render(
            language=language,
            forced_label=forced_label,
            candidates=ranked[:3],
            playbooks=[self.playbooks[label] for label in top],
            context=as_prompt_data(context) if context else None,
            history=[{"role": t["role"], "text": as_prompt_data(t["text"])} for t in (history or [])],
            objection=as_prompt_data(objection.text),
            brush_off=None if forced_label else self.brush_offs.get(diagnosis.brush_off or ""),
        )
        return Prompt(system=system.strip(), user=user.strip())

    def _through_llm(self, prompt: Prompt, offline: Guidance, forced_label: str | None) -> Guidance:
        """The model's guidance, or the offline guidance with a note saying why the model was not used."""
        assert self.llm is not None
        t = self._templates
        try:
            answer, _cached = self.llm.coach(prompt)
        except LLMFailure as failure:
            offline.notes.insert(1, str(t.fallback_note(failure.kind, offline.language)))
            return offline
        return Guidance(
            label=forced_label or answer.label,
            confidence=1.0 if forced_label else round(answer.confidence, 4),
            language=offline.language,
            align=answer.align,
            clarify=answer.clarify,
            assure=answer.assure,
            talk_track=answer.talk_track,
            question=answer.question,
            source="llm",
            notes=[str(t.llm_note(self.llm.model, offline.language)), *offline.notes[1:]],
        )

    def answer(self, raw_question: str, label: str) -> Answer:
        """Answer the seller's question about a thread's objection from that kind's playbook."""
        question = Objection.parse(raw_question)
        detected = detect_language(question.text)
        lang = detected if detected in ("en", "es") else "en"
        playbook = self.playbooks[check_label(label)]
        topic = next((name for name, pattern in _QUESTION_TOPICS if pattern.search(question.text)), None)
        if topic:
            lines = playbook.lines(topic, lang)
        else:
            lines = [playbook.text("next_move", lang), *playbook.lines("align", lang)]
        t = self._templates
        notes = [str(t.source_note(lang))]
        if detected == "other":
            notes.append(str(t.language_note()))
        heading = str(t.answer_heading(playbook, lang, topic or "next_move")).strip()
        return Answer(label=label, language=lang, heading=heading, lines=lines, source="offline", notes=notes)

    def offline_guidance(self, objection: Objection, diagnosis: Diagnosis, context: str | None) -> Guidance:
        t = self._templates
        detected = detect_language(objection.text)
        lang = detected if detected in ("en", "es") else "en"
        playbook = self.playbooks[diagnosis.label]
        tracks = playbook.lines("talk_tracks", lang)
        pick = int(hashlib.sha256(objection.text.encode()).hexdigest(), 16) % len(tracks)
        question = self.diagnostic_question(diagnosis, lang)
        notes = [str(t.source_note(lang))]
        if objection.truncated:
            notes.append(str(t.truncated_note(MAX_CHARS, lang)))
        if detected == "other":
            notes.append(str(t.language_note()))
        return Guidance(
            label=diagnosis.label,
            confidence=diagnosis.confidence,
            language=lang,
            align=str(t.align(playbook, lang, context)).strip(),
            clarify=str(t.moves(playbook, lang, "clarify")).strip(),
            assure=str(t.moves(playbook, lang, "assure")).strip(),
            talk_track=tracks[pick],
            question=question,
            source="offline",
            notes=notes,
        )

    def diagnostic_question(self, diagnosis: Diagnosis, lang: str) -> str | None:
        """What to ask before answering, when the words alone do not settle the kind: for a brush-off, that it
        usually hides the real resistance and the questions that bring it out; else a question per kind in
        play. None when the diagnosis is sure (or the seller chose the label)."""
        if not diagnosis.asks_first:
            return None
        t = self._templates
        if diagnosis.brush_off in self.brush_offs:
            return str(t.brush_off_question(self.brush_offs[diagnosis.brush_off], lang)).strip()
        in_play = list(diagnosis.in_play) or [diagnosis.label, diagnosis.runner_up()]
        return str(t.question([self.playbooks[kind] for kind in in_play], lang)).strip()
