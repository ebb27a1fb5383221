"""Same-day campaigns and the units' yearly targets: the city's plans, written by its leadership.

Who plans: whoever holds the power to approve dossiers over the city itself (a leader of the City
People's Committee, or someone the city delegated it to); a ward head cannot plan for the city.

What a campaign may list (decided here, documented in docs/same-day-campaigns.md):
- any active procedure whose whole process stays inside the receiving unit — the campaign may well
  bring a 3-day procedure down to the same day, that is its purpose;
- not an inter-agency procedure at a unit where it would pass to another agency (a department, the
  city): the receiving unit cannot promise another agency's step the same day;
- units that receive dossiers (commune-level People's Committees and city departments), all of one city;
- procedures and units that pair: each procedure received at a listed unit, each unit receiving a listed
  procedure (else the campaign, or part of it, changes no dossier).
A change of a campaign applies to dossiers received afterwards; dossiers received before keep their
due time. Stopping a campaign or taking procedures and units off it is always allowed; the catalog
may not make a procedure of a running campaign inter-agency (catalog_change_problems), and intake
applies the rule only to a process that stays at the receiving unit (same_day_applies).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor, audit_record
from citydesk.core.calendar import check_in_range
from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import Organisation, OrgKind, User
from citydesk.core.powers import Power
from citydesk.core.services import authorize
from citydesk.dossiers.models import Authority, Campaign, Procedure, ProcedureStep, Target
from citydesk.dossiers.services import common
from citydesk.web.templatetags.date_fields import typed_day

# The power to plan campaigns and set targets, held over the city organisation itself.
PLANNING_POWER = Power.DOSSIER_APPROVE
NAME_LIMIT = 200
FIRST_YEAR, LAST_YEAR = 2000, 2100


# --- Input checks ---------------------------------------------------------------------------------


def _codes(values: Iterable[str] | str | None) -> list[str]:
    """Codes from a list or a comma/space separated text, stripped, without duplicates, in order."""
    if values is None:
        return []
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    seen: dict[str, None] = {}
    for value in values:
        # A NUL is dropped: no stored code holds one, and PostgreSQL refuses it in a query.
        code = unicodedata.normalize("NFC", str(value or "")).replace("\x00", "").strip()
        if code:
            seen.setdefault(code, None)
    return list(seen)


def _date(value: dt.date | str | None, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise DomainError(_("Enter a date."), field=field)
    # ISO (the API, links) or day first as the pages' date fields take it (also 20112026, 20.11.2026:
    # a phone's keypad).
    for shape in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(typed_day(text), shape).date()
        except ValueError:
            continue
    raise DomainError(
        _("“%(value)s” is not a date (dd/mm/yyyy or YYYY-MM-DD).") % {"value": text[:40]}, field=field
    )


def _name(value: str | None) -> str:
    name = unicodedata.normalize("NFC", (value or "").strip())
    if not name:
        raise DomainError(_("Give the campaign a name."), field="name")
    if "\x00" in name:  # PostgreSQL cannot store it
        raise DomainError(_("Null characters are not allowed."), field="name")
    if len(name) > NAME_LIMIT:
        raise DomainError(_("The name is longer than %(n)s characters.") % {"n": NAME_LIMIT}, field="name")
    return name


def is_receiving_unit(unit: Organisation) -> bool:
    """Units that receive dossiers: commune-level People's Committees and city departments."""
    return unit.kind == OrgKind.DEPARTMENT or common.is_commune_unit(unit)


def _units(values: Iterable[str] | str | None) -> tuple[list[Organisation], Organisation]:
    codes = _codes(values)
    if not codes:
        raise DomainError(_("Choose at least one unit."), field="unit_codes")
    found = {
        u.code: u
        for u in Organisation.objects.select_related("admin_unit", "parent").filter(
            code__in=codes, is_active=True
        )
    }
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise DomainError(
            _("Unknown unit(s): %(codes)s.") % {"codes": ", ".join(unknown)}, field="unit_codes"
        )
    units = [found[c] for c in codes]
    wrong = [u.name for u in units if not is_receiving_unit(u)]
    if wrong:
        raise DomainError(
            _(
                "%(units)s do(es) not receive dossiers: choose commune-level People's Committees or departments."
            )
            % {"units": ", ".join(wrong)},
            field="unit_codes",
        )
    city = common.city_of(units[0])
    others = [u.name for u in units[1:] if common.city_of(u).pk != city.pk]
    if others:
        raise DomainError(
            _("A campaign covers the units of one city: %(units)s are not in %(city)s.")
            % {"units": ", ".join(others), "city": city.name},
            field="unit_codes",
        )
    return units, city


