"""Logging without secrets: every URL in a log line loses its credentials and query string.

The HTTP clients log the URLs they call (httpx at INFO: `HTTP Request: POST http://user:password@host/v1/...`),
and an OPENAI_BASE_URL or COACH_DATABASE_URL may carry a user and password, or an `api-key=` query string.
The redaction is done once, where each log record is made (a record factory), rather than as a filter: a
logger's filters do not apply to its child loggers ('openai._base_client', 'slack_sdk.web.base_client', ...), and
a handler's filters miss any handler added later (a WSGI host's, pytest's), so either would leave some way out.
"""

from __future__ import annotations

import logging
import re
from typing import Any

# scheme://[userinfo@]rest, up to whitespace, a quote or an angle bracket (how URLs sit inside messages)
_URL = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)([^\s'\"<>]+)")
HIDDEN = "***"


def redact_url(url: str) -> str:
    """`url` with its user and password, and its query string, replaced by *** (the rest as written, so a URL
    without either comes back unchanged): `postgresql://***@db:5432/coach`, `https://host/v1?***`."""
    return _URL.sub(_redacted, url)


def _redacted(match: re.Match[str]) -> str:
    scheme, rest = match.group(1), match.group(2)
    slash = rest.find("/")
    authority, path = (rest, "") if slash == -1 else (rest[:slash], rest[slash:])
    if "@" in authority:  # up to the last '@': a password may hold one (or a '?') unescaped
        authority = f"{HIDDEN}@{authority.rsplit('@', 1)[1]}"
    if "?" in authority:  # a query right after the host (http://host?key=...)
        return f"{scheme}{authority.split('?', 1)[0]}?{HIDDEN}"
    if "?" in path:
        path = f"{path.split('?', 1)[0]}?{HIDDEN}"
    return f"{scheme}{authority}{path}"


def _redact_record(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001  # a malformed call: the handler reports it, as it would without us
        return record
    clean = redact_url(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        # an exception's text may hold the URL too (httpx's "... for url 'http://user:pw@host/...'")
        text = logging.Formatter().formatException(record.exc_info)
        if (clean_text := redact_url(text)) != text:
            record.exc_text = clean_text  # what formatters print instead of formatting the exception again
    return record


def install_redaction() -> None:
    """Redact URLs in every log record made from now on, in this process. Idempotent."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts_urls", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _redact_record(previous(*args, **kwargs))

    factory.redacts_urls = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def configure_logging(level: int = logging.INFO) -> None:
    """How `coach serve` logs: timestamped lines on stderr, URLs redacted."""
    install_redaction()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # the connection pool logs two INFO lines for every query it serves: the log would be mostly that
    logging.getLogger("psycopg.pool").setLevel(max(level, logging.WARNING))
