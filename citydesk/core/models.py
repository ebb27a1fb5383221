"""Platform core: administrative units, organisations, people, delegation, calendar, audit."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citydesk.core.powers import Role

# The longest handling times the back office and the imports accept. The working-day calendar counts up to
# 2100 (lib/workdays); a legal time of four years of working days is far beyond any procedure's or report's
# and leaves the calendar decades of room. Hours: the same span, eight office hours a day.
MAX_WORKING_DAYS = 1000
MAX_WORKING_HOURS = 8 * MAX_WORKING_DAYS


def max_working_days_validator() -> MaxValueValidator:
    return MaxValueValidator(
        MAX_WORKING_DAYS,
        _(
            "At most %(limit_value)s working days (about four years): the working-day calendar counts no further."
        ),
    )


def max_working_hours_validator() -> MaxValueValidator:
    return MaxValueValidator(
        MAX_WORKING_HOURS,
        _(
            "At most %(limit_value)s working hours (about four years): the working-day calendar counts no further."
        ),
    )


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("Province-level unit")
    WARD = "ward", _("Commune-level unit")


class BoundaryKind(models.TextChoices):
    NONE = "", _("No boundary")
    APPROXIMATE = "approximate", _("Approximate (Voronoi cell of unit centres)")
    OFFICIAL = "official", _("Official (imported GeoJSON)")


class AdminUnit(models.Model):
    """A current (post-1 July 2025) administrative unit: a province or a commune-level unit."""

    code = models.CharField(_("code"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    search_name = models.CharField(
        max_length=120, db_index=True, editable=False, verbose_name=_("search name")
    )
    division_type = models.CharField(_("division type"), max_length=40)
    level = models.CharField(_("level"), max_length=10, choices=DivisionLevel.choices)
    province = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wards",
        verbose_name=_("province"),
    )
    codename = models.CharField(max_length=120, verbose_name=_("codename"))
    centre_lon = models.FloatField(_("centre longitude"), null=True, blank=True)
    centre_lat = models.FloatField(_("centre latitude"), null=True, blank=True)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    boundary_kind = models.CharField(
        _("boundary kind"), max_length=12, choices=BoundaryKind.choices, default="", blank=True
    )

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["code"]
        indexes = [models.Index(fields=["province", "level"], name="adminunit_province_level")]

    def __str__(self) -> str:
        return self.name

    @property
    def province_code(self) -> str | None:
        return self.province_id


class LegacyUnit(models.Model):
    """A pre-July-2025 unit (province, district or ward) kept to read old addresses and codes."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province (before 2025)")
        DISTRICT = "district", _("District (before 2025)")
        WARD = "ward", _("Ward/commune (before 2025)")

    level = models.CharField(max_length=10, choices=Level.choices, verbose_name=_("level"))
    code = models.CharField(max_length=5, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    search_name = models.CharField(
        max_length=120, db_index=True, editable=False, verbose_name=_("search name")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    successors = models.ManyToManyField(
        AdminUnit, through="LegacyMapping", related_name="legacy_sources", verbose_name=_("successors")
    )

    class Meta:
        verbose_name = _("legacy unit (before 2025)")
        verbose_name_plural = _("legacy units (before 2025)")
        constraints = [models.UniqueConstraint(fields=["level", "code"], name="legacyunit_level_code_uniq")]

    def __str__(self) -> str:
        return self.name


class LegacyMapping(models.Model):
    """Legacy unit -> current unit. `partial` when only part of the old unit went to this one."""

    legacy = models.ForeignKey(
        LegacyUnit, on_delete=models.CASCADE, related_name="mappings", verbose_name=_("legacy")
    )
    unit = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    partial = models.BooleanField(default=False, verbose_name=_("partial"))

    class Meta:
        verbose_name = _("old-to-new unit mapping")
        verbose_name_plural = _("old-to-new unit mappings")
        constraints = [models.UniqueConstraint(fields=["legacy", "unit"], name="legacymapping_uniq")]

    def __str__(self) -> str:
        return f"{self.legacy_id} → {self.unit_id}"


class OrgKind(models.TextChoices):
    PEOPLES_COMMITTEE = "peoples_committee", _("People's Committee")
    DEPARTMENT = "department", _("Department")
    ONE_STOP_DESK = "one_stop_desk", _("One-stop desk")
    INSPECTORATE = "inspectorate", _("Inspectorate")
    SERVICE_COMPANY = "service_company", _("Public service company")
    OTHER = "other", _("Other unit")


# A People's Committee's code: its province's (2 digits) or commune-level unit's (5 digits) code.
_UNIT_CODE = re.compile(r"^(\d{2}|\d{5})$")
# What follows "<parent's code>." in the code of a unit under another: SXD, TT1022, MC.
_UNIT_SUFFIX = re.compile(r"^[A-Z][A-Z0-9]{0,19}$")
# The kinds of unit that sit directly under a People's Committee.
KINDS_UNDER_A_COMMITTEE = frozenset({OrgKind.DEPARTMENT, OrgKind.INSPECTORATE, OrgKind.ONE_STOP_DESK})


class Organisation(models.Model):
    """A unit in the tree of government bodies. A People's Committee uses its admin unit's code."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    admin_unit = models.ForeignKey(
        AdminUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        verbose_name=_("administrative unit"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The documented code scheme (README, "Demo log-ins"): a People's Committee has its administrative
        unit's code (79, 26743); a unit under it has the code of its parent, a dot and a short code of
        capital letters and digits (79.SXD, 26743.MC). Departments, inspectorates and one-stop desks belong
        to a People's Committee; every unit but a province's People's Committee has a parent."""
        errors: dict[str, str] = {}
        code = self.code or ""
        parent = self.parent if self.parent_id is not None else None
        if self.kind == OrgKind.PEOPLES_COMMITTEE:
            unit = self.admin_unit if self.admin_unit_id is not None else None
            if not _UNIT_CODE.match(code):
                errors["code"] = _(
                    "A People's Committee's code is its administrative unit's code: 2 digits for a "
                    "province (79), 5 for a commune-level unit (26743)."
                )
            elif unit is not None and unit.code != code:
                errors["code"] = _(
                    "A People's Committee's code is its administrative unit's code: %(unit)s for %(name)s."
                ) % {"unit": unit.code, "name": unit.name}
            elif len(code) == 5 and parent is None:
                errors["parent"] = _(
                    "A commune-level People's Committee belongs to its province's People's Committee: "
                    "choose it as the parent."
                )
        elif self.kind:
            if parent is None:
                errors["parent"] = _(
                    "This kind of unit belongs to a People's Committee or to one of its units: choose its "
                    "parent unit."
                )
            elif self.kind in KINDS_UNDER_A_COMMITTEE and parent.kind != OrgKind.PEOPLES_COMMITTEE:
                errors["parent"] = _(
                    "A department, an inspectorate or a one-stop desk belongs directly to a People's "
                    "Committee, not to “%(parent)s”."
                ) % {"parent": parent.name}
            else:
                prefix = f"{parent.code}."
                suffix = code[len(prefix) :] if code.startswith(prefix) else ""
                if not _UNIT_SUFFIX.match(suffix):
                    errors["code"] = _(
                        "The code of a unit under %(parent)s is “%(prefix)s” followed by 1 to 20 capital "
                        "letters or digits, starting with a letter (e.g. %(example)s)."
                    ) % {
                        "parent": parent.name,
                        "prefix": prefix,
                        "example": prefix + ("MC" if self.kind == OrgKind.ONE_STOP_DESK else "SXD"),
                    }
        if errors:
            raise ValidationError(errors)

    def ancestor_ids(self) -> list[int]:
        """This organisation's id and its ancestors' ids, nearest first (the tree is shallow)."""
        ids: list[int] = []
        node: Organisation | None = self
        while node is not None and node.pk not in ids:
            ids.append(node.pk)
            node = node.parent
        return ids


class User(AbstractUser):
    """A person: an officer (with memberships) or a citizen (none)."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The language the person last chose on the site (or through the API): their messages are written in
    # it. Empty: never chosen, so the platform's language.
    language = models.CharField(
        _("language of messages"), max_length=8, blank=True, default="", choices=settings.LANGUAGES
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="user_phone_uniq"),
        ]
        # Log-in by e-mail and the sign-up's "is this address taken" compare e-mails in any case.
        indexes = [models.Index(Upper("email"), name="user_email_upper")]

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new password (the account's own change, a reset, the back office, `changepassword`) ends the
        # account's app tokens as it ends its sessions: a token taken with a leaked password must not
        # outlive the password.
        # A deactivated account's tokens end too: reactivating it (a mistake undone, a person back at work)
        # must not bring back tokens that may have been lost meanwhile.
        password_changed = self._password is not None and self.pk is not None
        fields = kwargs.get("update_fields")
        deactivated = self.pk is not None and not self.is_active and (fields is None or "is_active" in fields)
        super().save(*args, **kwargs)
        if password_changed or deactivated:
            from citydesk.core.services import api_tokens_end

            api_tokens_end(self, reason="password changed" if password_changed else "account deactivated")


class Membership(models.Model):
    """An officer's role in an organisation."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    title = models.CharField(_("title"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    def clean(self) -> None:
        if self.organisation_id is not None and self.role:
            misfit = membership_misfit(self.role, self.organisation)
            if misfit:
                raise ValidationError({"role": misfit})


def membership_misfit(role: str, organisation: Organisation) -> str | None:
    """Why `role` cannot be held in `organisation`, or None. A city leader's powers reach the whole city
    (its audit trail, its units' figures) and an inspector's the whole city's trail: held at a ward they
    would give a ward's officer the city."""
    if role == Role.LEADER and not (
        organisation.kind == OrgKind.PEOPLES_COMMITTEE and organisation.parent_id is None
    ):
        return _(
            "A city leader belongs to the People's Committee of a province or centrally run city (e.g. 79), "
            "not to “%(unit)s”."
        ) % {"unit": organisation.name}
    if role == Role.INSPECTOR and organisation.kind != OrgKind.INSPECTORATE:
        return _("An inspector belongs to an inspectorate, not to “%(unit)s”.") % {"unit": organisation.name}
    return None


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a SHA-256 of the token is stored."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(max_length=100, blank=True, verbose_name=_("name"))
    prefix = models.CharField(max_length=12, db_index=True, verbose_name=_("prefix"))
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class Delegation(models.Model):
    """Ủy quyền: a head lets another person or unit exercise named powers for a period."""

    delegator = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="delegations_given", verbose_name=_("delegator")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="delegations",
        help_text=_("The organisation in which the delegator holds the powers."),
        verbose_name=_("organisation"),
    )
    powers = models.JSONField(_("powers"))
    delegate_user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delegations_received",
        verbose_name=_("delegate user"),
    )
    delegate_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delegations_received",
        verbose_name=_("delegate organisation"),
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    reason = models.CharField(_("legal basis / reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="delegation_dates"
            ),
            models.CheckConstraint(
                condition=(Q(delegate_user__isnull=False) & Q(delegate_organisation__isnull=True))
                | (Q(delegate_user__isnull=True) & Q(delegate_organisation__isnull=False)),
                name="delegation_one_delegate",
            ),
        ]

    def __str__(self) -> str:
        target = self.delegate_user or self.delegate_organisation
        return f"{self.delegator} → {target} ({self.start_date}–{self.end_date})"


