"""The back office's lists: a date hierarchy that refuses a number no date holds instead of failing, and a
search that finds Vietnamese names typed without their accents."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest
from django.utils.text import smart_split, unescape_string_literal

from citydesk.lib.text import search_key


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


def _search_terms(search_term: str) -> list[str]:
    """The words of a search as Django splits them ("quoted phrases" kept whole), accent-free."""
    terms = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if key := search_key(bit):
            terms.append(key)
    return terms


class AccentFreeSearch:
    """For the ModelAdmin of a small table (organisations, users, categories: thousands of rows): its search
    (the list's box and the pickers' suggestions) also finds a row whose search fields hold every word
    typed, accents and case aside, as the units' and procedures' searches do with their stored search key:
    “ben thanh” finds “UBND Phường Bến Thành”, “tran van minh” Trần Văn Minh. Django's own search still
    runs; the rows either finds are shown."""

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        results, may_have_duplicates = super().get_search_results(  # type: ignore[misc]
            request, queryset, search_term
        )
        terms = _search_terms(search_term)
        searched = self.get_search_fields(request)  # type: ignore[attr-defined]
        fields = [str(f) for f in searched if not str(f).startswith(("^", "=", "@"))]  # plain “contains” ones
        if not terms or not fields:
            return results, may_have_duplicates
        texts: dict[Any, list[str]] = {}
        for pk, *values in queryset.order_by().values_list("pk", *fields):
            texts.setdefault(pk, []).extend(search_key(str(value)) for value in values if value)
        found = [pk for pk, keys in texts.items() if all(any(term in key for key in keys) for term in terms)]
        if not found:
            return results, may_have_duplicates
        return results | queryset.filter(pk__in=found), may_have_duplicates
