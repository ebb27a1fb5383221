"""Forms of the entry pages (they only parse input; the services check the rules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from citydesk.core.errors import DomainError
from citydesk.indicators import periods


class ChooseForm(forms.Form):
    group = forms.ChoiceField(label=_("Indicator group"))
    unit = forms.ChoiceField(label=_("Reporting unit"))
    period = forms.CharField(label=_("Period"), max_length=20, help_text=_("e.g. 03/2026, Q2/2026 or 2026"))

    def __init__(self, *args: Any, groups: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(g.code, f"{g.code} · {g.display_name}") for g in groups]
        self.fields["unit"].choices = [(u.code, u.name) for u in units]

    def clean_period(self) -> str:
        """The period's key ("2026-03"), which the entry page's address holds, from what was typed
        ("03/2026" as the field shows it, or the key)."""
        from citydesk.indicators.services.common import resolve_period

        try:
            period = resolve_period(self.cleaned_data["period"].strip())
            periods.check_started(*period)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        return periods.period_key(*period)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[("values", _("Values")), ("plans", _("Targets (plans)"))],
        initial="values",
    )
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))