class CalendarOverride(models.Model):
    """An official change to the working calendar announced for a year (entered by an admin)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Official day off")
        WORKING_DAY = "working_day", _("Swapped working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    # Shown on English pages and in the API's name_en; empty: the package's English name for the same day
    # and kind when it knows one, else the Vietnamese name.
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("calendar change")
        verbose_name_plural = _("calendar changes")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}: {self.name}"  # as every page writes a date


class ServiceCategory(models.Model):
    """A category of citizen report, dossier field or complaint, used by the later subsystems."""

    class Domain(models.TextChoices):
        REPORT = "report", _("Citizen report (1022)")
        DOSSIER = "dossier", _("Administrative procedure field")
        COMPLAINT = "complaint", _("Complaint / denunciation")

    code = models.CharField(_("code"), max_length=40, unique=True)
    domain = models.CharField(_("domain"), max_length=12, choices=Domain.choices)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    handled_by = models.CharField(
        _("handled by"), max_length=12, choices=[("ward", _("Ward/commune")), ("department", _("Department"))]
    )
    department_code = models.CharField(_("responsible department code"), max_length=40, blank=True)
    working_days = models.PositiveSmallIntegerField(
        _("handling time (working days)"), default=5, validators=[max_working_days_validator()]
    )
    triage_hours = models.PositiveSmallIntegerField(
        _("time to classify and assign (working hours)"),
        default=8,
        validators=[max_working_hours_validator()],
    )
    duplicate_radius_m = models.PositiveIntegerField(_("duplicate search radius (m)"), default=50)
    duplicate_window_days = models.PositiveIntegerField(_("duplicate search window (days)"), default=30)
    # Retired: no longer offered on any form, the API or Open311, nor taken by the intake; the reports
    # filed in it keep it (a category with reports cannot be deleted).
    is_active = models.BooleanField(
        _("in use"),
        default=True,
        help_text=_("Untick to stop offering the category; its reports keep it."),
    )
    questions = models.JSONField(
        _("extra questions"),
        default=list,
        blank=True,
        help_text=_(
            '[{"code": "depth_cm", "label": "…", "label_en": "…", "type": "number|text|choice", '
            '"required": true, "choices": […]}]'
        ),
    )

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["domain", "code"]

    def __str__(self) -> str:
        return self.name


class AuditEntry(models.Model):
    """One state change. Append-only (database triggers refuse UPDATE/DELETE) and hash-chained."""

    class Right(models.TextChoices):
        OWN = "own", _("Own right")
        DELEGATED = "delegated", _("By delegation")
        SYSTEM = "system", _("System")

    at = models.DateTimeField(_("time"))
    actor_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("actor id"))
    actor_label = models.CharField(_("actor"), max_length=200)
    right = models.CharField(_("right"), max_length=10, choices=Right.choices)
    delegation_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("delegation id"))
    on_behalf_of = models.CharField(_("on behalf of"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=80)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64, verbose_name=_("prev hash"))
    hash = models.CharField(max_length=64, unique=True, verbose_name=_("hash"))

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """Single row holding the last hash; locked to serialise appends and to detect tail deletion."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, verbose_name=_("id"))
    last_id = models.BigIntegerField(default=0, verbose_name=_("last id"))
    last_hash = models.CharField(max_length=64, default="0" * 64, verbose_name=_("last hash"))
    count = models.BigIntegerField(default=0, verbose_name=_("count"))

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"audit head #{self.last_id}"


