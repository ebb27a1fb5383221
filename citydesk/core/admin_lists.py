"""The back office's lists: a date hierarchy that refuses a number no date holds instead of failing."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest


class DateHierarchyChangeList(ChangeList):
    """Django reads the date hierarchy's year, month and day from the query string and catches ValueError
    only: a number past what a date holds (`?created_at__year=99999999999999999999`) raised OverflowError,
    a server error. Here it is a wrong filter like any other: the list comes back with Django's `?e=1`."""

    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc


class SafeDateHierarchy:
    """For a ModelAdmin with a `date_hierarchy`: its list refuses an impossible date (see above)."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return DateHierarchyChangeList


def with_safe_date_hierarchy(model_admin: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """`model_admin` (a third-party one) with SafeDateHierarchy, under the same name."""
    return type(model_admin.__name__, (SafeDateHierarchy, model_admin), {"__module__": __name__})
