"""The operations center's read model: roll-up cells of citizen reports (see ioc/rollup.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Cell(models.Model):
    """Counts and durations of the reports received on one day (or in one month) that share a
    combination of dimensions. Which dimensions a cell keeps depends on its `grain`; the others hold
    a neutral value (0 or ''). Maintained by database triggers on every report and rating change."""

    grain = models.PositiveSmallIntegerField()
    period = models.DateField()  # the local day received, or the first day of the month
    unit_id = models.IntegerField(default=0)  # handling organisation (0: any)
    ward = models.CharField(max_length=10, default="", blank=True)  # commune-level unit code ('': any)
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
    reopened_n = models.IntegerField(default=0)
    rated_satisfied = models.IntegerField(default=0)
    rated_normal = models.IntegerField(default=0)
    rated_unsatisfied = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("roll-up cell")
        verbose_name_plural = _("roll-up cells")
        # The key's index (grain, period, …) is the only one: a query reads one grain over a period
        # range and filters on the other key columns inside the index; more indexes cost bulk loads
        # more than they save reads.
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "period", "unit_id", "ward", "category_id", "channel", "status"],
                name="ioc_cell_key",
            )
        ]

    def __str__(self) -> str:
        return f"cell {self.grain} {self.period}"
