"""Units named with their code in the back office's pickers: Hà Nội's and HCMC's “Sở Xây dựng” (01.SXD,
79.SXD) looked the same, and the first one found was Hà Nội's. Both the search box's suggestions
(the autocomplete view) and the chosen value shown on the form say “Sở Xây dựng (79.SXD)”."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth.models import Permission
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

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


def permission_label(permission: Permission) -> str:
    """A back-office permission in the reader's language: “Phản ánh, kiến nghị | Xem phản ánh” rather than
    Django's stored English (“reports | report | Can view report”). A permission of our own keeps its name."""
    model = permission.content_type.model_class()
    if model is None:
        return str(permission)
    action = permission.codename.split("_", 1)[0]
    actions = {
        "add": _("Add %(model)s"),
        "change": _("Change %(model)s"),
        "delete": _("Delete %(model)s"),
        "view": _("View %(model)s"),
    }
    if permission.codename == f"{action}_{model._meta.model_name}" and action in actions:
        name = actions[action] % {"model": model._meta.verbose_name}
    else:
        name = permission.name
    app = model._meta.app_config.verbose_name
    return f"{capfirst(app)} | {capfirst(name)}"


def choice_label(choices: type[models.Choices], value: str) -> str:
    """A stored code by its name in the reader's language (“assigned” → “Đã giao xử lý”); a code the
    choices do not know, as it is."""
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def named_codes(model: type[models.Model], field: str, choices: type[models.Choices]) -> Any:
    """A read-only column (or field) of a ModelAdmin or an inline showing a column of codes that has no
    choices of its own (a history's statuses, a right) by their names, under the field's own label."""

    @admin.display(description=model._meta.get_field(field).verbose_name, ordering=field)
    def column(model_admin: Any, obj: models.Model) -> str:
        return choice_label(choices, getattr(obj, field))

    return column


class PermissionChoices:
    """For the user and group admins: the permission pickers in the reader's language."""

    def formfield_for_manytomany(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and db_field.related_model is Permission:
            field.label_from_instance = permission_label
            field.queryset = field.queryset.select_related("content_type")
        return field
