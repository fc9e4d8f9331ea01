"""The Slack surface: a thin Bolt adapter over the coaching core."""
