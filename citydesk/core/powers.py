"""Roles, powers and which role holds which power: one table, not scattered ifs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("Hotline operator")
    OFFICER = "officer", _("Officer")
    DEPUTY = "deputy", _("Deputy head")
    HEAD = "head", _("Head of unit")
    LEADER = "leader", _("City leader")
    INSPECTOR = "inspector", _("Inspector")
    ADMIN = "admin", _("System administrator")


class Power(models.TextChoices):
    MANAGE_USERS = "core.manage_users", _("Manage users and memberships")
    MANAGE_CALENDAR = "core.manage_calendar", _("Enter official days off and working Saturdays")
    IMPORT_BOUNDARIES = "core.import_boundaries", _("Import unit boundaries")
    VIEW_AUDIT = "core.view_audit", _("Read the audit trail")
    DELEGATE = "core.delegate", _("Delegate powers to another person or unit")
    REPORT_RECEIVE = "reports.receive", _("Receive citizen reports")
    REPORT_ASSIGN = "reports.assign", _("Assign and transfer citizen reports")
    REPORT_RESOLVE = "reports.resolve", _("Resolve citizen reports")
    DOSSIER_RECEIVE = "dossiers.receive", _("Receive dossiers at the one-stop desk")
    DOSSIER_APPROVE = "dossiers.approve", _("Approve and sign dossier results")
    COMPLAINT_RESOLVE = "complaints.resolve", _("Resolve complaints")
    COMPLAINT_RESOLVE_COMPLEX = "complaints.resolve_complex", _("Resolve complex, crowded complaint cases")
    CITIZEN_RECEPTION = "complaints.receive_citizens", _("Receive citizens in person (head's reception day)")
    INSPECT = "complaints.inspect", _("Inspect units' handling of complaints")
    VIEW_DASHBOARD = "ioc.view", _("Open the operations center dashboards of one's units")
    RATINGS_IMPORT = "ratings.import", _("Import historical satisfaction rating counts")
    MANAGE_PROCEDURES = "dossiers.manage_catalog", _("Manage the administrative procedure catalog")
    INDICATOR_ENTER = "indicators.enter", _("Enter socio-economic indicator values of one's unit")
    INDICATOR_APPROVE = "indicators.approve", _("Approve the indicator reports of the units below")


# Powers that can never be exercised by delegation (seed 000: complex complaint cases and the
# head's citizen reception are handled by the head personally; delegating is itself not delegable).
NON_DELEGABLE: frozenset[str] = frozenset(
    {Power.DELEGATE, Power.COMPLAINT_RESOLVE_COMPLEX, Power.CITIZEN_RECEPTION}
)

_HEAD_POWERS = {
    Power.REPORT_RECEIVE,
    Power.REPORT_ASSIGN,
    Power.REPORT_RESOLVE,
    Power.DOSSIER_RECEIVE,
    Power.DOSSIER_APPROVE,
    Power.COMPLAINT_RESOLVE,
    Power.COMPLAINT_RESOLVE_COMPLEX,
    Power.CITIZEN_RECEPTION,
    Power.DELEGATE,
    Power.VIEW_AUDIT,
    Power.VIEW_DASHBOARD,
    Power.INDICATOR_ENTER,
    Power.INDICATOR_APPROVE,
}

# Which powers a role holds in its own organisation and the organisations below it.
ROLE_POWERS: dict[str, frozenset[str]] = {
    Role.OPERATOR: frozenset({Power.REPORT_RECEIVE}),
    Role.OFFICER: frozenset(
        {Power.REPORT_RECEIVE, Power.REPORT_RESOLVE, Power.DOSSIER_RECEIVE, Power.INDICATOR_ENTER}
    ),
    # A deputy approves and resolves, but never the head-only powers (seed 000).
    Role.DEPUTY: frozenset(
        {
            Power.REPORT_RECEIVE,
            Power.REPORT_ASSIGN,
            Power.REPORT_RESOLVE,
            Power.DOSSIER_RECEIVE,
            Power.DOSSIER_APPROVE,
            Power.COMPLAINT_RESOLVE,
            Power.VIEW_DASHBOARD,
            Power.INDICATOR_ENTER,
            Power.INDICATOR_APPROVE,
        }
    ),
    Role.HEAD: frozenset(_HEAD_POWERS),
    Role.LEADER: frozenset((_HEAD_POWERS - {Power.INDICATOR_ENTER}) | {Power.RATINGS_IMPORT}),
    Role.INSPECTOR: frozenset({Power.VIEW_AUDIT, Power.INSPECT}),
    Role.ADMIN: frozenset(
        {
            Power.MANAGE_USERS,
            Power.MANAGE_CALENDAR,
            Power.IMPORT_BOUNDARIES,
            Power.VIEW_AUDIT,
            Power.RATINGS_IMPORT,
            Power.MANAGE_PROCEDURES,
        }
    ),
}

# Roles that act for an organisation receiving a delegation addressed to the organisation itself.
ROLES_RECEIVING_UNIT_DELEGATION: frozenset[str] = frozenset({Role.HEAD})
