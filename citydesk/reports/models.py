"""Citizen reports (phản ánh, kiến nghị — the "1022" system)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from citydesk.core import history_notes
from citydesk.core.fields import SearchTextField
from citydesk.core.models import AdminUnit, DivisionLevel, Organisation, ServiceCategory
from citydesk.lib.text import join_place


class Channel(models.TextChoices):
    WEB = "web", _("Web portal")
    APP = "app", _("Citizen app")
    HOTLINE = "hotline", _("Hotline 1022")
    EMAIL = "email", _("E-mail")
    OPEN311 = "open311", _("Open311 client")
    CHAT = "chat", _("Chat")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    CLASSIFIED = "classified", _("Classified")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    TRANSFERRED = "transferred", _("Transferred")
    REOPENED = "reopened", _("Reopened")


OPEN_STATUSES = (
    Status.RECEIVED,
    Status.CLASSIFIED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.TRANSFERRED,
    Status.REOPENED,
)


# Waiting to be classified: the sources of the "classify" move (workflow.py), whose triage deadline counts.
AWAITING_TRIAGE = (Status.RECEIVED, Status.TRANSFERRED, Status.REOPENED)


class RejectReason(models.TextChoices):
    OUT_OF_SCOPE = "out_of_scope", _("Not within the city's competence")
    DUPLICATE = "duplicate", _("Duplicate of another report")
    SPAM = "spam", _("Spam or abusive")


class Report(models.Model):
    code = models.CharField(_("tracking code"), max_length=20, unique=True)
    # Foreign keys without their own index where a composite index starts with them (report_category_time,
    # report_queue): one index write fewer per report.
    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.PROTECT,
        related_name="reports",
        db_index=False,
        verbose_name=_("category"),
    )
    description = models.TextField(_("description"), max_length=4000)
    lon = models.FloatField(null=True, blank=True, verbose_name=_("lon"))
    lat = models.FloatField(null=True, blank=True, verbose_name=_("lat"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    # What the queue's search looks in: description and address, lower case and without accents.
    search_text = SearchTextField(_("search text"), sources=("description", "address"))
    ward = models.ForeignKey(
        AdminUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ward"),
        db_index=False,  # the (ward, created_at) index in Meta serves every look-up by ward
    )
    # Not indexed: no query picks reports by province (the ward, unit and cells do).
    province_code = models.CharField(max_length=2, blank=True, verbose_name=_("province code"))
    near_boundary = models.BooleanField(_("near a unit boundary"), default=False)
    unit = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("responsible unit"),
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_reports",
        verbose_name=_("assignee"),
        db_index=False,  # partial index in Meta
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Clients are revoked, not deleted; should one ever be deleted, its reports stay (without it).
    open311_client = models.ForeignKey(
        "Open311Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("Open311 client"),
        db_index=False,  # partial index in Meta
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("reporter"),
        db_index=False,  # partial index in Meta
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
        db_index=False,  # partial index in Meta
    )
    contact_name = models.CharField(_("name"), max_length=150, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    show_name_publicly = models.BooleanField(_("show my name publicly"), default=False)
    is_public = models.BooleanField(_("public"), default=True)
    answers = models.JSONField(_("answers to the category's questions"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))
    triage_due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("triage due at"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paused at"))
    warned_at = models.DateTimeField(null=True, blank=True, verbose_name=_("warned at"))
    escalated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("escalated at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    resolution = models.TextField(_("what was done"), blank=True)
    reject_reason = models.CharField(
        max_length=20, choices=RejectReason.choices, blank=True, verbose_name=_("reject reason")
    )
    reject_note = models.TextField(blank=True, verbose_name=_("reject note"))
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
        db_index=False,  # partial index in Meta
    )
    reopen_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("reopen count"))
    # Checked against the report found by its code, never searched: no index.
    citizen_token = models.CharField(max_length=32, blank=True, verbose_name=_("citizen token"))

    class Meta:
        verbose_name = _("citizen report")
        verbose_name_plural = _("citizen reports")
        indexes = [
            models.Index(fields=["unit", "status", "due_at"], name="report_queue"),
            # Wide queues (a city leader's 30 units) read open reports in due order and stop at the page.
            models.Index(
                fields=["due_at", "id"],
                include=["unit"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="report_open_due",
            ),
            models.Index(fields=["category", "created_at"], name="report_category_time"),
            # The operations center's drill-down: a period's reports of a leader's units (status kept in the
            # index, so that counting them reads no report row). Without it a 30-day list of a city's
            # reports read every report of each unit: 2.2 s at a million reports, 79 ms with it.
            models.Index(fields=["unit", "created_at", "status"], name="report_unit_received"),
            models.Index(fields=["status", "due_at"], name="report_sla"),
            # A commune/ward's reports, newest first: the public list's ward filter reads a page and stops
            # (it read all of a busy ward's 34,000 reports and sorted them, 0.27 s at a million), and the
            # duplicates found by ward within a window. It replaces the ward's own index: no more writes.
            models.Index(fields=["ward", "created_at"], name="report_ward_received"),
            # People and links most reports do not have: indexed only where set, so that an intake
            # (and a bulk load) does not write an index page for each of them.
            *(
                models.Index(fields=[name], condition=Q(**{f"{name}__isnull": False}), name=f"report_{name}")
                for name in ("assignee", "open311_client", "reporter", "entered_by", "duplicate_of")
            ),
            # The queue puts the overdue reports first (selectors.queue_page): a report past its due time
            # but paused in time is not, and the few paused reports are found here, not row by row.
            models.Index(fields=["paused_at"], condition=Q(paused_at__isnull=False), name="report_paused"),
            # The hotline finds a caller's reports by the number they call from (most web reports have none).
            models.Index(
                fields=["contact_phone"], condition=~Q(contact_phone=""), name="report_contact_phone"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def place(self) -> str:
        """Address, commune/ward and province, each said once (the ward and province when known)."""
        ward = self.ward if self.ward_id else None
        province = ward.province.name if ward is not None and ward.province_id else ""
        return join_place(self.address, ward.name if ward else "", province)

    @property
    def place_short(self) -> str:
        """Address and commune/ward, each said once (lists: no province, no extra query)."""
        return join_place(self.address, self.ward.name if self.ward_id else "")

    @property
    def shown_to_public(self) -> bool:
        """Readable by anyone with its code: made public by the reporter, and not rejected as spam (spam
        never reaches the public, whatever the channel; its reporter still reads it with their link)."""
        return self.is_public and not (
            self.status == Status.REJECTED and self.reject_reason == RejectReason.SPAM
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime) -> bool:
        """Open and past its due time, the clock running or stopped only after the due time had passed
        (see `overdue_q`)."""
        if not (self.is_open and self.due_at and self.due_at < now):
            return False
        return self.paused_at is None or self.due_at < self.paused_at

    @property
    def public_description(self) -> str:
        """The description as the public reads it: phone numbers and e-mail addresses the citizen typed
        are hidden (the handling unit reads them whole)."""
        from citydesk.lib.privacy import hide_contacts

        return hide_contacts(self.description)

    @property
    def public_address(self) -> str:
        """The address as the public reads it: "Hẻm 5 Lê Lợi (nhà chị Lan, SĐT 0987654321)" without the
        phone number (the handling unit and the reporter read it whole), as the description."""
        from citydesk.lib.privacy import hide_contacts

        return hide_contacts(self.address)

    @property
    def public_place(self) -> str:
        """`place` with the public address."""
        ward = self.ward if self.ward_id else None
        province = ward.province.name if ward is not None and ward.province_id else ""
        return join_place(self.public_address, ward.name if ward else "", province)

    @property
    def public_reporter_name(self) -> str:
        """The reporter's name as the public reads it: only when they asked for it to be shown, and
        without a phone number written into it ("Lan 0987654321")."""
        from citydesk.lib.privacy import hide_contacts

        return hide_contacts(self.contact_name) if self.show_name_publicly else ""

    @property
    def public_resolution(self) -> str:
        """What was done, as the public reads it: an officer's "gọi 0903123456 nếu còn hư" without the
        number."""
        from citydesk.lib.privacy import hide_contacts

        return hide_contacts(self.resolution)

    def triage_late(self, now: datetime) -> bool:
        """Still waiting to be classified after its triage deadline ("Classify by")."""
        return bool(self.status in AWAITING_TRIAGE and self.triage_due_at and self.triage_due_at < now)

    @property
    def paused_overdue(self) -> bool:
        """Paused after its due time had passed: still overdue while it waits for the citizen."""
        return bool(self.paused_at and self.due_at and self.due_at < self.paused_at)


# The deadline still counts: the clock runs, or it was stopped only after the due time had passed.
CLOCK_COUNTS = Q(paused_at__isnull=True) | Q(paused_at__gt=F("due_at"))


def overdue_q(now: datetime) -> Q:
    """Overdue: open and past the due time, with the clock running, or stopped (waiting for the citizen)
    only after the due time had passed: asking the citizen does not make a late report on time. A report
    paused in time is not overdue while it waits (its due time moves on when it resumes). The SLA sweep
    escalates the same reports, so the operations center's overdue count (escalated reports) and the
    queue's overdue filter agree once it has run."""
    return Q(status__in=OPEN_STATUSES, due_at__lt=now) & CLOCK_COUNTS