def _procedures(values: Iterable[str] | str | None) -> list[Procedure]:
    codes = _codes(values)
    if not codes:
        raise DomainError(_("Choose at least one procedure."), field="procedure_codes")
    found = {p.code: p for p in Procedure.objects.filter(code__in=codes, is_active=True)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise DomainError(
            _("Unknown procedure(s): %(codes)s.") % {"codes": ", ".join(unknown)}, field="procedure_codes"
        )
    return [found[c] for c in codes]


def receivable(procedure: Procedure, unit: Organisation) -> bool:
    """Can `unit` receive dossiers of `procedure`? (The rule of dossier_receive.)"""
    commune = common.is_commune_unit(unit)
    if procedure.authority == Authority.WARD:
        return commune
    if procedure.authority == Authority.DEPARTMENT:
        return commune or unit.code.endswith(f".{procedure.department_code}")
    return True


def _crossing_step(
    procedure: Procedure, steps: list[ProcedureStep], unit: Organisation, city: Organisation
) -> ProcedureStep | None:
    """The first step of `procedure` that, for a dossier received at `unit`, another agency performs
    (a department, the city), else None. A step whose performer the city lacks counts as crossing."""
    try:
        performers: list[Organisation | None] = list(common.step_units(procedure, steps, unit, city))
    except DomainError:
        performers = [None] * len(steps)
    for step, performer in zip(steps, performers, strict=True):
        if performer is None or performer.pk != unit.pk:
            return step
    return None


def same_day_applies(performers: Iterable[Organisation | None], unit: Organisation) -> bool:
    """May a dossier received at `unit`, whose steps `performers` perform (`common.step_units`), be
    promised the same day? Only when every step is the unit's own. Intake asks it before applying a
    campaign: the campaign was checked when planned, but the catalog may have changed the process since
    (the import and the back office refuse that for a running campaign, not for every way a process
    can change), and the receiving unit cannot promise another agency's step."""
    return all(p is not None and p.pk == unit.pk for p in performers)


def _steps_of(procedure: Procedure) -> list[ProcedureStep]:
    return list(procedure.steps.all())


def same_day_problems(
    procedures: list[Procedure], units: list[Organisation], city: Organisation
) -> list[DomainError]:
    """Each procedure that, received at a listed unit, would pass through another agency (one problem
    per procedure, naming the first such unit and step), or that has no process yet."""
    problems = []
    for procedure in procedures:
        steps = _steps_of(procedure)
        if not steps:
            problems.append(
                DomainError(
                    _("%(p)s has no process defined yet.") % {"p": procedure.label}, field="procedure_codes"
                )
            )
            continue
        for unit in units:
            if not receivable(procedure, unit):
                continue
            step = _crossing_step(procedure, steps, unit, city)
            if step is not None:
                problems.append(
                    DomainError(
                        _(
                            "%(p)s passes from %(u)s to another agency (step %(n)s): an inter-agency "
                            "process cannot be promised the same day."
                        )
                        % {"p": procedure.code, "u": unit.name, "n": step.position},
                        field="procedure_codes",
                    )
                )
                break
    return problems


def check_same_day_possible(
    procedures: list[Procedure], units: list[Organisation], city: Organisation
) -> None:
    """Refuse a procedure that, received at a listed unit, would pass through another agency."""
    problems = same_day_problems(procedures, units, city)
    if problems:
        raise problems[0]


def pairing_problems(procedures: list[Procedure], units: list[Organisation]) -> list[DomainError]:
    """Procedures that none of the listed units receives, and units that receive none of the listed
    procedures (a ward-level procedure with only a department): such a campaign would change no
    dossier, or not at that unit, and its dashboard would stay empty."""
    problems = []
    lonely = [p.code for p in procedures if not any(receivable(p, u) for u in units)]
    if lonely:
        problems.append(
            DomainError(
                _(
                    "None of the chosen units receives %(procedures)s: the campaign would change no dossier of it."
                )
                % {"procedures": ", ".join(lonely)},
                field="procedure_codes",
            )
        )
    idle = [u.name for u in units if not any(receivable(p, u) for p in procedures)]
    if idle:
        problems.append(
            DomainError(
                _(
                    "%(units)s receive(s) none of the chosen procedures: the campaign would change nothing there."
                )
                % {"units": ", ".join(idle)},
                field="unit_codes",
            )
        )
    return problems


def plan_problems(
    procedures: list[Procedure], units: list[Organisation], city: Organisation
) -> list[DomainError]:
    """Every problem of the pairs a campaign lists: procedures and units that cannot pair, and
    procedures that would pass to another agency at a listed unit."""
    return [*pairing_problems(procedures, units), *same_day_problems(procedures, units, city)]


def live_campaigns(procedure: Procedure) -> list[Campaign]:
    """The campaigns listing `procedure` that are running or yet to come (active, not over)."""
    if procedure.pk is None:
        return []
    return list(
        Campaign.objects.filter(procedures=procedure, is_active=True, end_date__gte=_today())
        .prefetch_related("units__parent", "units__admin_unit")
        .order_by("start_date", "pk")
    )


def _route(procedure: Procedure, steps: Iterable[ProcedureStep]) -> tuple[Any, ...]:
    """What decides which agency performs each step of a procedure's dossiers."""
    return (
        procedure.authority,
        procedure.department_code,
        [(s.position, s.performer, s.department_code) for s in sorted(steps, key=lambda s: s.position)],
    )


def catalog_change_problems(procedure: Procedure, steps: list[ProcedureStep]) -> list[str]:
    """What a catalog change (the import, the back office) would break: `procedure` with its new
    fields and `steps` (unsaved as they may be), listed in a running or future campaign, passing to
    another agency at one of the campaign's units. The campaign promises those dossiers the same day;
    it is refused so that the leader takes the procedure off the campaign (or stops it) first."""
    campaigns = live_campaigns(procedure)
    if not campaigns:
        return []
    # A change that leaves the route as it was (the level, the department, who performs each step) is
    # not refused: a campaign planned before this rule, or one the change does not concern, stays.
    stored = Procedure.objects.filter(pk=procedure.pk).prefetch_related("steps").first()
    if stored is not None and _route(stored, _steps_of(stored)) == _route(procedure, steps):
        return []
    problems = []
    for campaign in campaigns:
        for unit in campaign.units.all():
            if not receivable(procedure, unit):
                continue
            step = _crossing_step(procedure, steps, unit, common.city_of(unit)) if steps else None
            if step is not None:
                problems.append(
                    _(
                        "%(p)s is listed in the same-day campaign “%(c)s”: at %(u)s, step %(n)s would be "
                        "another agency's, which cannot be promised the same day. Take %(p)s off the "
                        "campaign (or stop it) first."
                    )
                    % {"p": procedure.code, "c": campaign.name, "u": unit.name, "n": step.position}
                )
                break
    return problems


def _authorize_city(user: User | None, city: Organisation) -> Actor:
    if user is None or not user.is_authenticated:
        raise NotAllowed(_("You must log in to do this."))
    return authorize(user, PLANNING_POWER, city)


def planning_cities(user: User | None) -> list[Organisation]:
    """The cities (top organisations) where `user` may plan campaigns and set targets."""
    if user is None or not user.is_authenticated:
        return []
    cities = []
    for city in Organisation.objects.filter(parent__isnull=True, is_active=True).order_by("code"):
        try:
            authorize(user, PLANNING_POWER, city)
        except NotAllowed:
            continue
        cities.append(city)
    return cities


def campaign_snapshot(campaign: Campaign) -> dict[str, Any]:
    return {
        "name": campaign.name,
        "start_date": campaign.start_date.isoformat(),
        "end_date": campaign.end_date.isoformat(),
        "is_active": campaign.is_active,
        "procedures": sorted(campaign.procedures.values_list("code", flat=True)),
        "units": sorted(campaign.units.values_list("code", flat=True)),
    }


def _dates(start_date: dt.date | str | None, end_date: dt.date | str | None) -> tuple[dt.date, dt.date]:
    start = _date(start_date, "start_date")
    end = _date(end_date, "end_date")
    check_in_range(start, "start_date")  # the calendar's holiday data: 1990–2100
    check_in_range(end, "end_date")
    if end < start:
        raise DomainError(_("The campaign cannot end before it starts."), field="end_date")
    return start, end


# --- Campaigns ------------------------------------------------------------------------------------

MAX_CAMPAIGN_DAYS = 366  # a campaign is a drive of weeks or months, not a standing rule


def _today() -> dt.date:
    return timezone.localdate()


def _pairs_checked(
    campaign: Campaign | None, procedures: list[Procedure], units: list[Organisation], is_active: bool
) -> bool:
    """Are the listed pairs checked (plan_problems)? For a new campaign, and for a change that adds a
    procedure or a unit or starts a stopped campaign again. Stopping a campaign, taking procedures or
    units off it, renaming it or moving its dates is always allowed: it promises nothing new, and a
    campaign whose procedure the catalog has changed since must remain stoppable."""
    if campaign is None:
        return True
    if not is_active:
        return False
    if not campaign.is_active:
        return True
    listed_procedures = set(campaign.procedures.values_list("pk", flat=True))
    listed_units = set(campaign.units.values_list("pk", flat=True))
    return bool({p.pk for p in procedures} - listed_procedures or {u.pk for u in units} - listed_units)


def campaign_problems(
    *,
    name: str | None,
    start_date: dt.date | str | None,
    end_date: dt.date | str | None,
    procedure_codes: Iterable[str] | str | None,
    unit_codes: Iterable[str] | str | None,
    new: bool = True,
    campaign: Campaign | None = None,
    is_active: bool = True,
) -> list[DomainError]:
    """Every problem of a campaign's fields at once (the form says them all in one round), each naming its
    field. A new campaign must not be over already (it would change no dossier) nor last over a year;
    its procedures and units must pair, and none may pass to another agency (plan_problems). `campaign`:
    the campaign being changed (then the pairs are checked only as `_pairs_checked` says)."""
    problems: list[DomainError] = []
    dates: tuple[dt.date, dt.date] | None = None
    procedures: list[Procedure] | None = None
    found: tuple[list[Organisation], Organisation] | None = None
    try:
        _name(name)
    except DomainError as exc:
        problems.append(exc)
    try:
        procedures = _procedures(procedure_codes)
    except DomainError as exc:
        problems.append(exc)
    try:
        found = _units(unit_codes)
    except DomainError as exc:
        problems.append(exc)
    try:
        dates = _dates(start_date, end_date)
    except DomainError as exc:
        problems.append(exc)
    if dates is not None:
        start, end = dates
        if new and campaign is None and end < _today():
            problems.append(
                DomainError(
                    _(
                        "The campaign would be over already: a campaign changes only dossiers received during it."
                    ),
                    field="end_date",
                )
            )
        elif (end - start).days + 1 > MAX_CAMPAIGN_DAYS:
            problems.append(
                DomainError(
                    _("A campaign lasts at most %(n)s days.") % {"n": MAX_CAMPAIGN_DAYS}, field="end_date"
                )
            )
    if procedures is not None and found is not None:
        units, city = found
        if _pairs_checked(campaign, procedures, units, is_active):
            problems += plan_problems(procedures, units, city)
    return problems


@transaction.atomic
def campaign_create(
    *,
    user: User | None,
    name: str,
    start_date: dt.date | str,
    end_date: dt.date | str,
    procedure_codes: Iterable[str] | str,
    unit_codes: Iterable[str] | str,
) -> Campaign:
    """Define a same-day campaign: the listed procedures received at the listed units between the two
    dates (inclusive) are due the same working day (the next one after the cutoff or on a day off)."""
    if user is None or not user.is_authenticated:
        raise NotAllowed(_("You must log in to do this."))
    units, city = _units(unit_codes)
    actor = _authorize_city(user, city)
    title = _name(name)
    start, end = _dates(start_date, end_date)
    procedures = _procedures(procedure_codes)
    problems = plan_problems(procedures, units, city)
    if problems:
        raise problems[0]
    campaign = Campaign.objects.create(name=title, start_date=start, end_date=end, created_by=user)
    campaign.procedures.set(procedures)
    campaign.units.set(units)
    audit_record(
        actor=actor,
        action="campaign.create",
        object_type="campaign",
        object_id=campaign.pk,
        after=campaign_snapshot(campaign),
    )
    return campaign


@transaction.atomic
def campaign_update(
    *,
    user: User | None,
    campaign_id: int,
    name: str,
    start_date: dt.date | str,
    end_date: dt.date | str,
    procedure_codes: Iterable[str] | str,
    unit_codes: Iterable[str] | str,
    is_active: bool = True,
) -> Campaign:
    """Change a campaign (or stop it: is_active=False). Dossiers already received keep their due time.
    Stopping it or taking procedures and units off it is always allowed (`_pairs_checked`)."""
    if user is None or not user.is_authenticated:
        raise NotAllowed(_("You must log in to do this."))
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("No campaign %(id)s.") % {"id": campaign_id}, field="campaign_id")
    current = list(campaign.units.select_related("parent")[:1])
    if current:
        _authorize_city(user, common.city_of(current[0]))
    units, city = _units(unit_codes)
    actor = _authorize_city(user, city)
    title = _name(name)
    start, end = _dates(start_date, end_date)
    procedures = _procedures(procedure_codes)
    if _pairs_checked(campaign, procedures, units, bool(is_active)):
        problems = plan_problems(procedures, units, city)
        if problems:
            raise problems[0]
    before = campaign_snapshot(campaign)
    campaign.name, campaign.start_date, campaign.end_date = title, start, end
    campaign.is_active = bool(is_active)
    campaign.save(update_fields=["name", "start_date", "end_date", "is_active"])
    campaign.procedures.set(procedures)
    campaign.units.set(units)
    # The backlog's starting point depends on the start date and the units: computed again when read.
    campaign.baselines.all().delete()
    audit_record(
        actor=actor,
        action="campaign.update",
        object_type="campaign",
        object_id=campaign.pk,
        before=before,
        after=campaign_snapshot(campaign),
    )
    return campaign


