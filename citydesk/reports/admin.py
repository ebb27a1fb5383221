"""Back office for the 1022 system: routing rules are edited here; reports are read-only (services write)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from citydesk.core.admin import PersonalDataAdmin
from citydesk.core.admin_audit import AuditedAdmin, record_change, snapshot
from citydesk.core.admin_labels import named_codes
from citydesk.core.models import AuditEntry, DivisionLevel, OrgKind, ServiceCategory
from citydesk.core.validators import organisation_province
from citydesk.lib.text import search_key, sort_key
from citydesk.reports.models import Open311Client, Report, ReportEvent, RoutingRule, Status
from citydesk.reports.routing import shadowed_rules

# The kinds of unit a rule may send reports to: those routing itself uses (People's Committees and
# departments) and a public service company; never a one-stop desk (dossiers only) or an inspectorate.
RULE_TARGET_KINDS = (OrgKind.PEOPLES_COMMITTEE, OrgKind.DEPARTMENT, OrgKind.SERVICE_COMPANY)


# ISO weekday numbers as stored in `RoutingRule.weekdays`, named: “7” was typed for a Saturday (“thứ 7” in
# everyday Vietnamese) and stored as Sunday.
WEEKDAYS = [
    ("1", pgettext_lazy("weekday", "Monday")),
    ("2", pgettext_lazy("weekday", "Tuesday")),
    ("3", pgettext_lazy("weekday", "Wednesday")),
    ("4", pgettext_lazy("weekday", "Thursday")),
    ("5", pgettext_lazy("weekday", "Friday")),
    ("6", pgettext_lazy("weekday", "Saturday")),
    ("7", pgettext_lazy("weekday", "Sunday")),
]
SHORT_WEEKDAYS = {
    "1": pgettext_lazy("weekday", "Mon"),
    "2": pgettext_lazy("weekday", "Tue"),
    "3": pgettext_lazy("weekday", "Wed"),
    "4": pgettext_lazy("weekday", "Thu"),
    "5": pgettext_lazy("weekday", "Fri"),
    "6": pgettext_lazy("weekday", "Sat"),
    "7": pgettext_lazy("weekday", "Sun"),
}


class WeekdaysField(forms.MultipleChoiceField):
    """The days as seven named boxes; a script may still post the stored digits (“67”)."""

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, str):
            value = [value]
        days: list[str] = []
        for item in value or []:
            text = str(item).replace(" ", "").replace(",", "")
            if text:
                days.extend(text if text.isdigit() else [text])
        return days

    def validate(self, value: list[str]) -> None:
        if any(day not in SHORT_WEEKDAYS for day in value):
            raise forms.ValidationError(_("Choose days of the week from the list."))
        if len(set(value)) != len(value):
            raise forms.ValidationError(_("Each day may appear only once."))


def _not_a_report_category(category: ServiceCategory | None = None) -> str:
    if category is None:
        return _("Choose a category of citizen reports (1022) from the list: routing only sends reports.")
    return _(
        "“%(name)s” is a category of the domain “%(domain)s”: routing only sends citizen reports (1022), so "
        "the rule would never be used. Choose a category of citizen reports."
    ) % {"name": category.name, "domain": category.get_domain_display()}


class RoutingRuleForm(forms.ModelForm):
    """A rule that could never match, or would send reports where nobody handles them, is refused."""

    weekdays = WeekdaysField(
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Days of the week"),
        help_text=_("None ticked: every day."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["weekdays"] = list(self.instance.weekdays or "")
        if "category" in self.fields:
            # Routing sends citizen reports only: the report domain's categories are offered. A rule saved
            # before with another domain's category keeps it in the list, so that its page shows it (an
            # option missing from the list would come back empty, “any category”) and refuses it.
            offered = Q(domain=ServiceCategory.Domain.REPORT)
            if self.instance.category_id is not None:
                offered |= Q(pk=self.instance.category_id)
            field = self.fields["category"]
            field.queryset = ServiceCategory.objects.filter(offered)
            field.error_messages["invalid_choice"] = _not_a_report_category()

    def clean_category(self) -> ServiceCategory | None:
        category = self.cleaned_data.get("category")
        if category is not None and category.domain != ServiceCategory.Domain.REPORT:
            raise forms.ValidationError(_not_a_report_category(category))
        return category

    def clean_weekdays(self) -> str:
        return "".join(sorted(self.cleaned_data.get("weekdays") or []))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        bad_time = "start_time" in self.errors or "end_time" in self.errors
        if (start is None) != (end is None) and not bad_time:
            self.add_error(
                "end_time" if end is None else "start_time",
                _("Give both the start and the end time of the window, or neither."),
            )
        elif start is not None and start == end:
            self.add_error("end_time", _("The window ends when it starts: it would never match."))
        target, area = data.get("target"), data.get("area")
        if target is not None:
            self._check_target(target, area)
        return data

    def _check_target(self, target: Any, area: Any) -> None:
        if target.kind not in RULE_TARGET_KINDS:
            self.add_error(
                "target",
                _(
                    "%(unit)s (%(kind)s) does not handle citizen reports: choose a People's Committee, "
                    "a department or a public service company."
                )
                % {"unit": target.name, "kind": target.get_kind_display()},
            )
        elif not target.is_active:
            self.add_error("target", _("%(unit)s is not active.") % {"unit": target.name})
        elif area is not None:
            city = area if area.level == DivisionLevel.PROVINCE else area.province
            if city is not None and organisation_province(target) != city.code:
                self.add_error(
                    "target",
                    _("%(unit)s is not a unit of %(city)s, where the rule's area is.")
                    % {"unit": target.name, "city": city.name},
                )


class RuleCategoryFilter(admin.SimpleListFilter):
    """By category: the citizen reports' categories (routing sends nothing else), and the rules for any
    category, named so (the default filter listed every domain's categories, and “-” for any)."""

    title = gettext_lazy("category")
    parameter_name = "category"
    ANY = "any"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        categories = ServiceCategory.objects.filter(domain=ServiceCategory.Domain.REPORT).only("pk", "name")
        named = sorted(((str(c.pk), c.name) for c in categories), key=lambda item: sort_key(item[1]))
        return [(self.ANY, capfirst(_("any category"))), *named]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        value = self.value()
        if value == self.ANY:
            return queryset.filter(category__isnull=True)
        if value and re.fullmatch(r"[0-9]{1,9}", value):
            return queryset.filter(category_id=int(value))
        return queryset


def _never_used(first: RoutingRule) -> str:
    return _("Never used: %(first)s always takes its reports first.") % {"first": first}


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    """Rules named by their id, as the reports' history names them (“routing rule #1”). The list's columns
    are short and the receiving unit comes early: at 1280 and 1600 pixels its column was scrolled out of
    sight behind the priority's long heading and three columns of days and hours. A rule that can never
    fire (another takes all its reports first, `routing.find_shadowed`) is said on saving and in the list."""

    form = RoutingRuleForm
    list_display = [
        "number",
        "rule_priority",
        "target",
        "category_shown",
        "area_shown",
        "days",
        "is_active",
        "never_used",
    ]
    list_display_links = ["number", "rule_priority"]
    list_editable = ["is_active"]
    list_filter = ["is_active", RuleCategoryFilter]
    list_select_related = ["category", "area", "target"]
    autocomplete_fields = ["area", "target"]

    @admin.display(description=gettext_lazy("Check"))
    def never_used(self, rule: RoutingRule) -> str:
        first = shadowed_rules().get(rule.pk)
        return _never_used(first) if first is not None else ""

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        """The rules that never fire found once for the page, not once a row."""
        shadowed = shadowed_rules()

        @admin.display(description=gettext_lazy("Check"))
        def never_used(rule: RoutingRule) -> str:
            first = shadowed.get(rule.pk)
            return _never_used(first) if first is not None else ""

        return [never_used if name == "never_used" else name for name in self.list_display]

    @admin.display(description=gettext_lazy("No."), ordering="pk")
    def number(self, rule: RoutingRule) -> int:
        return rule.pk

    @admin.display(description=gettext_lazy("Priority"), ordering="priority")
    def rule_priority(self, rule: RoutingRule) -> int:
        return rule.priority

    @admin.display(description=gettext_lazy("category"), ordering="category__name")
    def category_shown(self, rule: RoutingRule) -> str:
        return capfirst(rule.category_label)

    @admin.display(description=gettext_lazy("area"), ordering="area__name")
    def area_shown(self, rule: RoutingRule) -> str:
        return capfirst(rule.area_label)

    @admin.display(description=gettext_lazy("Days and hours"), ordering="weekdays")
    def days(self, rule: RoutingRule) -> str:
        days = ", ".join(str(SHORT_WEEKDAYS.get(d, d)) for d in rule.weekdays) or str(_("every day"))
        if rule.start_time and rule.end_time:
            return f"{days} {rule.start_time:%H:%M}–{rule.end_time:%H:%M}"
        return days

    def save_model(self, request: HttpRequest, obj: RoutingRule, form: Any, change: bool) -> None:
        """Saved, and said when the rule can never fire, or makes another one never fire."""
        super().save_model(request, obj, form, change)
        shadowed = shadowed_rules()
        if (first := shadowed.get(obj.pk)) is not None:
            self.message_user(request, f"{obj}: {_never_used(first)}", messages.WARNING)
        for other, by in shadowed.items():
            if by.pk == obj.pk:
                rule = RoutingRule.objects.select_related("category", "area", "target").get(pk=other)
                self.message_user(
                    request,
                    _("%(rule)s is never used now: %(first)s always takes its reports first.")
                    % {"rule": rule, "first": obj},
                    messages.WARNING,
                )


class EventInline(admin.TabularInline):
    """The report's history, read-only: statuses and rights by their names, rows not named by their codes."""

    model = ReportEvent
    template = "admin/edit_inline/tabular_history.html"
    extra = 0
    can_delete = False
    fields = [
        "at",
        "kind",
        "display_actor",
        "right_shown",
        "from_shown",
        "to_shown",
        "display_note",
        "public",
    ]
    readonly_fields = fields
    right_shown = named_codes(ReportEvent, "right", AuditEntry.Right)
    from_shown = named_codes(ReportEvent, "from_status", Status)
    to_shown = named_codes(ReportEvent, "to_status", Status)

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Report)
class ReportAdmin(PersonalDataAdmin, admin.ModelAdmin):
    list_display = ["code", "category", "status", "unit", "channel", "created_at", "due_at"]
    list_filter = ["status", "channel", "category", "open311_client"]
    readonly_fields = ["open311_client"]  # set by the Open311 intake only
    search_fields = ["code"]  # and the description and address without accents: get_search_results
    list_select_related = ["category", "unit"]
    show_full_result_count = False
    inlines = [EventInline]

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        """A code, or words of the description or address typed with or without accents ("nguyen" finds
        "Nguyễn"), as the officers' queue searches."""
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(code__icontains=term) | Q(search_text__contains=search_key(term))), False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False  # moves go through the audited workflow services

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        # A citizen's report is a public record: its code must keep answering, and deleting it here
        # (with its history and rating) left no row in the audit trail. It is rejected, merged or closed.
        return False


@admin.register(Open311Client)
class Open311ClientAdmin(AuditedAdmin):
    list_display = ["name", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made with its api_key by `citydesk create-api-key`, which shows the key once

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        help_text = gettext_lazy(
            "An Open311 client (an application that sends reports through the Open311 API) gets its key on "
            "the server with “citydesk create-api-key --name NAME”, which shows the key once. Here you can "
            "rename clients or revoke them (select, then the action “Revoke the selected clients”)."
        )
        return super().changelist_view(request, {**(extra_context or {}), "subtitle": help_text})

    @admin.action(description=gettext_lazy("Revoke the selected clients"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        revoked = 0
        with transaction.atomic():
            for client in queryset.select_for_update().filter(revoked_at__isnull=True):
                before = snapshot(client)
                client.revoked_at = timezone.now()
                client.save(update_fields=["revoked_at"])
                record_change(request, client, before=before, after=snapshot(client))
                revoked += 1
        self.message_user(
            request,
            ngettext("%(n)s client revoked.", "%(n)s clients revoked.", revoked) % {"n": revoked},
            messages.SUCCESS,
        )
