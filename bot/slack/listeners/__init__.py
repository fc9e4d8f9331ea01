"""Every Bolt listener of the app, registered in one place.

Each module here holds one surface's listeners as top-level functions, which Bolt calls with the arguments
they name (`ack`, `body`, `client`, `respond`, ...) and `deps`, which the `provide_deps` middleware puts in each
request's context (bot/slack/deps.py). So a test calls a listener directly, with a mock `ack` and `client`.
Listener modules import shared flows (bot/slack/posting.py, coaching_threads.py, home.py, practice.py, ...),
never one another.

The order matters where two listeners could take the same request: Bolt runs the first one whose matchers do.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack import call_review, home
from bot.slack.blocks import FEEDBACK_ACTION, USED_ACTION
from bot.slack.deps import Deps, provide_deps
from bot.slack.listeners import (
    actions,
    agent,
    app_home,
    assistant,
    commands,
    files,
    messages,
    nudges,
    practice,
    shortcuts,
    team,
    uninstalls,
)
from bot.slack.replies import ack_now, reported


def register(app: App, deps: Deps) -> None:
    """`deps` reaches every listener through the context; each listener that works after its ack does so lazily,
    on the app's listener executor, and `reported` turns its failure into a short error the asker sees."""
    app.use(provide_deps(deps))

    # `/objection practice ...` first; `/objection` takes the rest
    app.command("/objection", matchers=[practice.is_practice])(ack=practice.acknowledge, lazy=[practice.start])
    app.command("/objection")(ack=commands.acknowledge, lazy=[reported(commands.run_subcommand)])
    app.action("practice_retry")(ack=ack_now, lazy=[practice.retry])

    # a call transcript or an email thread shared (in the DM, a coaching thread or a deal room) first; then the
    # seller's DM with the app; every other message after it
    app.event("message", matchers=[files.shares_a_call])(ack=ack_now, lazy=[
        reported(messages.record_activity, tell=False), reported(files.review_files)])
    app.event("message", matchers=[assistant.is_seller_dm])(ack=ack_now, lazy=[reported(assistant.coach_dm)])
    app.event("message")(ack=ack_now, lazy=[reported(messages.record_activity, tell=False),
                                            reported(messages.reply_in_thread)])
    app.event("app_mention")(ack=ack_now, lazy=[reported(messages.on_mention)])
    # nobody asked anything by opening a tab: a failure is logged, not told
    app.event("app_home_opened")(ack=ack_now, lazy=[reported(app_home.on_home_opened, tell=False)])
    # the agent view: what the seller looks at (nothing to tell if it fails), the stop button on a coaching
    app.event("app_context_changed")(ack=ack_now, lazy=[reported(agent.on_context_changed, tell=False)])
    app.event("agent_session_stopped")(ack=ack_now, lazy=[reported(agent.on_session_stopped, tell=False)])

    # Slack's feedback buttons (thumbs) under a coaching; the helpful / not helpful buttons of older messages
    app.action(FEEDBACK_ACTION)(ack=ack_now, lazy=[reported(actions.feedback)])
    app.action("feedback_helpful")(ack=ack_now, lazy=[reported(actions.feedback)])
    app.action("feedback_not_helpful")(ack=ack_now, lazy=[reported(actions.feedback)])
    app.action(USED_ACTION)(ack=ack_now, lazy=[reported(actions.used)])
    app.action("relabel")(ack=ack_now, lazy=[reported(actions.relabel)])
    app.action(call_review.SIDES_PICK)(ack_now)  # each pick of a speaker: the "Review" button acts on them
    app.action(call_review.SIDES_REVIEW)(ack=ack_now, lazy=[reported(files.review_chosen)])
    app.action(call_review.PRACTISE_ACTION)(ack=ack_now, lazy=[reported(files.practise_moment)])
    for kind in nudges.KINDS:
        app.action(f"nudge_{kind}")(ack=ack_now, lazy=[reported(nudges.on_button)])
    # the manager's "Assign practice" and the seller's "Start" on the Home tab (issue #24)
    app.action(home.ASSIGN_ACTION)(ack=ack_now, lazy=[reported(team.assign, tell=False)])
    app.action(home.START_ACTION)(ack=ack_now, lazy=[reported(team.start, tell=False)])
    app.shortcut(shortcuts.CALLBACK_ID)(ack=ack_now, lazy=[reported(shortcuts.summarize_thread)])

    # with one bot token too: an uninstall starts the workspace's retention clock (the manifest subscribes)
    app.event("app_uninstalled")(uninstalls.on_uninstalled)
    app.event("tokens_revoked")(uninstalls.on_tokens_revoked)
