"""The in-memory caches of Slack's answers: trusted for their time, asked again after it, and bounded."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from bot.slack.audience import UNKNOWN_TTL, Audience
from bot.slack.home import GROUP_RETRY_TTL, GROUP_TTL, Managers, Refresher


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Slack:
    """conversations.info and usergroups.users.list, counted; `failing` answers with an error."""

    def __init__(self, shared: set[str] | None = None, members: list[str] | None = None):
        self.shared, self.members = shared or set(), members or []
        self.calls: list[str] = []
        self.failing = False

    def conversations_info(self, channel: str) -> dict[str, Any]:
        self.calls.append(channel)
        if self.failing:
            raise SlackApiError("missing_scope", {"ok": False, "error": "missing_scope"})
        return {"channel": {"id": channel, "is_ext_shared": channel in self.shared}}

    def usergroups_users_list(self, usergroup: str) -> dict[str, Any]:
        self.calls.append(usergroup)
        if self.failing:
            raise SlackApiError("ratelimited", {"ok": False, "error": "ratelimited"})
        return {"users": self.members}


def test_a_channels_state_is_asked_once_per_ttl():
    clock, slack = Clock(), Slack(shared={"CEXT"})
    audience = Audience(ttl=300, timer=clock)
    assert audience.outsiders_can_read(slack, "T1", "CEXT") and not audience.outsiders_can_read(slack, "T1", "C1")
    clock.now += 299
    assert audience.outsiders_can_read(slack, "T1", "CEXT")
    assert slack.calls == ["CEXT", "C1"]
    clock.now += 2
    audience.outsiders_can_read(slack, "T1", "CEXT")
    assert slack.calls == ["CEXT", "C1", "CEXT"]


def test_an_unknown_state_counts_as_shared_and_is_asked_again_sooner():
    clock, slack = Clock(), Slack()
    slack.failing = True
    audience = Audience(timer=clock)
    assert audience.outsiders_can_read(slack, "T1", "C1")  # unknown: shared
    slack.failing = False
    clock.now += UNKNOWN_TTL + 1
    assert not audience.outsiders_can_read(slack, "T1", "C1")
    assert slack.calls == ["C1", "C1"]


def test_dms_are_never_asked_about_and_the_cache_is_bounded():
    slack = Slack()
    audience = Audience(size=2)
    assert not audience.outsiders_can_read(slack, "T1", "D1") and slack.calls == []
    for channel in ("C1", "C2", "C3"):
        audience.outsiders_can_read(slack, "T1", channel)
    audience.outsiders_can_read(slack, "T1", "C1")  # the least recently asked about was dropped
    assert slack.calls == ["C1", "C2", "C3", "C1"]


def test_a_manager_group_is_read_once_per_ttl_and_sooner_after_a_failure():
    clock, slack = Clock(), Slack(members=["UMGR"])
    managers = Managers(("ULEAD", "SLEADS"), timer=clock)
    assert managers.includes(slack, "T1", "ULEAD") and slack.calls == []  # named: no call
    assert managers.includes(slack, "T1", "UMGR") and not managers.includes(slack, "T1", "U1")
    assert slack.calls == ["SLEADS"]
    clock.now += GROUP_TTL + 1
    slack.failing = True
    assert not managers.includes(slack, "T1", "UMGR")  # unknown members see the seller's view
    slack.failing = False
    clock.now += GROUP_RETRY_TTL + 1
    assert managers.includes(slack, "T1", "UMGR")
    assert slack.calls == ["SLEADS"] * 3


def test_the_home_tab_viewers_are_bounded():
    refresher = Refresher(size=2)
    for user in ("U1", "U2", "U3"):
        refresher.published("T1", user)
    assert ("T1", "U1") not in refresher.viewers and len(refresher.viewers) == 2
