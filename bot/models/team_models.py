"""A workspace's own objection model (`coach learn`), as the store keeps it: the same data-only bytes as a cache
file (bot/models/persist.py), refused unread when they are not a model this version of the coach trained."""

from __future__ import annotations

from bot.models import persist
from bot.models.classify import BlendModel, trained_as_now


def dump_team_model(model: BlendModel) -> bytes:
    """The model as the store keeps it: the same data-only bytes as a cache file."""
    return persist.dumps(model)


def load_team_model(data: bytes) -> BlendModel:
    """The stored model, if this version of the coach trained it the same way; else ValueError (learn again).
    Bytes of an older coach (which pickled its models) or any other bytes are refused unread."""
    try:
        model = persist.loads(data, BlendModel)
    except persist.ModelDataError as exc:
        raise ValueError(f"the stored workspace model cannot be read: {exc}; `coach learn` rebuilds it") from exc
    return trained_as_now(model)
