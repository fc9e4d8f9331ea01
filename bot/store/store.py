"""`Store`: every operation on the coach's data, one repository per aggregate, over one database connection.

Each repository (a `Backend` subclass, bot/store/base.py) holds the SQL of one aggregate, written once in SQL both
SQLite and PostgreSQL run; `SQLiteStore` (bot/store/sqlite.py) and `PostgresStore` (bot/store/pg.py) supply the
connection, the transaction and the few dialect hooks. Callers keep one handle (`open_store(settings)`,
bot/store/__init__.py) and never know which database it is. A new operation goes in its aggregate's module; a
new aggregate is a new module, listed here.
"""

from __future__ import annotations

from bot.store.agent import AgentViewRecords
from bot.store.calls import CallRecords
from bot.store.coachings import CoachingRecords
from bot.store.deals import DealRecords
from bot.store.deliveries import DeliveryRecords
from bot.store.home import HomeQueries
from bot.store.installations import InstallationRecords
from bot.store.learning import LearningRecords
from bot.store.llm import LLMRecords
from bot.store.nudges import NudgeRecords
from bot.store.outcomes import OutcomeQueries
from bot.store.people import PeopleRecords
from bot.store.practice import PracticeRecords
from bot.store.retention import Retention
from bot.store.team import TeamQueries
from bot.store.threads import ThreadRecords


class Store(CoachingRecords, ThreadRecords, DeliveryRecords, AgentViewRecords, LLMRecords, DealRecords,
            OutcomeQueries, NudgeRecords, PeopleRecords, PracticeRecords, CallRecords, InstallationRecords, HomeQueries,
            TeamQueries, LearningRecords, Retention):
    """Every repository over one database: the backends (SQLite, PostgreSQL) subclass this."""
