"""Socio-economic indicators (hệ thống chỉ tiêu kinh tế – xã hội): catalog, values, plans, findings.

Periods are stored as the first day of the period plus its kind: a month `2026-03-01/M`, a quarter
`2026-04-01/Q` (Q2), a year `2026-01-01/Y` (the fiscal year is the calendar year unless
`CITYDESK_FISCAL_YEAR_START_MONTH` says otherwise, in which case a year starts on that month).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citydesk.core.models import Organisation
from citydesk.indicators.display import decimals_of, name_of, uom_of


class Periodicity(models.TextChoices):
    MONTH = "M", _("Monthly")
    QUARTER = "Q", _("Quarterly")
    YEAR = "Y", _("Yearly")


class Aggregation(models.TextChoices):
    """How values combine over units and over time."""

    SUM = "sum", _("Sum")
    AVERAGE = "avg", _("Average")
    WEIGHTED = "weighted", _("Population-weighted average")
    RATIO = "ratio", _("Ratio of two sums")
    LAST = "last", _("Last value")


class Direction(models.TextChoices):
    UP = "up", _("Higher is better")
    DOWN = "down", _("Lower is better")
    NEUTRAL = "neutral", _("Neither")


class Source(models.TextChoices):
    ENTRY = "entry", _("Entered by the reporting units")
    PLATFORM = "platform", _("Computed from the platform's own data")
    FORMULA = "formula", _("Formula over other indicators")


class IndicatorGroup(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("indicator group")
        verbose_name_plural = _("indicator groups")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (`name_en` on English pages when filled)."""
        return name_of(self)


