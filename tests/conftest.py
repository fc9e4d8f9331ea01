"""Every test gets a fresh database and working folder; the trained classifier is shared per session."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import Settings, load_settings, reveal
from bot.store import Store, open_store

_ENV = (
    "COACH_DB", "COACH_CACHE_DIR", "COACH_PLAYBOOKS", "OPENAI_API_KEY", "OPENAI_BASE_URL", "COACH_MODEL",
    "COACH_LLM_TIMEOUT", "COACH_LLM_CONTEXT", "COACH_STALL_DAYS", "COACH_NUDGE_DAY", "COACH_NUDGE_HOUR",
    "COACH_NUDGE_PACE", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "PORT",
    "COACH_RETENTION_DAYS", "COACH_TEXT_RETENTION_DAYS", "COACH_DATABASE_URL",
    "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "COACH_MANAGERS", "COACH_REPORT_CHANNEL", "COACH_TEAM",
)


# Under pytest-xdist, the tests that run on one worker, ahead of the rest: the workspace-training tests share one
# session's encoding of the shipped examples (`encoded_once` below), the longest single piece of work; the
# classifier and model tests encode some of the same texts (shipped examples, held-out files), which on another
# worker would be encoded a second time. By node id prefix: xdist's own `xdist_group` mark is lost under pytest 9
# (it renames `item._nodeid`, which pytest no longer reads).
TOGETHER_FIRST = {
    "encoded": ("tests/test_learn.py::", "tests/test_classify.py::", "tests/test_models.py::",
                "tests/e2e/test_workspaces.py::test_a_workspace_learned_model_changes_its_own_diagnosis_only"),
}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Under pytest-xdist (`pytest -q -n 2`, the README's command): each worker runs whole modules, so what a module
    shares (a served app, a coach, a module's learned models) is set up once, not once per worker, and the
    TOGETHER_FIRST groups run on one worker each, first. `--dist each`, `loadfile` or `worksteal` are left as
    asked."""
    if config.getoption("dist") not in ("load", "loadscope", "loadgroup"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            for group, prefixes in TOGETHER_FIRST.items():
                if nodeid.startswith(prefixes):
                    return "@" + group
            return nodeid.split("::", 1)[0]

        def _assign_work_unit(self, node: object) -> None:
            for scope in [s for s in self.workqueue if s.startswith("@")]:
                self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return ModulesAndGroups(config, log)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, model_cache: Path) -> None:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer .env is read
    monkeypatch.setenv("COACH_DB", str(tmp_path / "coach.db"))
    monkeypatch.setenv("COACH_CACHE_DIR", str(model_cache))


@pytest.fixture
def cues_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Speakers' sides from the cue grammar alone, as when the learned side model is not shipped
    (bot/calls/side_model.py): for tests of the cues' own say, and of what happens when sides are unsure (the
    model places both writers of tests/data/calls/thread_en.eml; the cues alone do not)."""
    from bot.calls import side_model

    monkeypatch.setattr(side_model, "shipped", lambda: None)


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def shared_coach(tmp_path_factory: pytest.TempPathFactory, model_cache: Path):
    """One coach (playbooks + trained classifier) for read-only tests; it logs to its own database."""
    from bot.services.coach import Coach

    base = load_settings()
    fields = {**base.__dict__, "db_path": tmp_path_factory.mktemp("shared") / "coach.db", "cache_dir": model_cache}
    fields["playbooks_dir"] = None
    return Coach(Settings(**fields))


def with_loaded(coach: Any, loaded: Any) -> Any:
    """`coach` (a bot.services.coach.Coach), holding `loaded`'s playbooks and models when it would read the same
    ones (the same playbooks folder and model cache): they are read-only once loaded, and loading them took a
    fifth of a second per test. What else a Coach holds (its store, its model client) stays its own."""
    if (coach.settings.playbooks_dir, coach.settings.cache_dir) == (loaded.settings.playbooks_dir,
                                                                    loaded.settings.cache_dir):
        for name in ("playbooks", "brush_offs", "classifier", "topic_detector"):
            coach.__dict__[name] = getattr(loaded, name)  # what the cached_property would have loaded
    return coach


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """One throwaway PostgreSQL server for the session (tests/pgserver.py); each test gets its own database."""
    from tests.pgserver import NoPostgres, start_server

    try:
        server = start_server(in_memory=True)
    except NoPostgres as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests, but no server could be started: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: no server could be started on this machine ({exc}); "
                    "install the `postgresql` package, or run .ci/run")
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:  # noqa: ANN001 (tests.pgserver.PostgresServer, imported lazily)
    return pg_server.create_database()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs the test once per store: the SQLite file in COACH_DB, then a fresh PostgreSQL database."""
    if request.param == "postgres":
        monkeypatch.setenv("COACH_DATABASE_URL", request.getfixturevalue("pg_url"))
    return request.param


