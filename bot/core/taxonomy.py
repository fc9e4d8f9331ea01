"""The five kinds of buyer resistance: the single source of truth for their labels and meanings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema


@dataclass(frozen=True)
class Kind:
    label: str
    title: str
    meaning: str


KINDS: tuple[Kind, ...] = (
    Kind(
        "missing",
        "Missing perception",
        "The buyer has no picture at all of something that matters: what we do, how it works or is priced, "
        "who we are, or why it would matter to them.",
    ),
    Kind(
        "incomplete",
        "Incomplete perception",
        "The buyer sees part of the picture but a specific piece is absent, such as what the price includes "
        "or how the product fits their case.",
    ),
    Kind(
        "incorrect",
        "Incorrect perception",
        "The buyer holds a belief that is wrong and states it as fact, about the product, the price, the "
        "roll-out or us.",
    ),
    Kind(
        "skepticism",
        "Skepticism",
        "The buyer doubts that the promised results will show up, that the vendor will still be around, or "
        "that the seller will stay involved after signing.",
    ),
    Kind(
        "major_concern",
        "Major concern",
        "The buyer has a substantive worry about the vendor, the product or the technology (obsolescence, "
        "security, lock-in) or about whether this is a sound decision for the company right now.",
    ),
)

LABELS: tuple[str, ...] = tuple(k.label for k in KINDS)
BY_LABEL: dict[str, Kind] = {k.label: k for k in KINDS}


def check_label(label: str) -> str:
    """Return `label` if it is one of the five, else raise ValueError naming the valid ones."""
    if label not in BY_LABEL:
        raise ValueError(f"unknown label {label!r}; expected one of: {', '.join(LABELS)}")
    return label


# What an objection is about (bot/models/topics.py detects it); the same sixteen for coaching, practice and the profile.
TOPICS: tuple[str, ...] = (
    "price", "budget", "timing", "priority", "incumbent", "status_quo", "integration", "security",
    "implementation", "adoption", "support", "vendor_viability", "results", "authority", "fit", "contract",
)


def check_topic(topic: str) -> str:
    """Return `topic` if it is one of the sixteen, else raise ValueError naming them (a pydantic validator too)."""
    if topic not in TOPICS:
        raise ValueError(f"must be one of {', '.join(TOPICS)}")
    return topic


# The buyer-side obstacles to change that a deal-room summary looks for.
OBSTACLES: tuple[Kind, ...] = (
    Kind(
        "misalignment",
        "Misalignment",
        "People at the buyer disagree that there is a problem, or disagree on how to solve it.",
    ),
    Kind(
        "politics",
        "Politics",
        "Resistance about credit, turf or power rather than about the change itself.",
    ),
    Kind(
        "competing_priorities",
        "Competing priorities",
        "Another initiative competes for the same budget or time; the real decider may not have been met yet.",
    ),
    Kind(
        "uncertainty",
        "Uncertainty",
        "The environment (supply chain, inflation, staffing, regulation) makes them wait and see.",
    ),
    Kind(
        "consensus",
        "Lack of consensus",
        "Holdouts can stall the decision by withholding support, and the champion spends relationship capital.",
    ),
)
OBSTACLE_KINDS: tuple[str, ...] = tuple(k.label for k in OBSTACLES)
# When several obstacles are present, the one to work on first: an unseen decider or stalled consensus stops a
# deal outright; politics and misalignment slow it; uncertainty is the environment and moves last.
OBSTACLE_PRIORITY: tuple[str, ...] = ("competing_priorities", "consensus", "politics", "misalignment", "uncertainty")


def check_obstacle(kind: str) -> str:
    """Return `kind` if it is one of the five obstacles, else raise ValueError naming them."""
    if kind not in OBSTACLE_KINDS:
        raise ValueError(f"must be one of {', '.join(OBSTACLE_KINDS)}")
    return kind


def one_of(values: tuple[str, ...]) -> WithJsonSchema:
    """A string field's JSON schema listing the values it may take."""
    return WithJsonSchema({"type": "string", "enum": list(values)})


# The checks above as pydantic field types, for every file and answer that names a kind, topic or obstacle (the
# playbooks, scenarios, labelled replies, the model's answers); their JSON schema lists the values.
Label = Annotated[str, AfterValidator(check_label), one_of(LABELS)]
Topic = Annotated[str, AfterValidator(check_topic), one_of(TOPICS)]
ObstacleKind = Annotated[str, AfterValidator(check_obstacle), one_of(OBSTACLE_KINDS)]
