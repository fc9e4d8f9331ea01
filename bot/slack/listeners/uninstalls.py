"""A workspace that removes the app (`app_uninstalled`) or revokes its tokens (`tokens_revoked`): its tokens go at
once, its data after COACH_RETENTION_DAYS. Subscribed with one bot token too (see manifest.yml)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.slack.audience import team_of
from bot.slack.deps import Deps
from bot.slack.installations import StoreInstallationStore


# an org-wide install's events name only the enterprise (no team_id): its installs are kept under it
def on_uninstalled(body: dict[str, Any], deps: Deps) -> None:
    StoreInstallationStore(deps.store).delete_all(enterprise_id=body.get("enterprise_id"),
                                                  team_id=body.get("team_id"))
    deps.store.mark_uninstalled(team_of(body), datetime.now(UTC))


def on_tokens_revoked(body: dict[str, Any], event: dict[str, Any], deps: Deps) -> None:
    installs = StoreInstallationStore(deps.store)
    tokens = event.get("tokens") or {}
    for user_id in tokens.get("oauth") or []:
        installs.delete_installation(enterprise_id=body.get("enterprise_id"), team_id=body.get("team_id"),
                                     user_id=user_id)
    if tokens.get("bot"):
        installs.delete_bot(enterprise_id=body.get("enterprise_id"), team_id=body.get("team_id"))
        deps.store.mark_uninstalled(team_of(body), datetime.now(UTC))
