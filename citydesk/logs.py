"""Structured logs: one JSON object per line, ready for journald / Loki / ELK.

No query string value reaches a log line: searches carry citizens' ID numbers and phone numbers
(`/mot-cua/ho-so/?q=0798…`), tracking links their tokens (`?t=…`), Open311 clients their `api_key`. The
path and the parameters' names stay (they say which page and which search); each value becomes "…".
"""

import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
REDACTED = "…"


def redact_query(query: str) -> str:
    """A query string with each value replaced by "…" (`q=…&page=…`); a part without "=" may itself be the
    value (`?0798…`), so it is replaced whole."""
    if not query:
        return query
    parts = []
    for part in query.split("&"):
        name, equals, _value = part.partition("=")
        parts.append(f"{name}={REDACTED}" if equals else REDACTED if part else part)
    return "&".join(parts)


def redact_url(url: str) -> str:
    """A path or address with its query's values redacted (`/ho-so/?q=…`); without a query, unchanged."""
    if not url:
        return url
    base, question, query = url.partition("?")
    return f"{base}{question}{redact_query(query)}"


def _request_text(request: HttpRequest) -> str:
    """`GET /ho-so/hang-doi/?q=…`: what the request's repr said, without the query's values."""
    return f"{request.method} {redact_url(request.get_full_path())}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_"):
                continue
            if isinstance(value, HttpRequest):  # Django's request errors carry the request itself
                payload[key] = _request_text(value)
            else:
                payload[key] = value if isinstance(value, str | int | float | bool | None) else repr(value)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # gunicorn is the server's dependency; the rest of this module works without it
    _GunicornLogger = object  # type: ignore[assignment,misc]


class AccessLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's logger (`--logger-class citydesk.logs.AccessLogger`): access lines as JSON objects like
    the application's, with no query string value, referer or cookie in them."""

    # Atoms that hold a request line, a query or an address with one, named as gunicorn names them.
    _URL_ATOMS = (
        "r",
        "q",
        "f",
        "{referer}i",
        "{query_string}e",
        "{raw_uri}e",
        "{request_uri}e",
        "{http_referer}e",
    )
    # Credentials, whatever --access-logformat asks for.
    _SECRET_ATOMS = (
        "{cookie}i",
        "{authorization}i",
        "{http_cookie}e",
        "{http_authorization}e",
        "{set-cookie}o",
    )

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in self._URL_ATOMS:
            value = atoms.get(key)
            if not isinstance(value, str) or value in ("", "-"):
                continue
            if key == "r":  # "GET /path?q=… HTTP/1.1"
                method, _space, rest = value.partition(" ")
                uri, space, protocol = rest.rpartition(" ") if rest.count(" ") else (rest, "", "")
                atoms[key] = f"{method} {redact_url(uri)}{space}{protocol}"
            elif key in ("q", "{query_string}e"):
                atoms[key] = redact_query(value)
            else:
                atoms[key] = redact_url(value)
        for key in self._SECRET_ATOMS:
            if key in atoms:
                atoms[key] = REDACTED
        return atoms

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        path = atoms["U"] or "/"
        if atoms["q"]:
            path = f"{path}?{atoms['q']}"
        payload = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": f"{atoms['m']} {path} {atoms['s']}",
            "remote_addr": atoms["h"],
            "method": atoms["m"],
            "path": path,
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": atoms["M"],
            "referer": atoms["f"],
            "user_agent": atoms["a"],
        }
        try:
            self.access_log.info(json.dumps(payload, ensure_ascii=False))
        except Exception:
            self.exception("access log line not written")
