"""Who reads which rows of the audit trail: the API's `GET /audit` and the trail's page share it."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from citydesk.core.models import AuditEntry, Membership, User
from citydesk.core.powers import ROLE_POWERS, Power, Role
from citydesk.core.selectors import descendant_ids
from citydesk.core.services import actor_for_system_power


def audit_scope(user: User) -> set[int] | None:
    """The organisations whose objects' audit rows `user` may read, or None for the whole trail
    (superusers, and VIEW_AUDIT held in an organisation at the top, or as inspector or administrator)."""
    if user.is_superuser:
        return None
    roots: set[int] = set()
    for m in Membership.objects.filter(user=user, is_active=True).select_related("organisation"):
        if Power.VIEW_AUDIT not in ROLE_POWERS[m.role]:
            continue
        if m.role in (Role.INSPECTOR, Role.ADMIN) or m.organisation.parent_id is None:
            return None
        roots.add(m.organisation_id)
    return descendant_ids(roots)


def readable_audit(user: User) -> QuerySet[AuditEntry]:
    """The rows `user` may read (NotAllowed without the power): inspectors, administrators and the city's
    leaders all of them; a unit's head those of the reports and dossiers of their unit and the units below."""
    actor_for_system_power(user, Power.VIEW_AUDIT)
    qs = AuditEntry.objects.all()
    units = audit_scope(user)
    if units is not None:
        from citydesk.dossiers.models import Dossier
        from citydesk.reports.models import Report

        qs = qs.filter(
            Q(object_type="report", object_id__in=Report.objects.filter(unit_id__in=units).values("code"))
            | Q(object_type="dossier", object_id__in=Dossier.objects.filter(unit_id__in=units).values("code"))
        )
    return qs