@pytest.fixture
def store_target(backend: str) -> str:
    """What bot.store.connect() takes for this backend: the database URL or the SQLite path."""
    settings = load_settings()
    return reveal(settings.database_url) or str(settings.db_path)


@pytest.fixture(scope="session", autouse=True)
def encoded_once() -> Iterator[None]:
    """Each text is encoded by the sentence encoder once a session: the encoder's query cache (bot/models/encoder.py,
    2,048 texts in the running app) holds every text here. Encoding is deterministic and does not depend on the
    other texts of a batch, so a vector from the cache is the one encoding would give; training a workspace model
    (`coach learn`) reads the 2,856 shipped examples' concerns, which took two minutes per training without it.
    tests/test_encoder.py checks the bounded cache itself with one of its own."""
    from cachetools import LRUCache

    from bot.models import encoder

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(encoder, "_queries", LRUCache(maxsize=1_000_000))
        yield


@pytest.fixture(scope="session", autouse=True)
def parsed_once() -> Iterator[None]:
    """Each YAML text is parsed once a session: every Coach, `coach` command and app a test starts reads the same
    playbooks (pure-Python PyYAML, a quarter of a second each time, a third of some test files' time). A text
    parsed before gives a deep copy of what parsing it gave, so a caller may change what it got; anything other
    than a string, and a text that does not parse, goes to PyYAML as before."""
    import copy

    import yaml

    parse = yaml.safe_load
    parsed: dict[str, object] = {}

    def once(stream):  # noqa: ANN001, ANN202 (yaml.safe_load's own signature)
        if not isinstance(stream, str):
            return parse(stream)
        if stream not in parsed:
            parsed[stream] = parse(stream)
        return copy.deepcopy(parsed[stream])

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(yaml, "safe_load", once)
        yield


@pytest.fixture(scope="session")
def train_once() -> Iterator[None]:
    """`coach learn` trains on the shipped examples plus a workspace's own; the tests that learn the same examples
    (tests/test_learn.py, tests/e2e/test_workspaces.py, on both stores), in whatever order their corrections
    arrived, train them once a session. Training is deterministic; each learn() still scores the model, keeps or
    refuses it and stores what it kept."""
    from bot.services import learn

    train = learn.train_objections
    models: dict[tuple[tuple[str, str], ...], object] = {}

    def once(examples):  # noqa: ANN001, ANN202
        key = tuple(sorted((e.text, e.label) for e in examples))
        if key not in models:
            models[key] = train(examples)
        return models[key]

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(learn, "train_objections", once)
        yield


@pytest.fixture
def store(backend: str) -> Iterator[Store]:
    opened = open_store(load_settings())
    yield opened
    opened.close()



@pytest.fixture(scope="session")
def example_coach(tmp_path_factory: pytest.TempPathFactory, model_cache: Path):
    """A coach whose team profile is the annotated example (playbooks/team.example.yaml)."""
    from bot.core.config import Settings, load_settings
    from bot.core.resources import data_dir
    from bot.services.coach import Coach

    team = tmp_path_factory.mktemp("example-team")
    (team / "team.yaml").write_text((data_dir("playbooks") / "team.example.yaml").read_text(encoding="utf-8"),
                                    encoding="utf-8")
    fields = {**load_settings().__dict__, "db_path": team / "coach.db", "cache_dir": model_cache,
              "playbooks_dir": team}
    return Coach(Settings(**fields))


@dataclass
class Ran:
    """What one `coach` command did: its exit code and what it printed."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Ran]:
    """Run `coach ARGS…` in this process (bot.cli.main, as the `coach` script does), with `stdin` as its input:
    the exit code and what it printed. Models load from the session's cache instead of a new interpreter
    starting each time; tests/test_cli.py and tests/test_packaging.py run the real entry point. `serve` fails
    here if it would start serving, rather than serve for ever."""
    from bot.cli import main

    def no_serving(*_: object, **__: object) -> None:
        raise AssertionError("`coach serve` started serving in a test that expected it to stop first")

    monkeypatch.setattr("bot.slack.app.http_server", no_serving)

    def run(*args: str, stdin: str = "") -> Ran:
        capsys.readouterr()  # what was printed before is not this command's
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors, as the process would exit
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run

