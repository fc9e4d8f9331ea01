"""Fixtures for calling Bolt listeners directly, as Slack's templates test theirs: a mock `ack`, `respond` and
`client`, and Deps over a fresh SQLite store (the coach itself a mock unless a test needs real coaching)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from unittest.mock import Mock

import pytest

from bot.core.config import load_settings
from bot.slack.deps import Deps
from bot.store import Store, open_store
from tests.bolt.fakes import Readers, fake_client


@pytest.fixture
def client() -> Mock:
    return fake_client()


@pytest.fixture
def ack() -> Mock:
    return Mock(name="ack")


@pytest.fixture
def respond() -> Mock:
    return Mock(name="respond")


@pytest.fixture
def store() -> Iterator[Store]:
    opened = open_store(load_settings())
    yield opened
    opened.close()


@pytest.fixture
def deps(store: Store) -> Deps:
    """Deps whose coach and summariser are mocks: for listeners that only read, store and answer."""
    return Deps(coach=Mock(name="coach"), store=store, summarizer=Mock(name="summarizer"), audience=Readers())


@pytest.fixture
def coaching_deps(shared_coach: Any) -> Deps:
    """Deps with the real coach (playbooks and trained classifier) and its store, for listeners that coach."""
    return Deps(coach=shared_coach, store=shared_coach.store, summarizer=Mock(name="summarizer"), audience=Readers())


@pytest.fixture
def team() -> str:
    """A workspace of this test's own: the coach's store is shared by the session's tests."""
    return f"T{uuid.uuid4().hex[:8].upper()}"
