"""How `deps` reaches a listener: the provide_deps middleware puts it in the request's context, Bolt passes
context keys by name to ack functions and, through the deep copy it makes for them, to lazy listeners."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any
from unittest.mock import Mock

from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.kwargs_injection import build_required_kwargs
from slack_sdk import WebClient

from bot.slack import listeners
from bot.slack.blocks import usage_fallback
from bot.slack.deps import Deps, provide_deps
from bot.slack.replies import notice, reported
from tests.bolt.fakes import command, fake_client

log = logging.getLogger(__name__)


def _request(deps: Deps, body: dict[str, Any], client: Any = None) -> BoltRequest:
    request = BoltRequest(body=body, mode="socket_mode")
    request.context["deps"] = deps
    if client is not None:
        request.context["client"] = client
    return request


def _kwargs(request: BoltRequest, *names: str) -> dict[str, Any]:
    """The arguments Bolt gives a listener naming `names` (as its listener runners call it)."""
    return build_required_kwargs(logger=log, required_arg_names=list(names), request=request, response=None)


def test_the_middleware_puts_deps_in_the_context(deps):
    context: dict[str, Any] = {}
    after = Mock()
    provide_deps(deps)(context=context, next=after)
    assert context["deps"] is deps and after.call_count == 1


def test_bolt_passes_deps_by_name_and_a_lazy_listeners_copy_keeps_the_same_one(deps):
    request = _request(deps, command("help"))
    assert _kwargs(request, "body", "deps")["deps"] is deps
    lazy = copy.deepcopy(request.to_copyable())  # what Bolt hands a lazy listener
    assert lazy.context["deps"] is deps and _kwargs(lazy, "deps")["deps"] is deps


def test_reported_passes_deps_from_the_context_and_tells_the_asker_of_a_failure(deps):
    seen = []

    def listener(body: dict[str, Any], deps: Deps) -> None:
        seen.append(deps)
        raise RuntimeError("boom")

    client = fake_client()
    request = _request(deps, {"type": "event_callback", "event": {"user": "U1", "channel": "C1", "text": "hi"}},
                       client)
    reported(listener)(**_kwargs(request, "args"))
    assert seen == [deps]
    (told,) = client.chat_postEphemeral.call_args_list
    assert told.kwargs["text"] == notice("error", "en")


def test_a_command_reaches_its_listener_through_the_registered_app(deps):
    # a real client (Bolt builds each request's own from it) that `help` never uses: answered in the ack
    client = WebClient(base_url="http://127.0.0.1:9/")  # its token comes from `authorize`
    app = App(signing_secret="unit", client=client, request_verification_enabled=False,
              process_before_response=True,
              authorize=lambda **_: AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-unit",
                                                    bot_user_id="UBOT", bot_id="B1"))
    listeners.register(app, deps)
    response = app.dispatch(BoltRequest(body=command("help"), mode="socket_mode"))
    assert response.status == 200 and json.loads(response.body)["text"] == usage_fallback("en")