# --- Targets --------------------------------------------------------------------------------------


def _share(value: Any, field: str) -> Decimal:
    text = str(value if value is not None else "").strip().replace(",", ".").rstrip("%").strip()
    if not text:
        raise DomainError(_("Enter a percentage from 0 to 100."), field=field)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise DomainError(_("“%(value)s” is not a number.") % {"value": text[:20]}, field=field) from None
    if not number.is_finite() or number < 0 or number > 100:
        raise DomainError(_("Enter a percentage from 0 to 100."), field=field)
    return number.quantize(Decimal("0.01"))


def _year(value: Any) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(_("Enter a year, e.g. 2026."), field="year") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            _("Enter a year from %(a)s to %(b)s.") % {"a": FIRST_YEAR, "b": LAST_YEAR}, field="year"
        )
    return year


def target_problems(values: dict[str, Any]) -> dict[str, str]:
    """Every malformed number of a targets form at once, by field (`target_set` stops at the first)."""
    checks: dict[str, Any] = {
        "year": _year,
        **{
            name: (lambda v, n=name: _share(v, n))
            for name in ("online_share", "on_time_share", "one_stop_share")
        },
    }
    problems = {}
    for name, check in checks.items():
        try:
            check(values.get(name))
        except DomainError as exc:
            problems[name] = exc.message
    return problems


