"""The back office (Django admin, in Vietnamese by default). The audit trail is read-only here.

Configuration edited here is checked as the services check it (errors next to the field at fault) and
every change is written to the audit trail (`AuditedAdmin`).
"""

from __future__ import annotations

import json
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from citydesk.core.access import mask_link_keys, record_case_access
from citydesk.core.admin_audit import AuditedAdmin, admin_actor, record_change
from citydesk.core.admin_labels import CodedChoices, PermissionChoices, coded_autocomplete
from citydesk.core.admin_lists import AccentFreeSearch, with_safe_date_hierarchy
from citydesk.core.admin_questions import QuestionsField
from citydesk.core.admin_tasks import install as install_task_admin
from citydesk.core.audit_labels import (
    action_label,
    change_rows,
    entry_action_label,
    object_type_label,
    system_actor_label,
)
from citydesk.core.errors import DomainError
from citydesk.core.history_notes import actor_text
from citydesk.core.models import (
    AdminUnit,
    ApiToken,
    AuditEntry,
    CalendarOverride,
    Delegation,
    DivisionLevel,
    LegacyUnit,
    Membership,
    Organisation,
    PersonalDataAccess,
    ServiceCategory,
    User,
)
from citydesk.core.units import VIETNAM_LAT, VIETNAM_LON
from citydesk.core.validators import (
    check_department_code,
    check_organisation_parent,
    check_questions,
    normalize_phone,
)
from citydesk.lib.text import sort_key


class PersonalDataAdmin(admin.ModelAdmin):
    """The back office of a citizen's case (a dossier, a report): its citizen key (`citizen_token`, which
    opens the case as its applicant: full view, withdrawal) is never shown, and an administrator's opening
    of a case's page, which shows its applicant's or reporter's ID number, phone and address, is recorded
    (core.access) as any officer's is."""

    hidden_secrets = ("citizen_token",)

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*(super().get_exclude(request, obj) or ()), *self.hidden_secrets]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        case = (getattr(response, "context_data", None) or {}).get("original")
        if request.method == "GET" and response.status_code == 200 and case is not None:
            record_case_access(request, case, "admin")
        return response


def add_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


