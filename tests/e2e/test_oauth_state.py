"""An OAuth state is good once, whatever the outcome of the redirect that used it (issue #19, item 15), over HTTP
through Bolt's install flow, on SQLite and PostgreSQL. Bolt consumes a state only on its way to a successful
install; an `error=` redirect (the admin cancelled) left it usable, with the state now in logs, browser history
and referrers."""

from __future__ import annotations

from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from tests.e2e.conftest import install, install_page


def test_an_oauth_state_used_by_an_error_redirect_cannot_complete_an_install(multi):
    bot, store = multi, multi.deps.store
    bot.slack.oauth_codes["code-T2"] = ("T2", "xoxb-two")
    state, cookie = install_page(bot)
    # the admin cancels: Slack redirects with error= and the state (which is now in logs, history, referrers)
    cancelled = Request(f"{bot.url}/slack/oauth_redirect?error=access_denied&state={state}",
                        headers={"Cookie": cookie})
    with urlopen(cancelled, timeout=10) as page:
        assert page.status == 200 and "access_denied" in page.read().decode()
    # the same state, with a code, in the same browser: refused
    replay = Request(f"{bot.url}/slack/oauth_redirect?code=code-T2&state={state}", headers={"Cookie": cookie})
    with pytest.raises(HTTPError) as refused:
        urlopen(replay, timeout=10)
    assert refused.value.code == 401
    assert store.installation(None, "T2") is None and bot.slack.of("oauth.v2.access") == []

    # a fresh state still installs (the refusal above was the state, not a broken flow)
    install(bot, "T2", "xoxb-two")
    assert store.installation(None, "T2")["bot_token"] == "xoxb-two"
