"""The overview's filters: every one in the URL, so a view can be shared as a link."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.models import Organisation, ServiceCategory
from citydesk.ioc.queries import Filters
from citydesk.reports.models import Channel, Status
from citydesk.web.templatetags.date_fields import DayFirstDateField

MAX_DAYS = 3 * 366 + 1
# The days a period may start or end on: the years figures can exist for (the reports API's bounds). The
# comparisons (the period before, the same period a year earlier) and the calendar months of a period
# then stay well inside what a date can be.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
PRESETS = {
    "7d": gettext_lazy("Last 7 days"),
    "30d": gettext_lazy("Last 30 days"),
    "90d": gettext_lazy("Last 90 days"),
    "month": gettext_lazy("This month"),
    "year": gettext_lazy("This year"),
}


def preset_period(name: str, today: date) -> tuple[date, date]:
    if name == "7d":
        return today - timedelta(days=6), today
    if name == "90d":
        return today - timedelta(days=89), today
    if name == "month":
        return today.replace(day=1), today
    if name == "year":
        return today.replace(month=1, day=1), today
    return today - timedelta(days=29), today


class NamedChoiceField(forms.ChoiceField):
    """A choice whose refusal names the field and what it takes ("Kỳ “bogus” không hợp lệ: chọn một
    trong 7d (7 ngày qua), …"), on the page and in the exports' 400 text, rather than Django's
    "Select a valid choice": the values are what a link or a script puts in the URL, the names what the
    page's list shows."""

    def validate(self, value: str) -> None:
        super(forms.ChoiceField, self).validate(value)  # required or not; the choice is checked here
        if value and not self.valid_value(value):
            allowed = ", ".join(f"{key} ({name})" for key, name in self.choices if key)
            shown = value if len(value) <= 40 else value[:39] + "…"
            raise forms.ValidationError(
                _("%(field)s “%(value)s” is not valid: choose one of %(choices)s.")
                % {"field": self.label, "value": shown, "choices": allowed},
                code="invalid_choice",
            )


class OverviewForm(forms.Form):
    period = NamedChoiceField(
        required=False, choices=[("", ""), *list(PRESETS.items())], label=gettext_lazy("Period")
    )
    start = DayFirstDateField(required=False, label=gettext_lazy("From"))  # also 20112026 (a phone's keypad)
    end = DayFirstDateField(required=False, label=gettext_lazy("To"))
    category = forms.CharField(required=False, max_length=40, label=gettext_lazy("Category"))
    unit = forms.CharField(required=False, max_length=40, label=gettext_lazy("Unit"))
    channel = NamedChoiceField(
        required=False, choices=[("", ""), *list(Channel.choices)], label=gettext_lazy("Channel")
    )
    status = NamedChoiceField(
        required=False,
        choices=[("", ""), ("open", gettext_lazy("Open (all not finished)")), *list(Status.choices)],
        label=gettext_lazy("Status"),
    )

    def __init__(self, *args: object, scope: frozenset[int] | None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope

    def _within_bounds(self, name: str) -> date | None:
        day = self.cleaned_data.get(name)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(
                _("Enter a date between %(first)s and %(last)s.")
                % {
                    "first": formats.date_format(FIRST_DAY, "SHORT_DATE_FORMAT"),
                    "last": formats.date_format(LAST_DAY, "SHORT_DATE_FORMAT"),
                }
            )
        return day

    def clean_start(self) -> date | None:
        return self._within_bounds("start")

    def clean_end(self) -> date | None:
        return self._within_bounds("end")

    def clean_category(self) -> ServiceCategory | None:
        code = self.cleaned_data.get("category") or ""
        if not code:
            return None
        category = ServiceCategory.objects.filter(code=code, domain=ServiceCategory.Domain.REPORT).first()
        if category is None:
            raise forms.ValidationError(_("Unknown category “%(c)s”.") % {"c": code})
        return category

    def clean_unit(self) -> Organisation | None:
        code = self.cleaned_data.get("unit") or ""
        if not code:
            return None
        unit = Organisation.objects.filter(code=code).first()
        if unit is None or (self.scope is not None and unit.pk not in self.scope):
            raise forms.ValidationError(_("Unknown unit “%(c)s”, or not one of yours.") % {"c": code})
        return unit

    def clean(self) -> dict:
        """The period is either a preset or two dates, never both at once: dates given rule, and the
        preset is then cleared (the page's select says "dates below"), so what the page shows is what it
        counts. The page's script clears the dates when a preset is chosen."""
        data = super().clean()
        today = timezone.localdate()
        if "start" in self.errors or "end" in self.errors:
            return data  # a date that is not one: that is the error to show, not a missing date
        start, end = data.get("start"), data.get("end")
        if not start and not end:
            start, end = preset_period(data.get("period") or "30d", today)
        elif not start or not end:
            self.add_error("start" if not start else "end", _("Give both dates of the period."))
            return data
        else:
            data["period"] = ""
            if self.data.get("period"):
                self.data = self.data.copy()
                self.data["period"] = ""
        if start > today:
            # Nothing can have been received yet: the cards read "0, ▼ 100 %" against the period before.
            self.add_error(
                "start",
                _("The period starts after today (%(today)s): nothing has been received in it yet.")
                % {"today": today.strftime("%d/%m/%Y")},
            )
            return data
        if end > today >= start:  # a period still running is counted up to today (the page says so)
            end = today
        if start > end:
            self.add_error("end", _("The end of the period is before its start."))
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error("start", _("The period can cover at most three years."))
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        units = self.scope
        if data.get("unit") is not None:
            from citydesk.core.selectors import descendant_ids as _descendants

            chosen = frozenset(_descendants({data["unit"].pk}))
            units = chosen if units is None else chosen & units
        return Filters(
            start=data["start"],
            end=data["end"],
            category_id=data["category"].pk if data.get("category") else None,
            unit_ids=units,
            channel=data.get("channel") or None,
            status=data.get("status") or None,
        )
