"""A dossier's due times follow a change of the working calendar (see `core.deadline_follow`)."""

from __future__ import annotations

from citydesk.core.deadline_follow import Shift
from citydesk.core.history_notes import role
from citydesk.dossiers.models import OPEN_STATUSES, Dossier, DossierEvent, DossierStep
from citydesk.dossiers.system_notes import CALENDAR_MOVED, system_note


def follow_calendar(shift: Shift) -> int:
    """Open dossiers keep the working time they had left: their due time and their current step's move;
    the history the applicant reads says so. Returns how many dossiers moved."""
    moved: list[Dossier] = []
    events: list[DossierEvent] = []
    dossiers = (
        Dossier.objects.filter(status__in=OPEN_STATUSES, due_at__gt=shift.anchor)
        .only("pk", "due_at")
        .order_by("pk")
    )
    for dossier in dossiers.iterator(chunk_size=2000):
        due = shift.moved(dossier.due_at)
        if due is None:
            continue
        dossier.due_at = due
        moved.append(dossier)
        events.append(
            DossierEvent(
                dossier=dossier,
                kind=DossierEvent.Kind.NOTE,
                actor_label=role("calendar"),
                **system_note(CALENDAR_MOVED, due=due, reason=shift.reason),
            )
        )
    steps: list[DossierStep] = []
    current = DossierStep.objects.filter(
        dossier__status__in=OPEN_STATUSES,
        started_at__isnull=False,
        completed_at__isnull=True,
        due_at__gt=shift.anchor,
    ).only("pk", "due_at")
    for step in current.iterator(chunk_size=2000):
        due = shift.moved(step.due_at)
        if due is not None:
            step.due_at = due
            steps.append(step)
    Dossier.objects.bulk_update(moved, ["due_at"], batch_size=1000)
    DossierStep.objects.bulk_update(steps, ["due_at"], batch_size=1000)
    DossierEvent.objects.bulk_create(events, batch_size=1000)
    return len(moved)
