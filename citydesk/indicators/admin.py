"""Back office for the indicators: the catalog (groups, indicators) is edited here and checked like any
other definition; values, plans, submissions and findings are read-only (services write them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from citydesk.core.admin_audit import AuditedAdmin
from citydesk.core.admin_labels import named_codes
from citydesk.core.admin_lists import SafeDateHierarchy
from citydesk.core.audit_labels import system_actor_label
from citydesk.core.errors import DomainError
from citydesk.core.history_notes import actor_text
from citydesk.indicators.catalog import check_catalog, check_indicator
from citydesk.indicators.models import (
    DataValue,
    Finding,
    FindingEvent,
    FindingState,
    Indicator,
    IndicatorGroup,
    Plan,
    Submission,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["position", "code", "name", "unit_of_measure", "periodicity", "source", "is_active"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(IndicatorGroup)
class IndicatorGroupAdmin(AuditedAdmin):
    list_display = ["position", "code", "name", "name_en"]
    list_display_links = ["code", "name"]
    search_fields = ["code", "name", "name_en"]
    inlines = [IndicatorInline]


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = "__all__"  # noqa: DJ007 - the back office edits the whole definition

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        candidate = Indicator(**{k: v for k, v in data.items() if k != "reporting_units"})
        others = list(Indicator.objects.exclude(pk=self.instance.pk).only("code", "source", "formula"))
        try:
            check_indicator(candidate, known_codes={i.code for i in others} | {candidate.code})
            check_catalog([*others, candidate])
        except DomainError as exc:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, exc.message)
        return data


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    form = IndicatorForm
    list_display = [
        "code",
        "name",
        "group",
        "unit_of_measure",
        "periodicity",
        "over_units",
        "over_time",
        "direction",
        "source",
        "is_active",
    ]
    list_filter = ["group", "periodicity", "source", "over_units", "direction", "is_active"]
    list_select_related = ["group"]
    search_fields = ["code", "name", "name_en"]
    autocomplete_fields = ["numerator", "denominator", "weight"]
    filter_horizontal = ["reporting_units"]
    fieldsets = [
        (None, {"fields": ["group", "position", "code", "name", "name_en", "is_active"]}),
        (
            _("Values"),
            {
                "fields": [
                    "unit_of_measure",
                    "decimals",
                    "integer_only",
                    "min_value",
                    "max_value",
                    "direction",
                ]
            },
        ),
        (
            _("Aggregation"),
            {
                "fields": [
                    "periodicity",
                    "over_units",
                    "over_time",
                    "numerator",
                    "denominator",
                    "weight",
                    "scale",
                ]
            },
        ),
        (_("Source"), {"fields": ["source", "formula", "platform_key", "reporting_units"]}),
    ]


@admin.register(DataValue)
class DataValueAdmin(SafeDateHierarchy, ReadOnlyAdmin):
    list_display = ["indicator", "unit", "period_type", "period", "value", "source", "updated_at"]
    list_filter = ["period_type", "source", "indicator__group"]
    list_select_related = ["indicator", "unit"]
    search_fields = ["indicator__code", "unit__code", "unit__name"]
    date_hierarchy = "period"
    show_full_result_count = False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = [
        "group",
        "unit",
        "period_type",
        "period",
        "state",
        "due_at",
        "submitted_at",
        "approved_at",
    ]
    list_filter = ["state", "period_type", "group"]
    list_select_related = ["group", "unit"]
    search_fields = ["unit__code", "unit__name"]


@admin.register(Plan)
class PlanAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "unit", "period_type", "period", "revision", "value", "note", "created_at"]
    list_filter = ["period_type", "indicator__group"]
    list_select_related = ["indicator", "unit"]
    search_fields = ["indicator__code", "unit__code", "note"]


class FindingEventInline(admin.TabularInline):
    model = FindingEvent
    template = "admin/edit_inline/tabular_history.html"  # rows not named by their codes
    extra = 0
    can_delete = False
    fields = ["at", "actor", "from_shown", "to_shown", "note"]
    readonly_fields = fields
    from_shown = named_codes(FindingEvent, "state_from", FindingState)
    to_shown = named_codes(FindingEvent, "state_to", FindingState)

    @admin.display(description=FindingEvent._meta.get_field("actor_label").verbose_name)
    def actor(self, event: FindingEvent) -> str:
        """A person's name, or one of the platform's jobs (the anomaly scan) in the reader's language."""
        return system_actor_label(actor_text(event.actor_label))

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = [
        "indicator",
        "unit",
        "period",
        "method",
        "value",
        "expected",
        "score",
        "state",
        "found_at",
    ]
    list_filter = ["state", "method", "indicator__group"]
    list_select_related = ["indicator", "unit"]
    search_fields = ["indicator__code", "unit__code", "explanation"]
    inlines = [FindingEventInline]
