"""History notes the platform writes itself: stored without language, written out in the reader's.

A note a person types is stored as text and shown as typed. A note the platform writes ("Received via
the web portal.", "Deadline warning sent.") is stored as a key and its arguments (codes, numbers, ISO
datetimes, the names of units and people, never a translated word) and rendered when read (`render`),
in the language active then: the Vietnamese page and the English page read the same row each in its
own language, whichever language the request that wrote it was in.

Each key is registered once, by the app whose events carry it (`reports.system_notes`,
`dossiers.system_notes`): its text is a gettext_lazy msgid with %(name)s placeholders (or, for a line
only put together from parts, a plain format), and `values` turns the stored arguments into the
placeholders' values at render time (a channel code into its label, an ISO datetime into the local date
and time). Writers pass `system_note(key, **args)` to the event.

Who acted is stored the same way when it is a role, not a person: `role:citizen`, shown by `actor_text`.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module
from typing import Any

from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

Values = Callable[[Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class NoteTemplate:
    text: str | Promise  # a gettext_lazy msgid with %(name)s placeholders
    values: Values | None = None  # stored arguments -> the placeholders' values (None: as stored)


NOTES: dict[str, NoteTemplate] = {}


def register(key: str, text: str | Promise, values: Values | None = None) -> str:
    """Register a system note; returns its key (kept by the writer as a constant)."""
    known = NOTES.get(key)
    if known is not None and known.text != text:
        raise ValueError(f"history note {key!r} is registered twice")
    NOTES[key] = NoteTemplate(text, values)
    return key


def _stored(value: Any) -> Any:
    """An argument as JSON keeps it, without language: a choice's code, an aware datetime in ISO form."""
    if isinstance(value, Promise):
        raise TypeError("a history note stores codes, not translated text")
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_stored(v) for v in value]
    return value


def system_note(key: str, **args: Any) -> dict[str, Any]:
    """The event fields of a system note: `event(..., **system_note("report.escalated"))`."""
    if key not in NOTES:
        raise KeyError(f"unknown history note {key!r}")
    return {"note_key": key, "note_args": {name: _stored(value) for name, value in args.items()}}


def render(key: str, args: Mapping[str, Any] | None, fallback: str = "") -> str:
    """The note `key` with `args` in the active language; `fallback` (the stored text) when the key is
    unknown or its arguments do not fit (a row from a newer or an older release)."""
    template = NOTES.get(key) if key else None
    if template is None:
        return fallback
    args = args or {}
    try:
        values = template.values(args) if template.values is not None else args
        return (str(template.text) % dict(values)).strip()
    except (KeyError, TypeError, ValueError):
        logger.warning("history note %s: arguments %r do not fit", key, args)
        return fallback


# --- Values shown in notes ------------------------------------------------------------------------


def label(choices: type[models.Choices], code: Any) -> str:
    """The label of a choice's code in the active language; an unknown code as stored."""
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code or "")


def local_datetime(value: str | None) -> str:
    """An ISO datetime in the platform's time zone, written as every page writes its times, in either
    language: "27/11/2026 17:00" (English pages wrote "Nov. 27, 2026 17:00" here, and 27/11/2026 in the
    line above)."""
    if not value:
        return "—"
    moment = dt.datetime.fromisoformat(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{moment:%d/%m/%Y %H:%M}"


# --- Roles that act without being a named person ---------------------------------------------------

ROLE_PREFIX = "role:"
ROLES: dict[str, str | Promise] = {
    "citizen": _("citizen"),
    "reporter": _("reporter"),
    "follower": _("follower"),
    "applicant": _("Online applicant"),
    "calendar": _("Working calendar"),  # a due time moved by a change of the calendar
}


def role(name: str) -> str:
    """The stored actor label of a role (`role:citizen`), shown in the reader's language."""
    if name not in ROLES:
        raise KeyError(f"unknown role {name!r}")
    return f"{ROLE_PREFIX}{name}"


def actor_text(actor_label: str) -> str:
    """A stored actor label as shown: a role in the active language, a person's name as stored."""
    if actor_label.startswith(ROLE_PREFIX):
        name = ROLES.get(actor_label[len(ROLE_PREFIX) :])
        if name is not None:
            return str(name)
    return actor_label


# --- The event models' side -------------------------------------------------------------------------


class NotedEvent:
    """What an event model with `note`, `note_key`, `note_args` and `actor_label` shows (reports' and
    dossiers' histories). `notes_module` registers its keys; it is imported on first use, not at start."""

    notes_module: str = ""
    note: str
    note_key: str
    note_args: Any
    actor_label: str

    @property
    @admin.display(description=_("note"))
    def display_note(self) -> str:
        """The note in the active language: a system note rendered from its key, a person's as written."""
        if not self.note_key:
            return self.note
        if self.notes_module:
            import_module(self.notes_module)
        return render(self.note_key, self.note_args, self.note)

    @property
    @admin.display(description=_("actor"))
    def display_actor(self) -> str:
        """Who acted: a person's name as stored, a role (the citizen, the applicant…) or a job of the platform
        ("dossier-sweep": the deadline sweep) in the active language."""
        from citydesk.core.audit_labels import system_actor_label

        return system_actor_label(actor_text(self.actor_label))
