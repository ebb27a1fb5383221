"""Constants and small helpers shared by the bulk seeder and the demo reports."""

from __future__ import annotations

import base64
import os
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from citydesk.ioc.rollup import NO_TIME
from citydesk.reports.models import (
    Status,
)

EXAMPLE_DOMAIN = "example.com"  # reserved (RFC 2606): a seeded address can never reach anyone
SEED_HINT = "run `citydesk seed-demo` first"

# Status codes used in the vectorised timeline (index into STATUS_ORDER).
STATUS_ORDER = [
    Status.RECEIVED,
    Status.CLASSIFIED,
    Status.TRANSFERRED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.CLOSED,
    Status.REJECTED,
    Status.REOPENED,
]
STATUS_VALUES = [s.value for s in STATUS_ORDER]  # plain str: drivers must not see the enum members
RCV, CLS, TRF, ASG, INP, RES, CLO, REJ, REO = range(len(STATUS_ORDER))
VERSION = np.array([1, 2, 2, 3, 4, 5, 6, 2, 6])
NEVER = NO_TIME  # "does not happen": later than any now (the roll-ups read it as NULL)
HOUR = 3600
DAY = 86_400


# --- Small helpers --------------------------------------------------------------------------------

MISSING = object()


def repeat(value: Any, n: int) -> list[Any]:
    return [value] * n


def plain(value: Any, n: int) -> list[Any]:
    """A column as a list of plain Python values (sqlite3 and psycopg do not take numpy scalars)."""
    if isinstance(value, list):
        return value
    if isinstance(value, str) or value is None or np.ndim(value) == 0:
        return repeat(value.item() if isinstance(value, np.generic) else value, n)
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        out = arr.astype(object)
        out[np.isnan(arr)] = None
        return out.tolist()
    return arr.tolist()


def tokens(n: int) -> list[str]:
    """n random 16-character URL-safe tokens (96 bits each), in one call to the OS."""
    text = base64.urlsafe_b64encode(os.urandom(12 * n)).decode()
    return [text[i : i + 16] for i in range(0, 16 * n, 16)]


def ascii_fold(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def status_counts(statuses: Iterable[str]) -> str:
    counts = Counter(statuses)
    return ", ".join(f"{s} {counts[s]:,}" for s in STATUS_ORDER if counts[s])
