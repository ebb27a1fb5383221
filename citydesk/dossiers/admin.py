"""Back office for procedures and dossiers.

The procedure catalog is edited here (with its documents and process steps inline) or through the Excel
import; every save keeps the search key filled and writes an audit row. Dossiers, their steps, events,
payments, shipments and the counters are read-only: they change only through the audited services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.admin import PersonalDataAdmin
from citydesk.core.admin_audit import AuditedAdmin
from citydesk.core.admin_labels import named_codes
from citydesk.core.audit import Actor, audit_record
from citydesk.core.models import max_working_hours_validator
from citydesk.dossiers.catalog import (
    COLUMNS,
    SHEET_DOCUMENTS,
    SHEET_PROCEDURES,
    SHEET_STEPS,
    catalog_export,
    department_problems,
    known_department_codes,
    parse_value,
    percent_text,
    procedure_snapshot,
    search_name_of,
    share_total_off,
)
from citydesk.dossiers.catalog_values import STEP_ROLES
from citydesk.dossiers.models import (
    Authority,
    Campaign,
    CampaignTally,
    Dossier,
    DossierCodeCounter,
    DossierDocument,
    DossierEvent,
    DossierMonth,
    DossierStep,
    Payment,
    Performer,
    Procedure,
    ProcedureDocument,
    ProcedureStep,
    Shipment,
    Status,
    Target,
)
from citydesk.dossiers.services.campaigns import catalog_change_problems
from citydesk.dossiers.services.common import city_of


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    template = "admin/edit_inline/tabular_history.html"  # rows not named by their codes (“120/1 …”)
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


# --- Procedure catalog ----------------------------------------------------------------------------


class PositionedFormSet(forms.BaseInlineFormSet):
    """Rows numbered 1, 2, 3…; for steps, shares of the time adding up to 100%. As in the import, a check
    across the rows waits for every row's value to be readable (a bad share is reported on its own row)."""

    check_shares = False

    def clean(self) -> None:
        super().clean()
        kept = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if all("position" in data for data in kept):
            positions = sorted(data["position"] for data in kept)
            if positions != list(range(1, len(kept) + 1)):
                raise forms.ValidationError(_("Number the rows 1, 2, 3… without gaps or repeats."))
        if self.check_shares and kept and all("share" in data for data in kept):
            total = share_total_off(data["share"] for data in kept)
            if total is not None:
                raise forms.ValidationError(
                    _("The shares of the steps add up to %(total)s%%, not 100%%.")
                    % {"total": percent_text(total)}
                )


class StepFormSet(PositionedFormSet):
    """A process has at least one step, as the Excel import requires: a procedure without one was shown
    in the public catalog and every receipt of it was refused. Nor may it pass to another agency while a
    running or future same-day campaign lists the procedure (the campaign promises its dossiers the same
    day): as the import, the change is refused, naming the campaign."""

    check_shares = True

    def clean(self) -> None:
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise forms.ValidationError(_("A procedure needs at least one step in its process."))
        rows = [f.cleaned_data for f in kept]
        needed = ("position", "performer", "department_code")
        if self.instance.pk is not None and all(key in row for row in rows for key in needed):
            steps = [
                ProcedureStep(
                    position=row["position"],
                    performer=row["performer"],
                    department_code=row["department_code"],
                )
                for row in sorted(rows, key=lambda row: row["position"])
            ]
            # The procedure as the form changes it (its level and department decide where steps go).
            problems = catalog_change_problems(self.instance, steps)
            if problems:
                raise forms.ValidationError(problems)


class CatalogRowForm(forms.ModelForm):
    """A row of one of the catalog workbook's sheets (`sheet`), held to the Excel import's rules: each of
    the form's fields that is a column of the sheet is read as the import reads its cell
    (catalog.parse_value), with the same normalisation (a code in capitals, a text in NFC) and the same
    message, next to the field. What the back office saves is then exported and imported back as it is:
    a code “TEST 01 ?” or a processing time of 0 broke the round trip."""

    sheet = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for key, *_rest in COLUMNS[self.sheet]:
            if key in self.fields and key in data:
                try:
                    data[key] = parse_value(self.sheet, key, data[key])
                except ValueError as exc:
                    self.add_error(key, str(exc))
        return data


