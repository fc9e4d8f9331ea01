"""slack_sdk's installation and OAuth state stores over our store, so Bolt's OAuth flow (many workspaces)
keeps its tokens in the coach's own database, SQLite or PostgreSQL, shared by every replica."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from logging import Logger
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.store import Store, stamp

log = logging.getLogger(__name__)


class StoreInstallationStore(InstallationStore):
    def __init__(self, store: Store):
        self.store = store

    @property
    def logger(self) -> Logger:
        return log

    def save(self, installation: Installation) -> None:
        data: dict[str, Any] = dict(vars(installation))  # plain values only: the constructor takes them back
        self.store.save_installation(installation.enterprise_id, installation.team_id, installation.user_id, data,
                                     stamp(datetime.fromtimestamp(installation.installed_at, UTC)))

    def save_bot(self, bot: Bot) -> None:
        # Bolt saves the bot through save(); an install always carries its bot, so nothing more to keep
        return None

    def find_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
                          is_enterprise_install: bool | None = False) -> Installation | None:
        data = self.store.installation(enterprise_id, None if is_enterprise_install else team_id, user_id)
        return Installation(**data) if data else None

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        installation = self.find_installation(enterprise_id=enterprise_id, team_id=team_id,
                                              is_enterprise_install=is_enterprise_install)
        return installation.to_bot() if installation and installation.bot_token else None

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.store.delete_installations(enterprise_id, team_id)

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        self.store.delete_installations(enterprise_id, team_id, user_id)


class StoreOAuthStateStore(OAuthStateStore):
    """A state is good once, for `expiration_seconds`, on whichever replica the redirect lands: once whatever
    the outcome. Bolt consumes it only on the way to a successful install; `callback_options` burns it on
    every failure too (an `error=` redirect, a bad code, a browser without the state's cookie), so a state that
    has been seen in a failed redirect's URL (logs, history, a referrer) can no longer complete an install."""

    def __init__(self, store: Store, expiration_seconds: int = 600):
        self.store = store
        self.max_age = timedelta(seconds=expiration_seconds)

    @property
    def logger(self) -> Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        self.store.issue_oauth_state(state, datetime.now(UTC))
        return state

    def consume(self, state: str) -> bool:
        return self.store.consume_oauth_state(state, datetime.now(UTC), self.max_age)

    def callback_options(self) -> CallbackOptions:
        """Bolt's own install pages, with the redirect's state consumed when the install fails."""

        def failure(args: FailureArgs) -> BoltResponse:
            state = (args.request.query.get("state") or [None])[0]
            if state:
                self.consume(state)  # already consumed (a bad code after a good state) is fine: gone either way
            log.info("OAuth redirect failed (%s); its state can no longer be used", args.reason)
            return args.default.failure(args)

        return CallbackOptions(success=lambda args: args.default.success(args), failure=failure)