def target_snapshot(target: Target | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {
        "online_share": str(target.online_share),
        "on_time_share": str(target.on_time_share),
        "one_stop_share": str(target.one_stop_share),
    }


@transaction.atomic
def target_set(
    *,
    user: User | None,
    unit_code: str,
    year: int | str,
    online_share: Decimal | float | str,
    on_time_share: Decimal | float | str,
    one_stop_share: Decimal | float | str,
) -> Target:
    """Set a unit's yearly targets (seed 003), in percent: filed online, resolved on time, handled
    through the one-stop system. Set on the city itself, they are the city-wide targets."""
    if user is None or not user.is_authenticated:
        raise NotAllowed(_("You must log in to do this."))
    unit = (
        Organisation.objects.select_related("parent")
        .filter(code=(unit_code or "").replace("\x00", "").strip(), is_active=True)
        .first()
    )
    if unit is None:
        if not (unit_code or "").strip():
            raise DomainError(_("Choose the unit."), field="unit_code")
        raise NotFound(_("No unit %(code)s.") % {"code": unit_code}, field="unit_code")
    actor = _authorize_city(user, common.city_of(unit))
    values = {
        "online_share": _share(online_share, "online_share"),
        "on_time_share": _share(on_time_share, "on_time_share"),
        "one_stop_share": _share(one_stop_share, "one_stop_share"),
    }
    number = _year(year)
    target = Target.objects.select_for_update().filter(unit=unit, year=number).first()
    before = target_snapshot(target)
    if target is None:
        target = Target.objects.create(unit=unit, year=number, **values)
    else:
        for key, value in values.items():
            setattr(target, key, value)
        target.save(update_fields=list(values))
    audit_record(
        actor=actor,
        action="target.set",
        object_type="dossier_target",
        object_id=f"{unit.code}/{number}",
        before=before,
        after=target_snapshot(target),
    )
    return target