class MembershipInline(CodedChoices, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


USERNAME_HELP = _("Used to sign in: at most 150 characters, letters, digits and @ . + - _ only (no spaces).")
USABLE_PASSWORD_HELP = _(
    "Whether the user will be able to sign in with a password. If disabled, they cannot sign in to "
    "CityDesk's pages or this back office until a password is set (here, or with “citydesk set-password "
    "USERNAME”); API tokens issued to the account keep working."
)


class UserCreationForm(AdminUserCreationForm):
    """Django's, with hints true for CityDesk (its own spoke of single sign-on and LDAP, which CityDesk
    does not have)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = USERNAME_HELP
        if "usable_password" in self.fields:
            self.fields["usable_password"].help_text = USABLE_PASSWORD_HELP


class PasswordChangeForm(AdminPasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "usable_password" in self.fields:  # the warning keeps its id: Django's script shows it when ticked
            self.fields["usable_password"].help_text = format_html(
                '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
                USABLE_PASSWORD_HELP,
                _("The account's current password will stop working."),
            )


class UserChangeForm(BaseUserChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "username" in self.fields:
            self.fields["username"].help_text = USERNAME_HELP

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data.get("phone", ""), field="phone")
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean(self) -> dict[str, Any]:
        """The last active system administrator keeps what lets them in: unticking “active”, “staff” or
        “superuser” would lock everyone out of the back office, and only a shell could undo it (the
        command `citydesk deactivate-user` refuses the same)."""
        data = super().clean()
        user = self.instance
        if user.pk is None or not (user.is_superuser and user.is_active and user.is_staff):
            return data
        lost = [name for name in ("is_active", "is_staff", "is_superuser") if name in data and not data[name]]
        from citydesk.core.services import another_active_administrator

        if lost and not another_active_administrator(user):
            message = _(
                "“%(u)s” is the last active system administrator: give another account these rights "
                "first, or nobody could use the back office."
            ) % {"u": user.username}
            for name in lost:
                self.add_error(name, message)
        return data


@admin.register(User)
class UserAdmin(AccentFreeSearch, PermissionChoices, AuditedAdmin, BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = PasswordChangeForm
    list_display = ["username", "full_name", "email", "phone", "is_active", "is_staff"]
    # Found by their unit too (its code or name), and filtered by role: “who are Chợ Quán's officers?”
    search_fields = [
        "username",
        "full_name",
        "email",
        "phone",
        "memberships__organisation__code",
        "memberships__organisation__name",
    ]
    list_filter = ["is_active", "is_staff", "memberships__role"]
    # One name: CityDesk's full name (“Trần Văn Minh”), not Django's first and last name besides it. The
    # sections keep Django's titles (account, personal information, permissions, important dates).
    fieldsets = (
        BaseUserAdmin.fieldsets[0],
        (BaseUserAdmin.fieldsets[1][0], {"fields": ("full_name", "email", "phone", "language")}),
        *BaseUserAdmin.fieldsets[2:],
    )
    # Set by Django, never edited: the time widget (hours and minutes) would drop the seconds of the date
    # joined on every save, a change nobody made.
    readonly_fields = ["last_login", "date_joined"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        from citydesk.core.services import another_active_administrator

        if obj is not None and obj.is_superuser and obj.is_active and not another_active_administrator(obj):
            # The last active system administrator (see UserChangeForm.clean); the list's bulk "delete"
            # asks this of every selected account, and refuses the whole selection.
            return False
        return super().has_delete_permission(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Granting or removing the administrator's role gives or takes away staff status and the
        administrators' group, as `citydesk create-user --role admin` does; the user's audit row (written
        after the inlines) records the rights that changed."""
        from citydesk.core.services import admin_rights_sync, holds_admin_role

        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        user = form.instance
        had_role = change and holds_admin_role(user)
        super().save_formset(request, form, formset, change)
        admin_rights_sync(user, had_role=had_role)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """A new password set here is recorded (never the password or its hash)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = User.objects.get(pk=id)
                record_change(
                    request, user, before={"password": "(previous)"}, after={"password": "(changed)"}
                )
        return response


admin.site.unregister(Group)


# Axes's lists of log-in attempts have a date hierarchy: an impossible date in the query is refused, not a
# server error (see admin_lists).
# The two logs are the evidence of who tried to log in: kept, never deleted in the back office. A lock-out
# (AccessAttempt) is still lifted by deleting it.
def _kept(model_admin: admin.ModelAdmin, request: HttpRequest, obj: Any = None) -> bool:
    return False  # has_delete_permission of the two logs


for _model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(_model):
        _axes_admin = with_safe_date_hierarchy(type(admin.site.get_model_admin(_model)))
        if _model is not AccessAttempt:
            _axes_admin.has_delete_permission = _kept  # type: ignore[method-assign]
        admin.site.unregister(_model)
        admin.site.register(_model, _axes_admin)


@admin.register(Group)
class GroupAdmin(PermissionChoices, AuditedAdmin, BaseGroupAdmin):
    """Groups carry back-office permissions: who gained or lost which is recorded."""


class AdminUnitForm(forms.ModelForm):
    """An administrative unit as the official list has them: a 2-digit province with no province above it,
    a 5-digit commune-level unit inside a province, a centre in Vietnam, an area that is not negative."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        level, code, province = data.get("level"), (data.get("code") or "").strip(), data.get("province")
        digits = {DivisionLevel.PROVINCE: 2, DivisionLevel.WARD: 5}.get(level)
        if digits and code and not (code.isdigit() and len(code) == digits):
            self.add_error("code", _("The code of this level has %(n)s digits.") % {"n": digits})
        if level == DivisionLevel.PROVINCE and province is not None:
            self.add_error("province", _("A province has no province above it."))
        if level == DivisionLevel.WARD:
            if province is None:
                self.add_error("province", _("Choose the province of this commune-level unit."))
            elif province.level != DivisionLevel.PROVINCE:
                self.add_error("province", _("%(unit)s is not a province.") % {"unit": province.name})
        lon, lat = data.get("centre_lon"), data.get("centre_lat")
        if (lon is None) != (lat is None):
            self.add_error(
                "centre_lat" if lat is None else "centre_lon", _("Give both coordinates, or neither.")
            )
        if lon is not None and not VIETNAM_LON[0] <= lon <= VIETNAM_LON[1]:
            self.add_error("centre_lon", _("The longitude is outside Vietnam."))
        if lat is not None and not VIETNAM_LAT[0] <= lat <= VIETNAM_LAT[1]:
            self.add_error("centre_lat", _("The latitude is outside Vietnam."))
        area = data.get("area_km2")
        if area is not None and area <= 0:
            self.add_error("area_km2", _("The area must be more than 0."))
        return data


@admin.register(AdminUnit)
class AdminUnitAdmin(AuditedAdmin):
    form = AdminUnitForm
    list_display = ["code", "name", "level", "province", "area_km2", "boundary_kind"]
    list_filter = ["level", "boundary_kind"]
    search_fields = ["code", "name", "search_name"]
    list_select_related = ["province"]
    readonly_fields = ["boundary"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "province":  # the 34 provinces, not the 3,321 communes as well
            kwargs["queryset"] = AdminUnit.objects.filter(level=DivisionLevel.PROVINCE).order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(LegacyUnit)
class LegacyUnitAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name", "search_name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]  # a search box, not a list of 10,811 old units in every page


class OrganisationForm(forms.ModelForm):
    """The admin builds the form of this model with these checks (no Meta: it passes the fields)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "code" in self.fields:  # said before a wrong one is refused, not only after
            self.fields["code"].help_text = _(
                "A People's Committee takes its administrative unit's code (79, 26743); a department, "
                "one-stop desk or other body its parent's code, a dot and a short name (79.SXD, 26743.MC)."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            check_organisation_parent(self.instance, data.get("parent"))
        except DomainError as exc:
            add_domain_error(self, exc)
        return data


@admin.register(Organisation)
class OrganisationAdmin(AccentFreeSearch, AuditedAdmin):
    form = OrganisationForm
    list_display = ["code", "name", "kind", "parent", "admin_unit", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "admin_unit"]
    autocomplete_fields = ["parent", "admin_unit"]


@admin.register(Delegation)
class DelegationAdmin(AuditedAdmin):
    list_display = [
        "delegator",
        "organisation",
        "delegate_user",
        "delegate_organisation",
        "start_date",
        "end_date",
    ]
    list_select_related = ["delegator", "organisation", "delegate_user", "delegate_organisation"]

    # Granted and revoked through the audited service / API only; a revoked one stays as a record.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CalendarOverrideForm(forms.ModelForm):
    request: HttpRequest | None = None  # set by the admin: who edits decides whether they may

    class Meta:
        model = CalendarOverride
        fields = ["date", "kind", "name", "name_en", "legal_basis"]

    def clean(self) -> dict[str, Any]:
        from citydesk.core.calendar_changes import calendar_override_check
        from citydesk.core.powers import Power
        from citydesk.core.services import actor_for_system_power

        data = super().clean()
        try:
            if self.request is not None:
                actor_for_system_power(self.request.user, Power.MANAGE_CALENDAR)
            # A field the form already refused (empty, too long) is not in `data`: no second message.
            if data.get("date") and data.get("kind") and "name" in data:
                calendar_override_check(
                    day=data["date"],
                    kind=data["kind"],
                    name=data["name"] or "",
                    legal_basis=data.get("legal_basis") or "",
                    name_en=data.get("name_en") or "",
                )
        except DomainError as exc:
            add_domain_error(self, exc)
        return data


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(AuditedAdmin):
    form = CalendarOverrideForm
    list_display = ["date", "kind", "name", "name_en", "legal_basis"]
    list_filter = ["kind"]
    audit_saves = False  # the calendar services audit their writes

    def audit_id(self, obj: Any) -> str:
        return obj.date.isoformat()  # as the calendar services name an entry

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request  # a class made for this request
        return form

    # The success message says how many open deadlines the change moved (the services record it in the
    # trail, "calendar.deadlines_moved"): a day off entered for next week moves every open report and
    # dossier due after it, which the administrator should know at once.
    def _mark(self, request: HttpRequest) -> None:
        request._calendar_audit_mark = (  # type: ignore[attr-defined]
            AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        )

    def _moved_text(self, request: HttpRequest) -> str | None:
        mark = getattr(request, "_calendar_audit_mark", None)
        if mark is None:
            return None
        del request._calendar_audit_mark  # type: ignore[attr-defined]
        rows = AuditEntry.objects.filter(
            id__gt=mark, action="calendar.deadlines_moved", actor_id=request.user.pk
        ).values_list("after", flat=True)
        reports = sum(int((after or {}).get("reports") or 0) for after in rows)
        dossiers = sum(int((after or {}).get("dossiers") or 0) for after in rows)
        if not reports and not dossiers:
            return str(_("No open report or dossier had its due time moved."))
        return _(
            "Due times moved with this change: %(reports)s and %(dossiers)s (each keeps the working time it "
            "had left, and its history says why)."
        ) % {
            "reports": ngettext("%(n)s open report", "%(n)s open reports", reports) % {"n": reports},
            "dossiers": ngettext("%(n)s open dossier", "%(n)s open dossiers", dossiers) % {"n": dossiers},
        }

    def message_user(
        self, request: HttpRequest, message: Any, level: int = messages.INFO, *args: Any, **kwargs: Any
    ) -> None:
        moved = self._moved_text(request) if level == messages.SUCCESS else None
        if moved:
            message = format_html("{} {}", message, moved)
        super().message_user(request, message, level, *args, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from citydesk.core.calendar_changes import calendar_override_move, calendar_override_set

        self._mark(request)
        fields = {"kind": obj.kind, "name": obj.name, "name_en": obj.name_en, "legal_basis": obj.legal_basis}
        old_day = CalendarOverride.objects.filter(pk=obj.pk).values_list("date", flat=True).first()
        if change and old_day is not None and old_day != obj.date:
            override = calendar_override_move(user=request.user, old_day=old_day, day=obj.date, **fields)
        else:
            override = calendar_override_set(user=request.user, day=obj.date, **fields)
        obj.pk = override.pk

    # Withdrawn through the calendar service: audited, and the open deadlines it moved move back.
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        from citydesk.core.calendar_changes import calendar_override_delete

        self._mark(request)
        calendar_override_delete(user=request.user, day=obj.date)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        from citydesk.core.calendar_changes import calendar_override_delete

        self._mark(request)
        with transaction.atomic():
            for day in list(queryset.values_list("date", flat=True)):
                calendar_override_delete(user=request.user, day=day)


class ServiceCategoryForm(forms.ModelForm):
    """The admin builds the form of this model with these checks (no Meta: it passes the fields).

    The code's form and uniqueness (whatever the case), the code and domain of a category with reports
    (fixed), the time to assign (at least an hour) and the questions (every fault at once) are checked by
    `core.category_admin_checks`; each error is shown next to its field and nothing is saved."""

    questions = QuestionsField(
        label=_("Extra questions"),
        required=False,
        help_text=_(
            "Asked on the report form after the category is chosen; the answers reach the handling unit."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from citydesk.core import category_admin_checks as checks

        super().__init__(*args, **kwargs)
        self.stored = checks.stored_category(self.instance.pk)
        used = checks.used_help_text(self.stored)
        if "code" in self.fields:
            self.fields["code"].help_text = used or _(
                "Lower-case letters without accents, digits and underscores (e.g. road_damage): the "
                "category's key in the API, Open311 (service_code) and exports. It can no longer change "
                "once reports use the category."
            )
        if "domain" in self.fields and used:
            self.fields["domain"].help_text = used
        if "working_days" in self.fields:
            self.fields["working_days"].help_text = _(
                "0 is a same-day service: due at the close of office on the day the report is received "
                "(the next working day's, when received after the same-day cut-off time)."
            )
        if "triage_hours" in self.fields:
            self.fields["triage_hours"].help_text = _(
                "Working hours from receipt to classify the report and assign it to a unit: at least 1."
            )
            self.fields["triage_hours"].widget.attrs["min"] = 1
        if "department_code" in self.fields:
            self.fields["department_code"].help_text = _(
                "The part after the dot of the department's code: SXD for 79.SXD (in each city, its "
                "department of that code). Required when a department handles the category."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._check_code_domain_times(data)
        self._check_questions(data)
        try:
            self._check_department(data)
        except DomainError as exc:
            add_domain_error(self, exc)
        return data

    def _check_code_domain_times(self, data: dict[str, Any]) -> None:
        from citydesk.core import category_admin_checks as checks

        for field, check, args in (
            ("code", checks.code_problem, (self.stored,)),
            ("domain", checks.domain_problem, (self.stored,)),
            ("triage_hours", checks.triage_hours_problem, ()),
        ):
            if data.get(field) is not None:  # not already refused (empty, not a number…)
                problem = check(data[field], *args)
                if problem:
                    self.add_error(field, problem)

    def _check_questions(self, data: dict[str, Any]) -> None:
        from citydesk.core import category_admin_checks as checks

        if "questions" not in data:  # already refused as bad JSON
            return
        field = self.fields["questions"]
        raw = field.widget.value_from_datadict(self.data, self.files, self.add_prefix("questions"))
        problems = checks.question_problems(data["questions"], checks.question_numbers(raw))
        if not problems and isinstance(data["questions"], list):
            problems = checks.answered_removals(self.stored, data["questions"])
        if problems:
            self.add_error("questions", problems)
        else:
            data["questions"] = check_questions(data["questions"])

    def _check_department(self, data: dict[str, Any]) -> None:
        if "department_code" in data and data.get("handled_by"):
            data["department_code"] = check_department_code(data["handled_by"], data["department_code"])


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(AccentFreeSearch, AuditedAdmin):
    form = ServiceCategoryForm
    list_display = ["code", "name", "domain", "handled_by", "department_code", "working_days", "is_active"]
    list_filter = ["domain", "handled_by", "is_active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["prefix", "user__username", "name"]
    # Only the name is editable: a token stays with its user, and is revoked with the action below.
    readonly_fields = ["user", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made with its secret on the server (`citydesk issue-token`), shown once

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        help_text = _(
            "API tokens are issued on the server, which shows each token once: “citydesk issue-token "
            "USERNAME --name PURPOSE” for an existing account, or “citydesk create-user … --token-only” "
            "with a new one. Here you can rename them or revoke them (select, then the action “Revoke the "
            "selected tokens”)."
        )
        return super().changelist_view(request, {**(extra_context or {}), "subtitle": help_text})

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        from citydesk.core.services import api_token_revoke

        actor = admin_actor(request)
        with transaction.atomic():
            revoked = sum(
                api_token_revoke(actor=actor, token=token) for token in queryset.select_related("user")
            )
        self.message_user(
            request,
            ngettext("%(n)s token revoked.", "%(n)s tokens revoked.", revoked) % {"n": revoked},
            messages.SUCCESS,
        )


def _with_code(name: str, code: str) -> str:
    """The row's page shows the stored code too (what the API and exports carry)."""
    return name if name == code else f"{name} ({code})"


class _NamedCodeFilter(admin.SimpleListFilter):
    """A filter over a column of codes, each choice named in the reader's language (in its order)."""

    field = ""
    namer: Any = None

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = model_admin.get_queryset(request).order_by().values_list(self.field, flat=True).distinct()
        return sorted(((code, type(self).namer(code)) for code in codes), key=lambda pair: sort_key(pair[1]))

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class AuditActionFilter(_NamedCodeFilter):
    title = _("action")
    parameter_name = field = "action"
    namer = staticmethod(action_label)


class AuditObjectTypeFilter(_NamedCodeFilter):
    title = _("object type")
    parameter_name = field = "object_type"
    namer = staticmethod(object_type_label)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "at",
        "actor",
        "right",
        "on_behalf_of",
        "action_name",
        "object_type_name",
        "object_id",
    ]
    list_filter = ["right", AuditActionFilter, AuditObjectTypeFilter]
    search_fields = ["actor_label", "object_id", "action"]
    ordering = ["-id"]  # newest first, as the trail's page and the API read it
    fields = [
        "at",
        "actor_name",
        "actor_id",
        "right",
        "on_behalf_of",
        "delegation_id",
        "action_with_code",
        "object_type_with_code",
        "object_id",
        "changes",
        "before_shown",
        "after_shown",
        "prev_hash",
        "hash",
    ]
    readonly_fields = [
        "actor_name",
        "action_with_code",
        "object_type_with_code",
        "changes",
        "before_shown",
        "after_shown",
    ]

    @admin.display(description=AuditEntry._meta.get_field("before").verbose_name)
    def before_shown(self, entry: AuditEntry) -> str:
        """The stored JSON, with the keys of the links it holds hidden (a message's `?t=`)."""
        return self._stored_json(entry.before)

    @admin.display(description=AuditEntry._meta.get_field("after").verbose_name)
    def after_shown(self, entry: AuditEntry) -> str:
        return self._stored_json(entry.after)

    @staticmethod
    def _stored_json(value: Any) -> str:
        return "-" if value is None else mask_link_keys(json.dumps(value, ensure_ascii=False, default=str))

    @admin.display(description=_("actor"), ordering="actor_label")
    def actor(self, entry: AuditEntry) -> str:
        """A person's name, a role stored language-neutrally (`role:citizen`) or one of the platform's jobs
        (`sla-sweep`), in the reader's language."""
        return system_actor_label(actor_text(entry.actor_label))

    actor_name = actor

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, entry: AuditEntry) -> str:
        """ "Phản ánh: đã giải quyết" for `report.resolve`; the stored code stays on the row's page."""
        return entry_action_label(entry)

    @admin.display(description=_("object type"), ordering="object_type")
    def object_type_name(self, entry: AuditEntry) -> str:
        return object_type_label(entry.object_type)

    @admin.display(description=_("action"))
    def action_with_code(self, entry: AuditEntry) -> str:
        return _with_code(entry_action_label(entry), entry.action)

    @admin.display(description=_("What changed"))
    def changes(self, entry: AuditEntry) -> str:
        """The stored before and after (shown raw below) as the trail's page reads them: each field by its
        name, values by their labels, names and local times."""
        rows = change_rows(entry)
        if not rows:
            return "—"
        return format_html(
            '<ul class="audit-changes">{}</ul>',
            format_html_join(
                "",
                "<li>{}: {}{}</li>",
                ((name, f"{old} → " if old else "", new or "—") for name, old, new in rows),
            ),
        )

    @admin.display(description=_("object type"))
    def object_type_with_code(self, entry: AuditEntry) -> str:
        return _with_code(object_type_label(entry.object_type), entry.object_type)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """Who opened whose personal data (core.access): a log, read here and on the trail's page, never edited
    or deleted in the back office (old rows go by `core.access.purge_expired_access`)."""

    list_display = ["at", "user_label", "what", "object_type_name", "object_id", "address"]
    list_filter = ["what", "object_type"]
    search_fields = ["user_label", "object_id"]
    ordering = ["-id"]

    @admin.display(description=_("object type"), ordering="object_type")
    def object_type_name(self, row: PersonalDataAccess) -> str:
        return object_type_label(row.object_type)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The pickers' search suggestions name each unit with its code (core.admin_labels).
admin.site.autocomplete_view = coded_autocomplete  # type: ignore[method-assign]


# The back office's sections and their lists in Vietnamese alphabetical order (Django sorts by code points:
# “Đánh giá…” came after “Phản ánh…”, “Ủy quyền” after “Nhật ký”); English pages sort the same way.
_django_app_list = admin.site.get_app_list


def _app_list_in_vietnamese_order(request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:

    apps = _django_app_list(request, app_label)
    apps.sort(key=lambda app: sort_key(str(app["name"])))
    for app in apps:
        app["models"].sort(key=lambda model: sort_key(str(model["name"])))
    return apps


admin.site.get_app_list = _app_list_in_vietnamese_order  # type: ignore[method-assign]

install_task_admin()  # the task queue's list in the reader's language (core.admin_tasks)
