"""What the coach says and knows, as validated data: playbooks, the team profile, practice scenarios and the
UI strings (messages.yaml)."""