class ReportEvent(history_notes.NotedEvent, models.Model):
    """The report's history: status changes, notes, transfers. `public` events show on the tracking page."""

    notes_module = "citydesk.reports.system_notes"  # registers the keys of its system notes

    class Kind(models.TextChoices):
        STATUS = "status", _("Status change")
        NOTE = "note", _("Note")
        TRANSFER = "transfer", _("Transfer")
        ROUTE = "route", _("Routing")
        SLA = "sla", _("Deadline")
        MERGE = "merge", _("Merge")
        RATING = "rating", _("Rating")
        REPLY = "reply", _("Citizen's reply")

    # db_index=False: the (report, at) index below serves every look-up by report.
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="events", db_index=False, verbose_name=_("report")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,  # partial index in Meta: the platform's and anonymous citizens' events have none
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(max_length=200, verbose_name=_("actor label"))
    right = models.CharField(max_length=10, default="own", verbose_name=_("right"))
    on_behalf_of = models.CharField(max_length=200, blank=True, verbose_name=_("on behalf of"))
    from_status = models.CharField(max_length=12, blank=True, verbose_name=_("from status"))
    to_status = models.CharField(max_length=12, blank=True, verbose_name=_("to status"))
    note = models.TextField(blank=True, verbose_name=_("note"))  # what a person wrote, as written
    # A note the platform wrote: its key and arguments (codes, ISO datetimes, names), rendered when read
    # in the reader's language (`display_note`; the keys are in `reports.system_notes`).
    note_key = models.CharField(max_length=40, blank=True, default="", verbose_name=_("note key"))
    note_args = models.JSONField(default=dict, blank=True, verbose_name=_("note arguments"))
    public = models.BooleanField(default=True, verbose_name=_("public"))

    class Meta:
        verbose_name = _("report history entry")
        verbose_name_plural = _("report history")
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["report", "at"], name="reportevent_report"),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="reportevent_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} {self.to_status}"

    @property
    def public_note(self) -> str:
        """The note as the public reads it (`display_note`, in the reader's language): the phone numbers
        and e-mail addresses an officer or a citizen wrote in it are hidden."""
        from citydesk.lib.privacy import hide_contacts

        return hide_contacts(self.display_note)


