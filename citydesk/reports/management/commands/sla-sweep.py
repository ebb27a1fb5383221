from collections.abc import Callable
from typing import Any

from django.db.models import Count, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.management.commands._output import TranslatedCommand, count_text
from citydesk.reports.models import ReportEvent
from citydesk.reports.services import sla_sweep
from citydesk.reports.services.deadlines import ESCALATED_NOBODY, TRIAGE_ESCALATED_NOBODY
from citydesk.reports.tasks import schedule_sla_sweep


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Deadline sweep for citizen reports: warn before the due time and the triage deadline, escalate to "
        "the unit head after them, close resolved reports the citizen did not answer. --schedule hands it "
        "to the task worker instead (it then repeats every 5 minutes)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--schedule", action="store_true", help=gettext_lazy("enqueue the periodic task and return")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = schedule_sla_sweep()
            self.stdout.write(
                _("Deadline sweep scheduled.") if queued else _("Deadline sweep already scheduled.")
            )
            return
        self.stdout.write(count_text(told_apart(sla_sweep)))


def told_apart(sweep: Callable[[], dict[str, int]]) -> dict[str, int]:
    """The sweep's counts, the escalations that reached nobody (a unit without a head, its deputies or a
    head above it: only a WARNING and the history say so) counted apart from those told to someone. Found by
    the history lines this run wrote (each escalation writes one, naming who was told or that nobody was)."""
    last = ReportEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    counts = sweep()
    if "escalated_nobody" in counts:  # the sweep counts them itself
        return counts
    nobody = dict(
        ReportEvent.objects.filter(pk__gt=last, note_key__in=(ESCALATED_NOBODY, TRIAGE_ESCALATED_NOBODY))
        .values_list("note_key")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[str, int] = {}
    for key, value in counts.items():
        apart = {"escalated": ESCALATED_NOBODY, "triage_escalated": TRIAGE_ESCALATED_NOBODY}.get(key)
        if apart is None:
            result[key] = value
            continue
        # Another run at the same moment (the worker's) may have written some: never more than this run's.
        untold = min(nobody.get(apart, 0), value)
        result[key] = value - untold
        result[f"{key}_nobody"] = untold
    return result