class ProcedureForm(CatalogRowForm):
    """A procedure row (catalog._validate): besides each cell's rules, a code no other procedure has with
    any case (“ct-01” beside “CT-01” sent /thu-tuc/ct-01/ to the other one, and the export no longer
    imported back), and the department of a department-level procedure, one that exists."""

    sheet = SHEET_PROCEDURES

    class Meta:
        model = Procedure
        fields = [key for key, *_rest in COLUMNS[SHEET_PROCEDURES]]
        # Texts of several lines, as the import keeps them: a one-line input would join the lines on save.
        widgets = {
            "fee_note": forms.Textarea(attrs={"rows": 2, "cols": 60}),
            "legal_basis": forms.Textarea(attrs={"rows": 3, "cols": 60}),
        }

    def clean_processing_time(self) -> int | None:
        """Beyond the calendar: the model's message, which names the limit's reason (the import's says
        “At most 8000.”), as the back office said before."""
        value = self.cleaned_data.get("processing_time")
        if value is not None:
            max_working_hours_validator()(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        code = data.get("code")
        if code:
            other = Procedure.objects.filter(code__iexact=code).exclude(pk=self.instance.pk).first()
            if other is not None:
                self.add_error(
                    "code",
                    _(
                        "The procedure “%(name)s” already has the code %(code)s (capital and small letters "
                        "count as the same)."
                    )
                    % {"name": other.name, "code": other.code},
                )
        if "department_code" in data and "authority" in data:
            needed = data["authority"] == Authority.DEPARTMENT
            for message in department_problems(data["department_code"], needed, known_department_codes()):
                self.add_error("department_code", message)
        return data


class DocumentForm(CatalogRowForm):
    """A document row, by the import's rules (a position from 1, a name, copies in at most 60 characters)."""

    sheet = SHEET_DOCUMENTS

    class Meta:
        model = ProcedureDocument
        fields = ["position", "name", "name_en", "copies", "required", "template"]


class StepForm(CatalogRowForm):
    """A step row, by the import's rules (catalog._check_step): a share above 0 and at most 100; a step is
    done by an officer, deputy, head or leader (an operator, inspector or administrator cannot move a
    dossier on), and only a step performed by a department names a department, one that exists."""

    sheet = SHEET_STEPS

    class Meta:
        model = ProcedureStep
        fields = ["position", "name", "name_en", "performer", "department_code", "role", "share"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in STEP_ROLES]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "performer" in data and "department_code" in data:
            needed = data["performer"] == Performer.DEPARTMENT
            codes = known_department_codes()
            for message in department_problems(data["department_code"], needed, codes, step=True):
                self.add_error("department_code", message)
        return data


class ProcedureDocumentInline(admin.TabularInline):
    model = ProcedureDocument
    form = DocumentForm
    formset = PositionedFormSet
    extra = 0
    fields = ["position", "name", "name_en", "copies", "required", "template"]


class ProcedureStepInline(admin.TabularInline):
    model = ProcedureStep
    form = StepForm
    formset = StepFormSet
    extra = 0
    fields = ["position", "name", "name_en", "performer", "department_code", "role", "share"]


@admin.register(Procedure)
class ProcedureAdmin(AuditedAdmin):
    form = ProcedureForm
    list_display = [
        "code",
        "name",
        "field",
        "authority",
        "department_code",
        "processing_time",
        "time_unit",
        "service_level",
        "same_day",
        "fee",
        "is_active",
    ]
    list_filter = ["authority", "field", "service_level", "same_day", "time_unit", "is_active"]
    search_fields = ["code", "name", "name_en", "field", "field_en", "search_name"]
    readonly_fields = ["updated_at"]
    inlines = [ProcedureDocumentInline, ProcedureStepInline]
    actions = ["export_selected"]
    audit_saves = False  # save_related records the whole procedure, documents and steps included

    def audit_id(self, obj: Procedure) -> str:
        return obj.code

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        formset.save()  # the documents and steps are in the procedure's own audit row

    def save_model(self, request: Any, obj: Procedure, form: Any, change: bool) -> None:
        stored = (
            Procedure.objects.prefetch_related("documents", "steps").filter(pk=obj.pk).first()
            if change
            else None
        )
        request._procedure_before = procedure_snapshot(stored) if stored else None
        obj.search_name = search_name_of(obj.name, obj.code)
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)

    @transaction.atomic
    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        procedure = Procedure.objects.prefetch_related("documents", "steps").get(pk=form.instance.pk)
        user = request.user
        audit_record(
            actor=Actor(user_id=user.pk, label=user.full_name or user.username),
            action="procedure.change" if change else "procedure.create",
            object_type="procedure",
            object_id=procedure.code,
            before=getattr(request, "_procedure_before", None),
            after=procedure_snapshot(procedure),
        )

    @admin.action(description=gettext_lazy("Download the selected procedures as Excel"))
    def export_selected(self, request: Any, queryset: Any) -> Any:
        from citydesk.dossiers.views_catalog import xlsx_response

        return xlsx_response(catalog_export(queryset), "thu-tuc.xlsx")


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    """Same-day campaigns are set up on their own (audited) pages."""

    list_display = ["name", "start_date", "end_date", "is_active", "created_by", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    filter_horizontal = ["procedures", "units"]


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    """Read only: the city's leaders set the targets on the targets page (services.campaigns.target_set,
    with its power and audit); the system administrator sees them here. Each is named with its city:
    every city has a “Sở Y tế”."""

    list_display = ["unit_shown", "city_shown", "year", "online_share", "on_time_share", "one_stop_share"]
    list_filter = ["year"]
    list_select_related = ["unit", "unit__parent"]
    search_fields = ["unit__name", "unit__code", "unit__parent__name"]

    @admin.display(description=gettext_lazy("unit"), ordering="unit__name")
    def unit_shown(self, target: Target) -> str:
        return target.unit.name

    @admin.display(description=gettext_lazy("city"))
    def city_shown(self, target: Target) -> str:
        return city_of(target.unit).name


# --- Dossiers (read-only) -------------------------------------------------------------------------


class DossierStepInline(ReadOnlyInline):
    model = DossierStep
    fields = [
        "position",
        "name",
        "unit",
        "role",
        "assignee",
        "started_at",
        "due_at",
        "completed_at",
        "punctuality",
    ]
    readonly_fields = fields


class DossierDocumentInline(ReadOnlyInline):
    model = DossierDocument
    fields = ["name", "file", "content_type", "size", "is_supplement", "added_at"]
    readonly_fields = fields


class DossierEventInline(ReadOnlyInline):
    model = DossierEvent
    fields = ["at", "kind", "display_actor", "from_shown", "to_shown", "display_note", "public"]
    readonly_fields = fields
    from_shown = named_codes(DossierEvent, "status_from", Status)
    to_shown = named_codes(DossierEvent, "status_to", Status)


@admin.register(Dossier)
class DossierAdmin(PersonalDataAdmin, ReadOnlyAdmin):
    """Read-only; its citizen key is never shown and opening one is recorded (PersonalDataAdmin)."""

    list_display = ["code", "procedure", "unit", "status", "channel", "received_at", "due_at", "punctuality"]
    list_filter = ["status", "channel", "punctuality", "same_day", "via_one_stop"]
    search_fields = ["code"]
    list_select_related = ["procedure", "unit"]
    show_full_result_count = False
    inlines = [DossierStepInline, DossierDocumentInline, DossierEventInline]
    readonly_fields = ["current_step_shown"]

    def get_fields(self, request: Any, obj: Any = None) -> list[Any]:
        """The current step by its number and name (“1. Tiếp nhận”), in its place among the fields."""
        fields = [f for f in super().get_fields(request, obj) if f != "current_step_shown"]
        return ["current_step_shown" if f == "current_step" else f for f in fields]

    @admin.display(description=Dossier._meta.get_field("current_step").verbose_name)
    def current_step_shown(self, dossier: Dossier) -> str:
        step = dossier.current_step
        return f"{step.position}. {step.label}" if step is not None else "-"


class ProviderFilter(admin.SimpleListFilter):
    """By provider, each named as the pages name it (not desk_cash)."""

    title = gettext_lazy("provider")
    parameter_name = "provider"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        from citydesk.dossiers.payments import provider_label

        codes = Payment.objects.order_by().values_list("provider", flat=True).distinct()
        return sorted(((code, provider_label(code)) for code in codes), key=lambda pair: pair[1])

    def queryset(self, request: Any, queryset: Any) -> Any:
        return queryset.filter(provider=self.value()) if self.value() else queryset


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "dossier",
        "provider_shown",
        "amount_shown",
        "state",
        "created_at",
        "paid_at",
    ]
    list_filter = ["state", ProviderFilter]
    search_fields = ["reference", "dossier__code"]
    list_select_related = ["dossier"]

    @admin.display(description=gettext_lazy("provider"), ordering="provider")
    def provider_shown(self, payment: Payment) -> str:
        from citydesk.dossiers.payments import provider_label

        return provider_label(payment.provider)  # “Tiền mặt tại Bộ phận Một cửa”, not desk_cash

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_shown(self, payment: Payment) -> str:
        from citydesk.dossiers.services.common import vnd

        return vnd(payment.amount)  # 600.000 đ


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ["tracking_number", "dossier", "carrier", "sent_at", "delivered_at"]
    search_fields = ["tracking_number", "dossier__code"]
    list_select_related = ["dossier"]


@admin.register(DossierMonth)
class DossierMonthAdmin(ReadOnlyAdmin):
    list_display = [
        "month",
        "unit",
        "procedure",
        "channel",
        "received",
        "finished",
        "finished_late",
        "refused",
    ]
    list_filter = ["channel", "month"]
    list_select_related = ["unit", "procedure"]


@admin.register(CampaignTally)
class CampaignTallyAdmin(ReadOnlyAdmin):
    list_display = [
        "campaign",
        "unit",
        "procedure",
        "received",
        "resolved_same_day",
        "resolved_later",
        "refused",
    ]
    list_select_related = ["campaign", "unit", "procedure"]


@admin.register(DossierCodeCounter)
class DossierCodeCounterAdmin(ReadOnlyAdmin):
    list_display = ["year", "last"]