class Indicator(models.Model):
    group = models.ForeignKey(
        IndicatorGroup, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("group")
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=40)  # "tỷ đồng", "%", "người"
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=1)
    integer_only = models.BooleanField(_("whole numbers only"), default=False)
    min_value = models.FloatField(_("lowest valid value"), null=True, blank=True)
    max_value = models.FloatField(_("highest valid value"), null=True, blank=True)
    periodicity = models.CharField(
        _("periodicity"), max_length=1, choices=Periodicity.choices, default=Periodicity.MONTH
    )
    over_units = models.CharField(
        _("aggregation over units"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM
    )
    over_time = models.CharField(
        _("aggregation over time"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM
    )
    # RATIO: value = sum(numerator) / sum(denominator) × scale; WEIGHTED: weights from `weight`.
    numerator = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("numerator")
    )
    denominator = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("denominator"),
    )
    weight = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("weight")
    )
    scale = models.FloatField(_("scale"), default=1.0)  # e.g. 100 for a percentage, 10,000 per 10,000
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.UP
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ENTRY)
    # FORMULA: an arithmetic expression over other indicators' codes, e.g. "GRDP_CUR / POP * 1000".
    formula = models.CharField(_("formula"), max_length=500, blank=True)
    # PLATFORM: the name of a registered computation (e.g. "reports.received").
    platform_key = models.CharField(_("platform computation"), max_length=60, blank=True)
    reporting_units = models.ManyToManyField(
        Organisation, related_name="reported_indicators", blank=True, verbose_name=_("reporting units")
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        ordering = ["group__position", "position", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        """The name in the reader's language (`name_en` on English pages when filled)."""
        return name_of(self)

    @property
    def display_uom(self) -> str:
        """The unit of measure in the reader's language."""
        return uom_of(self)

    @property
    def shown_decimals(self) -> int:
        """The decimals its figures are written with (none for whole numbers)."""
        return decimals_of(self)


class DataValue(models.Model):
    """One value of one indicator for one unit and one period (entered, computed, or imported)."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="indicator_values", verbose_name=_("unit")
    )
    period_type = models.CharField(max_length=1, choices=Periodicity.choices, verbose_name=_("period type"))
    period = models.DateField(verbose_name=_("period"))  # first day of the period
    value = models.FloatField(verbose_name=_("value"))
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.ENTRY, verbose_name=_("source")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period_type", "period"], name="datavalue_key"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "period_type", "period"], name="datavalue_unit_period"),
            # The dashboards add up (indicators × many units × months) ranges: each indicator's months
            # are one stretch of this index, and with the value in it the table is never read (on SQLite
            # a table lookup per value was most of a city page's time).
            models.Index(
                fields=["indicator", "period_type", "period", "unit", "value"], name="datavalue_read"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id}/{self.period_type}{self.period:%Y-%m}"


class RunningTotal(models.Model):
    """The values of one indicator for one unit and period type added up from the start of the fiscal
    year to the end of one month of it: their sum, their count and the latest of them. Every month of
    the fiscal year from the first value on has its row, so any period inside the year is the
    difference of two rows (see `running.py`). Kept in step with the values on every change."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("indicator")
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("unit")
    )
    period_type = models.CharField(max_length=1, choices=Periodicity.choices, verbose_name=_("period type"))
    month = models.DateField(verbose_name=_("month"))  # first day of the month the totals run to (inclusive)
    total = models.FloatField(verbose_name=_("total"))
    count = models.PositiveIntegerField(verbose_name=_("count"))
    last = models.FloatField(verbose_name=_("last"))

    class Meta:
        verbose_name = _("indicator running total")
        verbose_name_plural = _("indicator running totals")
        constraints = [
            # In the order the dashboards read them: one stretch per indicator and month.
            models.UniqueConstraint(
                fields=["indicator", "period_type", "month", "unit"], name="runningtotal_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id}/{self.period_type}…{self.month:%Y-%m}"


class SubmissionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    LOCKED = "locked", _("Locked")
    RETURNED = "returned", _("Returned for correction")


class Submission(models.Model):
    """A unit's report of one indicator group for one period: draft → submitted → approved → locked."""

    group = models.ForeignKey(
        IndicatorGroup, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("group")
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="indicator_submissions", verbose_name=_("unit")
    )
    period_type = models.CharField(max_length=1, choices=Periodicity.choices, verbose_name=_("period type"))
    period = models.DateField(verbose_name=_("period"))
    state = models.CharField(
        max_length=10, choices=SubmissionState.choices, default=SubmissionState.DRAFT, verbose_name=_("state")
    )
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded at"))
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("indicator submission")
        verbose_name_plural = _("indicator submissions")
        constraints = [
            models.UniqueConstraint(fields=["group", "unit", "period_type", "period"], name="submission_key"),
        ]
        indexes = [
            # The dashboards count a unit's values once its report is sent (`measures.counted`): the
            # reports of a group over a stretch of periods, read from this index alone.
            models.Index(fields=["group", "period_type", "period", "unit", "state"], name="submission_read"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.unit_id}/{self.period_type}{self.period:%Y-%m}"


class Plan(models.Model):
    """A target (kế hoạch) of an indicator for a unit and a period. Revisions add rows: the newest
    revision of a key is in force, the older ones stay as history."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="plans", verbose_name=_("indicator")
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="indicator_plans", verbose_name=_("unit")
    )
    period_type = models.CharField(max_length=1, choices=Periodicity.choices, verbose_name=_("period type"))
    period = models.DateField(verbose_name=_("period"))
    revision = models.PositiveIntegerField(default=1, verbose_name=_("revision"))
    value = models.FloatField(_("target"))
    note = models.CharField(_("reason / decision"), max_length=300, blank=True)
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
        verbose_name = _("indicator plan")
        verbose_name_plural = _("indicator plans")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period_type", "period", "revision"], name="plan_revision"
            ),
        ]
        indexes = [models.Index(fields=["indicator", "unit", "period_type", "period"], name="plan_key")]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id}/{self.period_type}{self.period:%Y-%m} r{self.revision}"


class FindingState(models.TextChoices):
    FLAGGED = "flagged", _("Flagged")
    EXPLAINED = "explained", _("Explained")
    CORRECTED = "corrected", _("Corrected")
    CLOSED = "closed", _("Closed")


class Finding(models.Model):
    """An abnormal value found by the checks, tracked until someone explains or corrects it."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="findings", verbose_name=_("indicator")
    )
    unit = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="indicator_findings", verbose_name=_("unit")
    )
    period_type = models.CharField(max_length=1, choices=Periodicity.choices, verbose_name=_("period type"))
    period = models.DateField(verbose_name=_("period"))
    value = models.FloatField(verbose_name=_("value"))
    expected = models.FloatField(null=True, blank=True, verbose_name=_("expected"))
    score = models.FloatField(verbose_name=_("score"))  # robust z-score of the residual (signed)
    method = models.CharField(max_length=20, verbose_name=_("method"))  # "seasonal", "peer", "jump"
    explanation = models.TextField(
        verbose_name=_("explanation")
    )  # plain Vietnamese, e.g. "3,8 lần mức thường thấy của tháng 3…"
    state = models.CharField(
        max_length=10, choices=FindingState.choices, default=FindingState.FLAGGED, verbose_name=_("state")
    )
    found_at = models.DateTimeField(default=timezone.now, verbose_name=_("found at"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    resolution = models.TextField(blank=True, verbose_name=_("resolution"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))

    class Meta:
        verbose_name = _("abnormal value finding")
        verbose_name_plural = _("abnormal value findings")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period_type", "period", "method"],
                condition=~Q(state="closed"),
                name="finding_open_key",
            ),
        ]
        indexes = [models.Index(fields=["state", "found_at"], name="finding_state")]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id}/{self.period:%Y-%m} {self.method}"


class FindingEvent(models.Model):
    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="events", verbose_name=_("finding")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))
    actor_label = models.CharField(max_length=200, verbose_name=_("actor label"))
    state_from = models.CharField(max_length=10, blank=True, verbose_name=_("state from"))
    state_to = models.CharField(max_length=10, verbose_name=_("state to"))
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("finding history entry")
        verbose_name_plural = _("finding history")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.state_to}"
