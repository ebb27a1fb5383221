"""Units named with their code in the back office's pickers: Hà Nội's and HCMC's “Sở Xây dựng” (01.SXD,
79.SXD) looked the same, and the first one found was Hà Nội's. Both the search box's suggestions
(the autocomplete view) and the chosen value shown on the form say “Sở Xây dựng (79.SXD)”."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.db import models

from citydesk.core.models import AdminUnit, LegacyUnit, Organisation

CODED = (Organisation, AdminUnit, LegacyUnit)


def coded_label(obj: Any) -> str:
    """“Sở Xây dựng (79.SXD)” for a unit; anything else as it names itself."""
    if isinstance(obj, CODED):
        return f"{obj.name} ({obj.code})"
    return str(obj)


class CodedAutocomplete(AutocompleteJsonView):
    def serialize_result(self, obj: models.Model, to_field_name: str) -> dict[str, str]:
        return {"id": str(getattr(obj, to_field_name)), "text": coded_label(obj)}


def coded_autocomplete(request: Any) -> Any:
    return CodedAutocomplete.as_view(admin_site=admin.site)(request)


class CodedChoices:
    """For a ModelAdmin or inline: its unit pickers show the code too."""

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and db_field.related_model in CODED:
            field.label_from_instance = coded_label
        return field