class Follower(models.Model):
    """Someone who gets the report's public updates: the reporter, a merged duplicate's reporter, anyone."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="followers", verbose_name=_("report")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        db_index=False,  # partial index in Meta: most followers are an e-mail or a phone
        verbose_name=_("user"),
    )
    email = models.EmailField(blank=True, verbose_name=_("email"))
    phone = models.CharField(max_length=20, blank=True, verbose_name=_("phone"))
    via = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # partial index in Meta: only followers carried over by a merge have one
        verbose_name=_("via"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("report follower")
        verbose_name_plural = _("report followers")
        indexes = [
            models.Index(fields=["user"], condition=Q(user__isnull=False), name="follower_user_set"),
            models.Index(fields=["via"], condition=Q(via__isnull=False), name="follower_via_set"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"], condition=Q(user__isnull=False), name="follower_user"
            ),
            models.UniqueConstraint(
                fields=["report", "email"], condition=~Q(email=""), name="follower_email"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} ← {self.user_id or self.email or self.phone}"


class FollowRequest(models.Model):
    """A follow by e-mail or phone waiting for its confirmation code: it becomes a `Follower` only when the
    person at that address gives the code back, so no one signs another's phone or mailbox up for a
    report's messages. Its rows also count the codes sent to an address and from a network address."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+", verbose_name=_("report"))
    email = models.EmailField(blank=True, verbose_name=_("email"))
    phone = models.CharField(max_length=20, blank=True, verbose_name=_("phone"))
    code_hash = models.CharField(max_length=64, verbose_name=_("code (hashed)"))
    # A hash of the requester's network address (never the address itself), for the hourly limit.
    client = models.CharField(max_length=64, blank=True, verbose_name=_("network address (hashed)"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("wrong codes"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed at"))

    class Meta:
        verbose_name = _("follow request")
        verbose_name_plural = _("follow requests")
        indexes = [
            models.Index(fields=["phone", "created_at"], name="followrequest_phone"),
            models.Index(fields=["email", "created_at"], name="followrequest_email"),
            models.Index(fields=["client", "created_at"], name="followrequest_client"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} ← {self.email or self.phone}"


class Rating(models.Model):
    class Level(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        NORMAL = "normal", _("Neutral")
        UNSATISFIED = "unsatisfied", _("Unsatisfied")

    report = models.OneToOneField(
        Report, on_delete=models.CASCADE, related_name="rating", verbose_name=_("report")
    )
    level = models.CharField(max_length=12, choices=Level.choices, verbose_name=_("level"))
    comment = models.TextField(blank=True, max_length=2000, verbose_name=_("comment"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("citizen's rating of a report")
        verbose_name_plural = _("citizens' ratings of reports")

    def __str__(self) -> str:
        return f"{self.report_id}: {self.level}"


# How a tie between rules of the same priority is settled (routing.py): the admin's help text says it.
TIE_RULE = _(
    "Lower first. Between rules of the same priority the more specific one is used: a rule for a commune or "
    "ward before one for a province or city, before one for the whole province of the receiving unit; a rule "
    "for a category before one for any category; a rule for some days or hours before one for all the time."
)


class RoutingRule(models.Model):
    """Data-driven routing an admin edits: the first matching rule by priority decides the unit, and between
    rules of the same priority the more specific one (`specificity`): two rules of one priority used to be
    settled by their creation order, so that a ward's rule never fired under an earlier city-wide one."""

    priority = models.PositiveIntegerField(_("priority (lower first)"), default=100, help_text=TIE_RULE)
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("category")
    )
    area = models.ForeignKey(
        AdminUnit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("A province or a commune; left empty, the whole province of the receiving unit."),
        verbose_name=_("area"),
    )
    weekdays = models.CharField(_("weekdays (1=Mon … 7=Sun)"), max_length=7, blank=True)
    start_time = models.TimeField(null=True, blank=True, verbose_name=_("start time"))
    end_time = models.TimeField(null=True, blank=True, verbose_name=_("end time"))
    target = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", verbose_name=_("receiving unit")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))

    class Meta:
        ordering = ["priority", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        """Named by its id everywhere, as the report's history names it (“routing rule #1”): its priority
        named it before (“#50”), which two rules may share and the history never shows."""
        return gettext("Rule %(n)s: %(category)s · %(area)s → %(target)s") % {
            "n": self.pk or "?",
            "category": self.category_label,
            "area": self.area_label,
            "target": self.target,
        }

    @property
    def category_label(self) -> str:
        return self.category.name if self.category_id else gettext("any category")

    @property
    def area_label(self) -> str:
        return self.area.name if self.area_id else gettext("province of the receiving unit")

    @property
    def specificity(self) -> tuple[int, int, int]:
        """How narrow the rule is, compared between rules of the same priority, larger first (`TIE_RULE`):
        its area (a commune or ward 2, a province or city 1, none 0: there are no districts since July
        2025), its category (1, any 0), then its time (1 each for some days of the week and for some
        hours). Reads the area's level: load it with the rule."""
        area = 0 if self.area_id is None else 2 if self.area.level == DivisionLevel.WARD else 1
        timed = bool(self.weekdays) + bool(self.start_time and self.end_time)
        return area, int(self.category_id is not None), timed


class IdempotencyKey(models.Model):
    """A POST's Idempotency-Key: a retried submission returns the first report instead of a new one."""

    scope = models.CharField(max_length=80, verbose_name=_("scope"))
    key = models.CharField(max_length=120, verbose_name=_("key"))
    report = models.ForeignKey(Report, on_delete=models.CASCADE, verbose_name=_("report"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("repeated submission key (reports)")
        verbose_name_plural = _("repeated submission keys (reports)")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class RefusedEmail(models.Model):
    """An e-mail that made no report, answered once with why: the mail server may deliver it again (a
    retry, a second mailbox), and its sender must not be answered twice. Known by the digest of its
    Message-ID (or of the message, without one), which the answer quotes as its reference."""

    reference = models.CharField(max_length=20, unique=True, verbose_name=_("reference"))
    sender = models.EmailField(max_length=254, verbose_name=_("sender"))
    refused_at = models.DateTimeField(default=timezone.now, verbose_name=_("refused at"))

    class Meta:
        verbose_name = _("refused e-mail")
        verbose_name_plural = _("refused e-mails")

    def __str__(self) -> str:
        return f"{self.reference} ({self.sender})"


class CodeCounter(models.Model):
    """Per-year counter behind tracking codes PA-26-000123."""

    year = models.PositiveSmallIntegerField(primary_key=True, verbose_name=_("year"))
    last = models.PositiveIntegerField(default=0, verbose_name=_("last"))

    class Meta:
        verbose_name = _("report code counter")
        verbose_name_plural = _("report code counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


# The extension of a file's public name, by the type its content was found to be (never the one typed).
PUBLIC_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


def number_public_files(attachments: Iterable[Attachment]) -> None:
    """Number the public files among `attachments` (a report's, in the order they were added) for their
    `public_name`, without a query for each."""
    number = 0
    for attachment in attachments:
        if attachment.public:
            number += 1
            attachment.public_number = number


def _upload_to(instance: Attachment, filename: str) -> str:
    return f"reports/{timezone.now():%Y/%m}/{instance.report_id}/{filename}"


class Attachment(models.Model):
    """A photo or file. The original stays private to the handling unit; images also get a public copy,
    re-encoded without any metadata (EXIF GPS included)."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("report")
    )
    file = models.FileField(upload_to=_upload_to, verbose_name=_("file"))
    public_file = models.FileField(upload_to=_upload_to, blank=True, verbose_name=_("public file"))
    original_name = models.CharField(max_length=200, verbose_name=_("original name"))
    content_type = models.CharField(max_length=100, verbose_name=_("content type"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    public = models.BooleanField(default=True, verbose_name=_("public"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("report attachment")
        verbose_name_plural = _("report attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name

    # Set by whoever lists a report's public files (`number_public_files`): saves a count for each.
    public_number: int | None = None

    @property
    def public_name(self) -> str:
        """The name the public reads: "Ảnh 1.jpg", "Tệp 2.pdf", numbered among the report's public files in
        the order they were added. The name the file came with ("CCCD_Nguyen_Van_Cuong_0903123456.jpg")
        often says who sent it: only the handling unit and the reporter read it."""
        number = self.public_number
        if number is None:
            earlier = Attachment.objects.filter(report_id=self.report_id, public=True, pk__lt=self.pk)
            number = earlier.count() + 1
        extension = PUBLIC_EXTENSIONS.get(self.content_type, "")
        if self.content_type.startswith("image/"):
            return gettext("Photo %(n)s") % {"n": number} + extension
        return gettext("File %(n)s") % {"n": number} + extension


class Open311Client(models.Model):
    """An Open311 GeoReport v2 client (app, partner system) and its api_key (only a hash is kept)."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    prefix = models.CharField(max_length=12, db_index=True, verbose_name=_("prefix"))
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return self.name
