"""Administrative procedures (thủ tục hành chính) and the dossiers (hồ sơ) citizens file for them."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from citydesk.core import history_notes
from citydesk.core.fields import SearchTextField
from citydesk.core.models import Organisation, max_working_days_validator, max_working_hours_validator
from citydesk.core.powers import Role


def in_active_language(official: str, english: str) -> str:
    """A catalog text in the active language: its English version on English pages when there is one,
    else the official (Vietnamese) text, which is always there."""
    if english and (translation.get_language() or "").startswith("en"):
        return english
    return official


def fallback_language(english: str) -> str:
    """The language of a catalog text shown through `in_active_language`, when it differs from the page's:
    "vi" on a page in another language where the text falls back to the official Vietnamese (no English
    version), else "" (the text is in the page's language). Pages mark such text `lang="vi"`."""
    language = translation.get_language() or ""
    if not language or language.startswith("vi") or (english and language.startswith("en")):
        return ""
    return "vi"


class NamedInTwoLanguages:
    """A catalog row with an official (Vietnamese) `name` and an optional `name_en`: `label` is the name in
    the active language, `label_lang` says when it falls back to Vietnamese on a page in another one."""

    name: str
    name_en: str

    @property
    def label(self) -> str:
        """The English name on English pages when there is one, else the official (Vietnamese) name."""
        return in_active_language(self.name, self.name_en)

    @property
    def label_lang(self) -> str:
        """ "vi" when `label` falls back to the Vietnamese name on a page in another language, else ""."""
        return fallback_language(self.name_en)


class ServiceLevel(models.IntegerChoices):
    """Online public-service level (dịch vụ công trực tuyến mức độ 2/3/4)."""

    LEVEL_2 = 2, _("Level 2: information and forms online")
    LEVEL_3 = 3, _("Level 3: submit online")
    LEVEL_4 = 4, _("Level 4: submit and pay online, result online or by post")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "days", _("working days")
    WORKING_HOURS = "hours", _("working hours")


class Authority(models.TextChoices):
    """Which kind of unit is competent: the commune-level unit where it is filed, a department, the city."""

    WARD = "ward", _("Commune-level People's Committee")
    DEPARTMENT = "department", _("City department")
    CITY = "city", _("City People's Committee")


class Procedure(NamedInTwoLanguages, models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    search_name = models.CharField(
        max_length=300, db_index=True, editable=False, default="", verbose_name=_("search name")
    )
    field = models.CharField(_("field"), max_length=120)
    field_en = models.CharField(_("field (English)"), max_length=120, blank=True)
    authority = models.CharField(_("competent level"), max_length=12, choices=Authority.choices)
    # For department-level procedures: the department's short code (e.g. "SXD"), resolved per city.
    department_code = models.CharField(_("competent department code"), max_length=40, blank=True)
    fee = models.PositiveIntegerField(_("fee (VND)"), default=0)
    fee_note = models.CharField(_("fee note"), max_length=300, blank=True)
    processing_time = models.PositiveSmallIntegerField(
        _("legal processing time"), validators=[max_working_hours_validator()]
    )
    time_unit = models.CharField(
        _("time unit"), max_length=6, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    service_level = models.PositiveSmallIntegerField(
        _("online service level"), choices=ServiceLevel.choices, default=ServiceLevel.LEVEL_2
    )
    same_day = models.BooleanField(_("can be handled the same day"), default=False)
    legal_basis = models.CharField(_("legal basis"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("administrative procedure")
        verbose_name_plural = _("administrative procedures")
        ordering = ["field", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        """A time in working days is bounded as a category's is (the field's own validator bounds hours)."""
        if self.time_unit == TimeUnit.WORKING_DAYS and self.processing_time is not None:
            try:
                max_working_days_validator()(self.processing_time)
            except ValidationError as exc:
                raise ValidationError({"processing_time": exc}) from None

    @property
    def field_label(self) -> str:
        """The field (lĩnh vực) in the active language, like `label`."""
        return in_active_language(self.field, self.field_en)

    @property
    def field_label_lang(self) -> str:
        """ "vi" when `field_label` falls back to the Vietnamese field on a page in another language."""
        return fallback_language(self.field_en)


class ProcedureDocument(NamedInTwoLanguages, models.Model):
    """A paper the applicant must (or may) bring, with an optional blank template."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="documents", verbose_name=_("procedure")
    )
    position = models.PositiveSmallIntegerField(default=1, verbose_name=_("position"))
    name = models.CharField(_("document"), max_length=300)
    name_en = models.CharField(_("document (English)"), max_length=300, blank=True)
    copies = models.CharField(_("copies"), max_length=60, blank=True)
    required = models.BooleanField(_("required"), default=True)
    template = models.FileField(_("template"), upload_to="procedure_templates/", blank=True)

    class Meta:
        ordering = ["procedure", "position"]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")

    def __str__(self) -> str:
        return self.name


class Performer(models.TextChoices):
    """Who performs a process step, resolved against the dossier's receiving unit."""

    RECEIVING_UNIT = "receiving", _("The receiving unit")
    # Handing the result back (and any step done across the counter): always at the one-stop desk where
    # the applicant filed, also when a commune received a department's procedure (inter-level one-stop).
    DESK = "desk", _("The one-stop desk that received the dossier")
    DEPARTMENT = "department", _("A city department")
    CITY = "city", _("The City People's Committee")


class ProcedureStep(NamedInTwoLanguages, models.Model):
    """One step of a procedure's process (quy trình nội bộ / liên thông)."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="steps", verbose_name=_("procedure")
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    name = models.CharField(_("step"), max_length=200)
    name_en = models.CharField(_("step (English)"), max_length=200, blank=True)
    performer = models.CharField(
        _("performed by"), max_length=12, choices=Performer.choices, default=Performer.RECEIVING_UNIT
    )
    department_code = models.CharField(_("department code"), max_length=40, blank=True)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.OFFICER)
    # Share of the legal processing time given to this step, in percent; shares of a process sum to 100.
    share = models.DecimalField(_("share of the time (%)"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["procedure", "position"]
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "position"], name="procedurestep_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class Channel(models.TextChoices):
    DESK = "desk", _("One-stop desk")
    ONLINE = "online", _("Online")
    POST = "post", _("By post")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    SUPPLEMENT = "supplement", _("Waiting for additional papers")
    RESULT_READY = "result_ready", _("Result ready")
    RETURNED = "returned", _("Result returned")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS, Status.SUPPLEMENT)
FINISHED_STATUSES = (Status.RESULT_READY, Status.RETURNED, Status.REFUSED, Status.WITHDRAWN)


class Punctuality(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class ResultMethod(models.TextChoices):
    DESK = "desk", _("At the desk")
    ONLINE = "online", _("Online")
    POST = "post", _("By public postal service")


class Campaign(models.Model):
    """A same-day handling campaign: listed procedures at listed units are due the same working day."""

    name = models.CharField(_("name"), max_length=200)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    procedures = models.ManyToManyField(Procedure, related_name="campaigns", verbose_name=_("procedures"))
    units = models.ManyToManyField(Organisation, related_name="campaigns", verbose_name=_("units"))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("same-day campaign")
        verbose_name_plural = _("same-day campaigns")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="campaign_dates"),
        ]

    def __str__(self) -> str:
        return self.name


class Dossier(models.Model):
    code = models.CharField(_("dossier code"), max_length=24, unique=True)
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("procedure")
    )
    unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("receiving unit"),
        db_index=False,  # dossier_unit_received (unit, received_at) starts with it
    )
    province_code = models.CharField(max_length=2, blank=True, verbose_name=_("province code"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    current_step = models.ForeignKey(
        "DossierStep",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current step"),
    )
    # Applicant (personal data: shown only to the handling officers and the applicant).
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dossiers",
        verbose_name=_("applicant"),
        db_index=False,  # partial index in Meta: desk and post dossiers have none
    )
    applicant_name = models.CharField(_("applicant"), max_length=150)
    applicant_id_number = models.CharField(_("ID card number"), max_length=20, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    applicant_address = models.CharField(_("address"), max_length=300, blank=True)
    # What the queue's "code or applicant" search looks in: name and phone, lower case, without accents.
    search_text = SearchTextField(_("search text"), sources=("applicant_name", "applicant_phone"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    same_day = models.BooleanField(_("same-day handling"), default=False)
    # False for a dossier handled outside the one-stop system and recorded afterwards (seed 003 target).
    via_one_stop = models.BooleanField(_("handled through the one-stop system"), default=True)
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dossiers",
        verbose_name=_("campaign"),
        db_index=False,  # partial index in Meta: most dossiers are in none
    )
    paused_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paused at"))
    paused_seconds = models.PositiveBigIntegerField(default=0, verbose_name=_("paused seconds"))
    resolved_at = models.DateTimeField(_("result ready"), null=True, blank=True)
    punctuality = models.CharField(_("timeliness"), max_length=8, choices=Punctuality.choices, blank=True)
    returned_at = models.DateTimeField(_("result returned"), null=True, blank=True)
    result_method = models.CharField(
        _("result delivery"), max_length=8, choices=ResultMethod.choices, default=ResultMethod.DESK
    )
    result_note = models.TextField(_("result"), blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    fee = models.PositiveIntegerField(_("fee (VND)"), default=0)
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    citizen_token = models.CharField(max_length=32, blank=True, verbose_name=_("citizen token"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        indexes = [
            models.Index(fields=["unit", "status", "due_at"], name="dossier_queue"),
            models.Index(fields=["unit", "received_at"], name="dossier_unit_received"),
            models.Index(fields=["received_at"], name="dossier_received"),
            models.Index(
                fields=["unit", "due_at"], name="dossier_open_due", condition=Q(status__in=OPEN_STATUSES)
            ),
            # Links most dossiers lack, indexed only where set: an intake writes no index page for them.
            models.Index(
                fields=["applicant"], condition=Q(applicant__isnull=False), name="dossier_applicant"
            ),
            models.Index(fields=["campaign"], condition=Q(campaign__isnull=False), name="dossier_campaign"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def new_appointment(self) -> dt.datetime | None:
        """The result's new appointment given with the latest apology for lateness (phiếu xin lỗi và hẹn
        lại ngày trả kết quả), else None. It is kept on the apology's history line, not in `due_at`: the
        due time stays the legal one, against which the dossier's timeliness is measured (still late)."""
        apologies = [e for e in self.events.all() if e.kind == DossierEvent.Kind.APOLOGY and e.appointment_at]
        return apologies[-1].appointment_at if apologies else None

    @property
    def delivered_result_file(self) -> ResultFile | None:
        """The signed result's file the applicant downloads: only once the result was handed over online."""
        if self.status != Status.RETURNED or self.result_method != ResultMethod.ONLINE:
            return None
        return self.signed_result

    @property
    def signed_result(self) -> ResultFile | None:
        """The signed result's file attached by the handling officers, if any."""
        try:
            return self.result_file
        except ResultFile.DoesNotExist:
            return None


class DossierStep(NamedInTwoLanguages, models.Model):
    """A step of one dossier's process, in the unit that performs it, with its own due time."""

    # db_index=False: the unique (dossier, position) serves look-ups by dossier.
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="steps", db_index=False, verbose_name=_("dossier")
    )
    position = models.PositiveSmallIntegerField(verbose_name=_("position"))
    # The procedure step's names as they were when the dossier was received (a later catalog edit does
    # not rewrite a filed dossier's process).
    name = models.CharField(_("step"), max_length=200)
    name_en = models.CharField(_("step (English)"), max_length=200, blank=True)
    unit = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="dossier_steps", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.OFFICER)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
        db_index=False,  # partial index in Meta: none until an officer takes the step
    )
    allotted_seconds = models.PositiveIntegerField(default=0, verbose_name=_("allotted seconds"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("due at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed by"),
        db_index=False,  # partial index in Meta: none until the step is done
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    punctuality = models.CharField(
        max_length=8, choices=Punctuality.choices, blank=True, verbose_name=_("punctuality")
    )

    class Meta:
        verbose_name = _("dossier step")
        verbose_name_plural = _("dossier steps")
        ordering = ["dossier", "position"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "position"], name="dossierstep_position"),
        ]
        indexes = [
            # The queue of a unit: its steps that are active (started, not completed).
            models.Index(
                fields=["unit", "due_at"],
                name="dossierstep_active",
                condition=Q(started_at__isnull=False, completed_at__isnull=True),
            ),
            models.Index(
                fields=["assignee"], condition=Q(assignee__isnull=False), name="dossierstep_assignee"
            ),
            models.Index(
                fields=["completed_by"],
                condition=Q(completed_by__isnull=False),
                name="dossierstep_completed_by",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}/{self.position} {self.name}"


class DossierDocument(NamedInTwoLanguages, models.Model):
    """A paper of one dossier: checked at the desk, or uploaded online."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="documents", verbose_name=_("dossier")
    )
    requirement = models.ForeignKey(
        ProcedureDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requirement"),
    )
    # The paper's names as the catalog had them when it was given (or the officer's words for an
    # additional paper with no requirement).
    name = models.CharField(_("document"), max_length=300)
    name_en = models.CharField(_("document (English)"), max_length=300, blank=True)
    file = models.FileField(upload_to="dossiers/%Y/%m/", blank=True, verbose_name=_("file"))
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("content type"))
    size = models.PositiveIntegerField(default=0, verbose_name=_("size"))
    is_supplement = models.BooleanField(default=False, verbose_name=_("is supplement"))
    added_at = models.DateTimeField(default=timezone.now, verbose_name=_("added at"))

    class Meta:
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")

    def __str__(self) -> str:
        return self.name


class DossierEvent(history_notes.NotedEvent, models.Model):
    notes_module = "citydesk.dossiers.system_notes"  # registers the keys of its system notes

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        STEP_DONE = "step_done", _("Step completed")
        SUPPLEMENT_REQUESTED = "supplement_requested", _("Additional papers requested")
        SUPPLEMENT_RECEIVED = "supplement_received", _("Additional papers received")
        REFUSED = "refused", _("Refused")
        RESULT_READY = "result_ready", _("Result ready")
        RETURNED = "returned", _("Result returned")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        PAID = "paid", _("Fee paid")
        NOTE = "note", _("Note")
        # The dossier is late: an apology to the applicant with a new appointment (`appointment_at`).
        APOLOGY = "apology", _("Apology and new appointment")
        RESULT_FILE = "result_file", _("Signed result attached")

    # db_index=False: dossierevent_dossier (dossier, at) serves look-ups by dossier.
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="events", db_index=False, verbose_name=_("dossier")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))
    kind = models.CharField(max_length=24, choices=Kind.choices, verbose_name=_("kind"))
    actor_label = models.CharField(max_length=200, blank=True, verbose_name=_("actor label"))
    status_from = models.CharField(max_length=12, blank=True, verbose_name=_("status from"))
    status_to = models.CharField(max_length=12, blank=True, verbose_name=_("status to"))
    note = models.TextField(blank=True, verbose_name=_("note"))  # what a person wrote, as written
    # A note the platform wrote: its key and arguments (codes, ISO datetimes, amounts), rendered when read
    # in the reader's language (`display_note`; the keys are in `dossiers.system_notes`).
    note_key = models.CharField(max_length=40, blank=True, default="", verbose_name=_("note key"))
    note_args = models.JSONField(default=dict, blank=True, verbose_name=_("note arguments"))
    public = models.BooleanField(default=True, verbose_name=_("public"))
    # A request for additional papers: the ids of the procedure's papers it asks for (its note says the rest).
    papers = models.JSONField(default=list, blank=True, verbose_name=_("papers asked for"))
    # An apology for lateness: the new appointment for the result it gives (the due time stays).
    appointment_at = models.DateTimeField(null=True, blank=True, verbose_name=_("new appointment"))

    class Meta:
        verbose_name = _("dossier history entry")
        verbose_name_plural = _("dossier history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="dossierevent_dossier")]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.kind}"


class ResultFile(models.Model):
    """The signed result of a dossier (a scanned decision, a certificate), attached by its handling
    officers once the result is ready: the applicant downloads it when the result is handed over online.
    Private like the dossier's papers: served only through views that check who asks."""

    dossier = models.OneToOneField(
        Dossier, on_delete=models.CASCADE, related_name="result_file", verbose_name=_("dossier")
    )
    file = models.FileField(upload_to="dossier_results/%Y/%m/", verbose_name=_("file"))
    content_type = models.CharField(max_length=100, verbose_name=_("content type"))
    size = models.PositiveIntegerField(default=0, verbose_name=_("size"))
    added_at = models.DateTimeField(default=timezone.now, verbose_name=_("added at"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )

    class Meta:
        verbose_name = _("signed result file")
        verbose_name_plural = _("signed result files")

    def __str__(self) -> str:
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""

    @property
    def filename(self) -> str:
        return str(self)


# The carrier of a result sent by post unless the desk names another, by its official name and in English.
DEFAULT_CARRIER = "Bưu chính công ích (VNPost)"
DEFAULT_CARRIER_EN = "Vietnam Post (public postal service)"


class Shipment(models.Model):
    """The result sent by public postal service (bưu chính công ích)."""

    dossier = models.OneToOneField(
        Dossier, on_delete=models.CASCADE, related_name="shipment", verbose_name=_("dossier")
    )
    carrier = models.CharField(_("carrier"), max_length=100, default=DEFAULT_CARRIER)
    tracking_number = models.CharField(_("tracking number"), max_length=60)
    address = models.CharField(_("delivery address"), max_length=300)
    sent_at = models.DateTimeField(default=timezone.now, verbose_name=_("sent at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))

    class Meta:
        verbose_name = _("postal shipment")
        verbose_name_plural = _("postal shipments")

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def carrier_label(self) -> str:
        """The carrier in the active language: the default one (the public postal service) in English on
        English pages; a carrier the desk named, as it was typed."""
        if self.carrier == DEFAULT_CARRIER:
            return in_active_language(DEFAULT_CARRIER, DEFAULT_CARRIER_EN)
        return self.carrier


class Payment(models.Model):
    """A fee payment through a payment adapter (the built-in one is a sandbox that only records it)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="payments", verbose_name=_("dossier")
    )
    provider = models.CharField(max_length=40, verbose_name=_("provider"))
    amount = models.PositiveIntegerField(verbose_name=_("amount"))
    reference = models.CharField(max_length=80, unique=True, verbose_name=_("reference"))
    state = models.CharField(
        max_length=8, choices=State.choices, default=State.PENDING, verbose_name=_("state")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))

    class Meta:
        verbose_name = _("fee payment")
        verbose_name_plural = _("fee payments")

    def __str__(self) -> str:
        return self.reference


class DossierCodeCounter(models.Model):
    year = models.PositiveSmallIntegerField(primary_key=True, verbose_name=_("year"))
    last = models.PositiveBigIntegerField(default=0, verbose_name=_("last"))

    class Meta:
        verbose_name = _("dossier code counter")
        verbose_name_plural = _("dossier code counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CampaignTally(models.Model):
    """Counts of one campaign × unit × procedure, kept by the dossier services (the dashboard reads these)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="tallies", verbose_name=_("campaign")
    )
    unit = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="+", verbose_name=_("procedure")
    )
    received = models.PositiveIntegerField(default=0, verbose_name=_("received"))
    resolved_same_day = models.PositiveIntegerField(default=0, verbose_name=_("resolved same day"))
    resolved_later = models.PositiveIntegerField(default=0, verbose_name=_("resolved later"))
    refused = models.PositiveIntegerField(default=0, verbose_name=_("refused"))

    class Meta:
        verbose_name = _("campaign count")
        verbose_name_plural = _("campaign counts")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit", "procedure"], name="campaigntally_key"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.unit_id}/{self.procedure_id}"


class DossierMonth(models.Model):
    """Monthly counts per unit × procedure × channel, kept by the dossier services (targets and stats).

    `received` counts by the month of receipt; the `finished_*` columns by the month the result was
    ready or the dossier was refused.
    """

    month = models.DateField(verbose_name=_("month"))  # first day of the month
    unit = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="+", verbose_name=_("procedure")
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, verbose_name=_("channel"))
    received = models.PositiveIntegerField(default=0, verbose_name=_("received"))
    received_via_one_stop = models.PositiveIntegerField(default=0, verbose_name=_("received via one stop"))
    finished = models.PositiveIntegerField(default=0, verbose_name=_("finished"))
    finished_early = models.PositiveIntegerField(default=0, verbose_name=_("finished early"))
    finished_on_time = models.PositiveIntegerField(default=0, verbose_name=_("finished on time"))
    finished_late = models.PositiveIntegerField(default=0, verbose_name=_("finished late"))
    refused = models.PositiveIntegerField(default=0, verbose_name=_("refused"))

    class Meta:
        verbose_name = _("monthly dossier count")
        verbose_name_plural = _("monthly dossier counts")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit", "procedure", "channel"], name="dossiermonth_key"
            ),
        ]
        indexes = [models.Index(fields=["unit", "month"], name="dossiermonth_unit")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.unit_id} {self.procedure_id} {self.channel}"


class Target(models.Model):
    """Administrative-reform targets of a unit for a year (seed 003), as shares in percent."""

    unit = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="dossier_targets", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    online_share = models.DecimalField(_("filed online (%)"), max_digits=5, decimal_places=2, default=0)
    on_time_share = models.DecimalField(_("resolved on time (%)"), max_digits=5, decimal_places=2, default=0)
    one_stop_share = models.DecimalField(
        _("handled through the one-stop system (%)"), max_digits=5, decimal_places=2, default=0
    )

    # The trail names a target as the targets page's service does (object "dossier_target", "<unit>/<year>").
    audit_object_type = "dossier_target"

    class Meta:
        verbose_name = _("dossier target")
        verbose_name_plural = _("dossier targets")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="dossiertarget_unit_year")]

    def __str__(self) -> str:
        """“UBND Phường Bến Thành – 2026”: how the back office names it (in its messages and log)."""
        return f"{self.unit.name if self.unit_id else '—'} – {self.year}"


