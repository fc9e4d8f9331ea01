"""Calls and email threads: read a transcript or a thread into turns (bot/calls/formats.py, emails.py), tell the
seller's side from the buyer's (sides.py), and review how each buyer objection was handled (review.py); issue
#22. Plain Python, no Slack: the CLI and the Slack adapter call these. Nothing is imported here, so reading a
file does not load the coach's models."""
