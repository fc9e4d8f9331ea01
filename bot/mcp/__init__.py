"""`coach mcp`: the coach as a Model Context Protocol server (issue #23), for the assistants sellers already talk
to. A thin adapter over the same capabilities as the CLI and Slack: server.py registers the tools and resources
on the official `mcp` SDK, tools.py calls the coaching services and returns their public JSON shapes
(schemas.py), auth.py checks the bearer tokens and the per-token rate over HTTP, settings.py reads who may call.
Nothing is imported here, so `coach --help` does not load the SDK."""