class IdempotencyKey(models.Model):
    """A POST's Idempotency-Key: a retried intake returns the first dossier instead of a second one."""

    scope = models.CharField(max_length=80, verbose_name=_("scope"))
    key = models.CharField(max_length=120, verbose_name=_("key"))
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="+", verbose_name=_("dossier")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("repeated submission key (dossiers)")
        verbose_name_plural = _("repeated submission keys (dossiers)")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="dossier_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class CampaignBaseline(models.Model):
    """Dossiers of a unit still open when a campaign started: the backlog's starting point.

    Computed once (from the dossiers' receipt and resolution times) the first time the backlog of a
    campaign is read, then kept: the clearance progress compares today's open dossiers with it.
    """

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="baselines", verbose_name=_("campaign")
    )
    unit = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    open_at_start = models.PositiveIntegerField(default=0, verbose_name=_("open at start"))
    computed_at = models.DateTimeField(default=timezone.now, verbose_name=_("computed at"))

    class Meta:
        verbose_name = _("campaign starting backlog")
        verbose_name_plural = _("campaign starting backlogs")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="campaignbaseline_key"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.unit_id}: {self.open_at_start}"


class PhoneCheckFailures(models.Model):
    """Wrong answers to the phone check of a dossier's public page, from every browser together.

    The session counts a browser's own tries, but clearing its cookies starts it again; this row holds the
    limit per dossier across sessions, web processes and nodes (no shared cache is assumed). Counted in a
    window that starts with its first wrong answer; written by `services.phone_checks.phone_check_failed`.
    """

    dossier = models.OneToOneField(
        Dossier, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("dossier")
    )
    failures = models.PositiveIntegerField(default=0, verbose_name=_("failures"))
    window_start = models.DateTimeField(verbose_name=_("window start"))

    class Meta:
        verbose_name = _("failed phone checks")
        verbose_name_plural = _("failed phone checks")

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.failures} since {self.window_start:%Y-%m-%d %H:%M}"
