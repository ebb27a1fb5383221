"""Who reads which rows of the audit trail and of the log of readings of personal data: the API's
`GET /audit` and `GET /audit/access` and the trail's page share it.

The platform serves several cities (a province's People's Committee is the top of its tree): a city's leaders
and inspectors read the rows of their own city only, a unit's head those of their unit's reports and dossiers;
only superusers and system administrators (Role.ADMIN: the platform's users, calendar and catalog) read all.
A row belongs to a city through its object (a report's or dossier's unit, a user's membership, a token's
owner…); a row about an object that belongs to no city (the national calendar, the categories, the procedure
catalog) is read by every city; a row whose object says nothing, through its actor being one of the city's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from citydesk.core.models import (
    ApiToken,
    AuditEntry,
    Delegation,
    Membership,
    Organisation,
    PersonalDataAccess,
    User,
)
from citydesk.core.powers import ROLE_POWERS, Power, Role
from citydesk.core.selectors import descendant_ids
from citydesk.core.services import actor_for_system_power


@dataclass(frozen=True)
class AuditScope:
    """What a reader who does not read everything reads: every row about the objects of `city_units` (their
    cities' whole trees), and the rows of the reports and dossiers of `case_units` (a unit's head)."""

    city_units: frozenset[int]
    case_units: frozenset[int]


def _root_id(organisation: Organisation) -> int:
    return organisation.ancestor_ids()[-1]


def audit_scope(user: User) -> AuditScope | None:
    """The rows `user` may read, or None for the whole trail (superusers and system administrators). A city's
    leader or inspector (VIEW_AUDIT held at the top of a city's tree, as leader or as inspector anywhere in it)
    reads their city; another holder of VIEW_AUDIT (a ward's or department's head) their unit and below."""
    if user.is_superuser:
        return None
    cities: set[int] = set()
    units: set[int] = set()
    for m in Membership.objects.filter(user=user, is_active=True).select_related("organisation"):
        if Power.VIEW_AUDIT not in ROLE_POWERS[m.role]:
            continue
        if m.role == Role.ADMIN:
            return None
        if m.role in (Role.INSPECTOR, Role.LEADER) or m.organisation.parent_id is None:
            cities.add(_root_id(m.organisation))
        else:
            units.add(m.organisation_id)
    city_units = descendant_ids(cities)
    return AuditScope(frozenset(city_units), frozenset(descendant_ids(units) - city_units))


def _as_text(queryset: QuerySet, field: str = "pk") -> QuerySet:
    """The ids `queryset` gives, as the text the trail stores them (`object_id` is a text column)."""
    return queryset.annotate(audit_id=Cast(field, output_field=CharField())).values("audit_id")


def _case_rows(units: frozenset[int]) -> Q:
    from citydesk.dossiers.models import Dossier
    from citydesk.reports.models import Report

    return Q(object_type="report", object_id__in=Report.objects.filter(unit_id__in=units).values("code")) | Q(
        object_type="dossier", object_id__in=Dossier.objects.filter(unit_id__in=units).values("code")
    )


def _city_objects() -> dict[str, Callable[[frozenset[int]], QuerySet]]:
    """object type -> the ids (as the trail writes them) of the objects of that type in the given units."""
    from citydesk.dossiers.models import Campaign, Payment, Target
    from citydesk.indicators.models import Finding, Plan, Submission
    from citydesk.ioc.models import Directive
    from citydesk.ratings.models import DeskTransaction, Kiosk, Rating
    from citydesk.reports.models import RoutingRule

    def by_unit(model: type, field: str = "unit_id") -> Callable[[frozenset[int]], QuerySet]:
        return lambda units: _as_text(model.objects.filter(**{f"{field}__in": units}))

    return {
        "payment": lambda units: Payment.objects.filter(dossier__unit_id__in=units).values("reference"),
        "user": lambda units: _as_text(Membership.objects.filter(organisation_id__in=units), "user_id"),
        "membership": by_unit(Membership, "organisation_id"),
        "api_token": lambda units: _as_text(
            ApiToken.objects.filter(user__memberships__organisation_id__in=units)
        ),
        "organisation": by_unit(Organisation, "pk"),
        "delegation": by_unit(Delegation, "organisation_id"),
        "campaign": lambda units: _as_text(Campaign.objects.filter(units__in=units)),
        "dossier_target": lambda units: (
            Target.objects.filter(unit_id__in=units)
            .annotate(audit_id=Concat("unit__code", Value("/"), Cast("year", output_field=CharField())))
            .values("audit_id")
        ),
        "kiosk": lambda units: Kiosk.objects.filter(unit_id__in=units).values("code"),
        "desk_transaction": lambda units: DeskTransaction.objects.filter(unit_id__in=units).values("code"),
        "rating": by_unit(Rating),
        "directive": by_unit(Directive, "organisation_id"),
        "routing_rule": by_unit(RoutingRule, "target_id"),
        "indicators.submission": by_unit(Submission),
        "indicators.finding": by_unit(Finding),
        "indicators.plan": by_unit(Plan),
    }


# Objects of the whole platform, of no city: every city's readers read their rows.
SHARED_OBJECT_TYPES = frozenset(
    {
        "admin_unit",
        "calendar_override",
        "group",
        "indicator",
        "indicator_group",
        "indicators.period",
        "legacy_mapping",
        "legacy_unit",
        "open311_client",
        "procedure",
        "procedure_catalog",
        "service_category",
    }
)


def scope_filter(scope: AuditScope, actor_field: str) -> Q:
    """The rows of `scope` in a table of (object_type, object_id) rows whose author is `actor_field`."""
    rows = Q(pk__in=[])
    if scope.case_units:
        rows |= _case_rows(scope.case_units)
    if scope.city_units:
        units = scope.city_units
        objects = _city_objects()
        rows |= _case_rows(units) | Q(object_type__in=SHARED_OBJECT_TYPES)
        for object_type, ids in objects.items():
            rows |= Q(object_type=object_type, object_id__in=ids(units))
        told = {"report", "dossier", *SHARED_OBJECT_TYPES, *objects}
        city_people = Membership.objects.filter(organisation_id__in=units).values("user_id")
        rows |= ~Q(object_type__in=told) & Q(**{f"{actor_field}__in": city_people})
    return rows


def readable_audit(user: User) -> QuerySet[AuditEntry]:
    """The rows `user` may read (NotAllowed without the power): superusers and system administrators all of
    them; a city's leaders and inspectors those of their city; a unit's head those of the reports and
    dossiers of their unit and the units below."""
    actor_for_system_power(user, Power.VIEW_AUDIT)
    qs = AuditEntry.objects.all()
    scope = audit_scope(user)
    return qs if scope is None else qs.filter(scope_filter(scope, "actor_id"))


def readable_access(user: User) -> QuerySet[PersonalDataAccess]:
    """The readings of personal data `user` may see: the same readers and the same scope as the trail."""
    actor_for_system_power(user, Power.VIEW_AUDIT)
    qs = PersonalDataAccess.objects.all()
    scope = audit_scope(user)
    return qs if scope is None else qs.filter(scope_filter(scope, "user_id"))
