"""The one place that talks to the language model: the client and its response formats, the streaming parser,
and the answers it may give (pydantic models, from which the JSON schemas sent to the server are derived)."""