class ConfigGeneration(models.Model):
    """Single row bumped by database triggers whenever configuration changes (see core/configcache.py)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, verbose_name=_("id"))
    value = models.BigIntegerField(default=0, verbose_name=_("value"))

    class Meta:
        verbose_name = _("configuration version")
        verbose_name_plural = _("configuration versions")

    def __str__(self) -> str:
        return f"configuration generation {self.value}"


class PersonalDataAccess(models.Model):
    """A member of staff opened someone's personal data (SPEC S0: "visible only to those who handle the case,
    access logged"): a dossier's or report's page, API detail, receipt, file, or its back-office page.

    Not in the audit trail's chain: a reading changes nothing, and every reading appending to the chain would
    queue the officers' pages behind the chain head's lock. One plain INSERT (core.access.record_access).
    The reader is kept by id and name, as the trail keeps its actors: a deleted account leaves its readings.
    """

    class What(models.TextChoices):
        PAGE = "page", _("Page of the case")
        API = "api", _("API")
        RECEIPT = "receipt", _("Receipt")
        FILE = "file", _("File")
        ADMIN = "admin", _("Back office")

    at = models.DateTimeField(_("time"), default=timezone.now)
    user_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("reader id"))
    user_label = models.CharField(_("reader"), max_length=200)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=80)
    what = models.CharField(_("what was opened"), max_length=8, choices=What.choices)
    address = models.GenericIPAddressField(_("network address"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="pdaccess_object"),
            models.Index(fields=["at"], name="pdaccess_at"),  # the retention's purge
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.user_label} {self.object_type}:{self.object_id} ({self.what})"


class AccountCode(models.Model):
    """A 6-digit code sent to an e-mail address or a phone number to open a citizen's account (sign-up) or
    to choose a new password (reset): core.accounts. Only a keyed hash of the code is kept; a sign-up keeps
    what the account is made of (the name, the password's hash as Django stores passwords, the consent) until
    the code comes back. Its rows also count the codes sent to an address and the requests from a network
    address; they are deleted two days after they were made."""

    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("Sign-up")
        RESET = "reset", _("Password reset")

    purpose = models.CharField(_("purpose"), max_length=8, choices=Purpose.choices)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    code_hash = models.CharField(_("code (hashed)"), max_length=64)
    # A hash of the requester's network address (never the address itself), for the hourly limit.
    client = models.CharField(_("network address (hashed)"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong codes"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    # Sign-up: the account to make once the code comes back.
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    password = models.CharField(_("password"), max_length=128, blank=True)
    language = models.CharField(_("language of messages"), max_length=8, blank=True)
    consented_at = models.DateTimeField(_("consent to personal data processing"), null=True, blank=True)
    # Reset: the account whose password the code lets one change (none: no such active account).
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("user")
    )

    class Meta:
        verbose_name = _("account code")
        verbose_name_plural = _("account codes")
        indexes = [
            models.Index(fields=["email", "created_at"], name="accountcode_email"),
            models.Index(fields=["phone", "created_at"], name="accountcode_phone"),
            models.Index(fields=["client", "created_at"], name="accountcode_client"),
            models.Index(fields=["created_at"], name="accountcode_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ← {self.email or self.phone}"
