"""Forms of the rating pages: they only parse; the services decide. A service's refusal (DomainError with
`field=`) is put next to the field it names."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from citydesk.core.errors import DomainError
from citydesk.ratings.services import TRANSACTION_KINDS


class DomainErrorForm(forms.Form):
    # service field name -> form field name, where they differ
    field_map: dict[str, str] = {}

    def add_domain_error(self, exc: DomainError) -> None:
        """The refusal next to the field it names; not a second time where that field is already refused."""
        name = self.field_map.get(exc.field or "", exc.field or "")
        field = name if name in self.fields else None
        if field is not None and field in self.errors:
            return
        self.add_error(field, exc.message)

    def messages(self) -> list[str]:
        """Every problem of the form, as one list (the kiosk shows them in one line)."""
        return [str(message) for errors in self.errors.values() for message in errors]


class RatingForm(DomainErrorForm):
    """The three buttons (name="level") and an optional comment (the service says how long it may be)."""

    field_map = {"code": "level", "transaction": "level", "device": "level", "unit": "level"}

    level = forms.CharField(required=False, max_length=20)
    comment = forms.CharField(required=False, strip=True, widget=forms.Textarea)
    transaction = forms.CharField(required=False, max_length=24)
    t = forms.CharField(required=False, max_length=200)  # a receipt key or a signed rating key (~70)


class CodeRatingForm(RatingForm):
    """A desk transaction rated by its code (no kiosk at the desk): the code is a field of its own."""

    field_map = {"device": "level"}

    transaction = forms.CharField(
        label=_("Transaction code"),
        required=False,
        max_length=24,
        help_text=_("The 8 letters and digits the officer gave you, e.g. K7M29QXD."),
    )


class DeskTransactionForm(DomainErrorForm):
    # A list of the paired kiosks of the officer's units; the service checks what is sent (any text).
    kiosk = forms.CharField(
        label=_("Kiosk at this desk"),
        required=False,
        max_length=64,
        widget=forms.Select,
        help_text=_(
            "A tablet of your unit that is showing the kiosk page now, or none (the citizen then rates with "
            "the transaction code). Remembered on this computer."
        ),
    )
    unit = forms.ChoiceField(label=_("Unit"))
    kind = forms.ChoiceField(
        label=_("Transaction"), choices=list(TRANSACTION_KINDS.items()), initial="receive"
    )
    dossier = forms.CharField(label=_("Dossier code (optional)"), required=False, max_length=24)
    procedure = forms.CharField(label=_("Procedure code (optional)"), required=False, max_length=40)

    def __init__(
        self,
        *args: object,
        units: list[tuple[str, str]],
        kiosks: list[tuple[str, str]] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].choices = units
        if len(units) == 1:
            self.fields["unit"].initial = units[0][0]
        self.fields["kiosk"].widget.choices = kiosks or [("", "—")]


class KioskPairForm(DomainErrorForm):
    """Pairing a tablet: the unit whose desk it serves (among the officer's), and an optional label."""

    field_map = {"kiosk": "unit"}

    unit = forms.ChoiceField(label=_("Unit"))
    label = forms.CharField(
        label=_("Label (optional)"),
        required=False,
        max_length=100,
        help_text=_("Where the tablet stands, e.g. “Quầy 1 – Hộ tịch”."),
    )

    def __init__(self, *args: object, units: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].choices = units


class ImportForm(forms.Form):
    # Our own words for an empty upload, not Django's “The submitted file is empty.”
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"), error_messages={"empty": _("The chosen file is empty.")}
    )
