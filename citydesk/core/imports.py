"""Shared shapes of the all-or-nothing file imports (ratings, indicators…)."""

from __future__ import annotations

from dataclasses import dataclass

from citydesk.core.errors import DomainError


@dataclass(frozen=True)
class RowError:
    row: int  # the line of the file (the header is line 1)
    column: str
    message: str


class ImportRejected(DomainError):
    """The file has errors: nothing was imported. `errors` lists them by row and column."""

    def __init__(self, message: str, errors: list[RowError]) -> None:
        super().__init__(message, field="file")
        self.errors = errors
