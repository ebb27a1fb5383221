"""The operations center's read model: roll-up cells of citizen reports (see ioc/rollup.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Cell(models.Model):
    """Counts and durations of the reports received on one day (or in one month) that share a
    combination of dimensions. Which dimensions a cell keeps depends on its `grain`; the others hold
    a neutral value (0 or ''). Maintained by database triggers on every report and rating change."""

    # The key is the primary key: on SQLite the table is WITHOUT ROWID (migration 0008), one b-tree in key
    # order instead of a table plus a unique index, so every trigger upsert and bulk load writes once.
    pk = models.CompositePrimaryKey("grain", "period", "unit_id", "category_id", "channel", "status")
    grain = models.PositiveSmallIntegerField()
    period = models.DateField()  # the local day received, or the first day of the month
    unit_id = models.IntegerField(default=0)  # handling organisation (0: any)
    category_id = models.IntegerField(default=0)  # 0: any
    channel = models.CharField(max_length=10, default="", blank=True)
    status = models.CharField(max_length=12, default="", blank=True)

    n = models.IntegerField(default=0)  # reports received
    resolved_n = models.IntegerField(default=0)
    on_time_n = models.IntegerField(default=0)  # resolved by their due time
    overdue_n = models.IntegerField(default=0)  # still open after the SLA sweep found them past due
    hours_sum = models.FloatField(default=0)  # received → resolved, in hours, over resolved reports
    h0 = models.IntegerField(default=0)  # handling-time histogram, see rollup.HOUR_EDGES
    h1 = models.IntegerField(default=0)
    h2 = models.IntegerField(default=0)
    h3 = models.IntegerField(default=0)
    h4 = models.IntegerField(default=0)
    h5 = models.IntegerField(default=0)
    h6 = models.IntegerField(default=0)
    h7 = models.IntegerField(default=0)
    h8 = models.IntegerField(default=0)
    h9 = models.IntegerField(default=0)
    h10 = models.IntegerField(default=0)
    reopened_n = models.IntegerField(default=0)  # reopened at least once
    ever_resolved_n = models.IntegerField(default=0)  # resolved at least once (resolved now, or reopened)
    rated_satisfied = models.IntegerField(default=0)
    rated_normal = models.IntegerField(default=0)
    rated_unsatisfied = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("roll-up cell")
        verbose_name_plural = _("roll-up cells")
        # The key (grain, period, …) is the only index: a query reads one grain over a period range and
        # filters on the other key columns inside it; more indexes cost bulk loads more than they save.

    def __str__(self) -> str:
        return f"cell {self.grain} {self.period}"


class RollupState(models.Model):
    """Single row: the fingerprint of the installed roll-up triggers (see rollup.ensure_installed), and
    which build of the heat map's column store is current (see ioc/heat.py)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    definition = models.CharField(max_length=64, default="")
    heat_token = models.CharField(max_length=32, default="", blank=True)  # '': no store built
    heat_mark = models.BigIntegerField(default=0)  # which changes the store holds (see heat.build)
    heat_rows = models.BigIntegerField(default=0)
    heat_built_at = models.DateTimeField(null=True, blank=True)
    # Bumped when a bulk load sets the store aside (heat.set_aside): a build whose snapshot began
    # before is not recorded.
    heat_epoch = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("roll-up state")
        verbose_name_plural = _("roll-up states")

    def __str__(self) -> str:
        return f"roll-ups {self.definition[:12]}"


class HeatChange(models.Model):
    """One signed contribution to the heat and ward maps since their column store was built: a report
    received (+1), taken away (-1) or changed (-1 then +1 with the new facts, a rating included). Written
    by the roll-up triggers;
    a rebuild of the store removes the rows it holds. On PostgreSQL a `xid` column (the writing
    transaction, added by the migration) tells which rows a build's snapshot saw."""

    id = models.BigAutoField(primary_key=True)
    day = models.IntegerField()  # local day received, days since 1970-01-01
    grid = models.IntegerField()  # heat-map square (heat.GRID_DEG)
    unit_id = models.IntegerField()
    category_id = models.IntegerField()
    channel = models.CharField(max_length=10)
    status = models.CharField(max_length=12)
    ward = models.CharField(max_length=10, default="", blank=True)  # '': none
    outcome = models.SmallIntegerField(default=0)  # resolved, on time, rating: see heat.outcome_sql
    sign = models.SmallIntegerField()

    class Meta:
        verbose_name = _("heat-map change")
        verbose_name_plural = _("heat-map changes")

    def __str__(self) -> str:
        return f"heat {self.sign:+d} {self.grid} {self.day}"


class Directive(models.Model):
    """A leader's follow-up order (chỉ đạo) to a unit, about a report or about the unit's work in general.

    Moves open → acknowledged → done (done straight from open too), or is cancelled by its issuer;
    every move is in the audit trail (see ioc/directives.py)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("directive", "Not yet acknowledged")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    TEXT_MAX = 2000

    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="directives_issued",
        verbose_name=_("issued by"),
    )
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="directives",
        verbose_name=_("unit"),
    )
    report = models.ForeignKey(
        "reports.Report",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="directives",
        verbose_name=_("report"),
    )
    text = models.TextField(_("directive"), max_length=TEXT_MAX)
    due = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    response = models.TextField(_("response"), max_length=TEXT_MAX, blank=True)
    # The issuer's answer to a reported completion that does not settle it: what is still to be done.
    follow_up = models.TextField(_("still to be done"), max_length=TEXT_MAX, blank=True)

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="directive_unit_status"),
            models.Index(fields=["issued_by", "created_at"], name="directive_issuer"),
        ]

    def __str__(self) -> str:
        return f"directive {self.pk} → {self.organisation_id}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.ACKNOWLEDGED)
