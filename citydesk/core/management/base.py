"""Shared behaviour of CityDesk commands: domain errors become a clear message and exit code 2."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor
from citydesk.core.errors import DomainError


class CityDeskCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except DomainError as exc:
            message = exc.message
            if exc.field:
                # The field is the option or column the problem is about; name it in the user's language.
                message = _("%(message)s (field: %(field)s)") % {"message": message, "field": exc.field}
            raise CommandError(message, returncode=2) from exc

    @staticmethod
    def cli_actor() -> Actor:
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        return Actor.system(f"cli:{who}")
