"""Who may do what: every role, delegation in its forms, non-delegable powers, outsiders."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from citydesk.core.errors import DomainError, NotAllowed
from citydesk.core.models import AuditEntry, Delegation
from citydesk.core.powers import NON_DELEGABLE, Power
from citydesk.core.services import authorize, delegation_grant, delegation_revoke

TODAY = timezone.localdate()

# Expected answers for the ward's organisation: role -> powers that must be allowed.
EXPECTED_IN_WARD = {
    "operator": set(),  # the city hotline operator sits in the city org: receiving is allowed
    "officer": {Power.REPORT_RECEIVE, Power.REPORT_RESOLVE, Power.DOSSIER_RECEIVE, Power.INDICATOR_ENTER},
    "deputy": {
        Power.REPORT_RECEIVE,
        Power.REPORT_ASSIGN,
        Power.REPORT_RESOLVE,
        Power.DOSSIER_RECEIVE,
        Power.DOSSIER_APPROVE,
        Power.COMPLAINT_RESOLVE,
        Power.VIEW_DASHBOARD,
        Power.INDICATOR_ENTER,
        Power.INDICATOR_APPROVE,
    },
    "head": {
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
    },
    "inspector": set(),
    "citizen": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("role", sorted(EXPECTED_IN_WARD))
def test_role_power_matrix_in_ward(personas, role):
    user = personas.all_roles()[role]
    expected = set(EXPECTED_IN_WARD[role])
    if role == "operator":
        expected = {Power.REPORT_RECEIVE}  # held in the city org, which is above the ward
    for power in Power:
        if power in expected:
            assert authorize(user, power, personas.ward).right == AuditEntry.Right.OWN, power
        else:
            with pytest.raises(NotAllowed):
                authorize(user, power, personas.ward)


def test_leader_holds_head_powers_over_every_ward(personas):
    for org in (personas.ward, personas.other_ward, personas.department):
        assert authorize(personas.leader, Power.COMPLAINT_RESOLVE_COMPLEX, org).right == "own"


def test_head_of_one_ward_has_no_power_in_another(personas):
    with pytest.raises(NotAllowed, match="UBND Phường Sài Gòn"):
        authorize(personas.head, Power.DOSSIER_APPROVE, personas.other_ward)


def test_deputy_refused_complex_complaints_with_reason(personas):
    with pytest.raises(NotAllowed) as err:
        authorize(personas.deputy, Power.COMPLAINT_RESOLVE_COMPLEX, personas.ward)
    assert err.value.status == 403


def _grant(personas, **kwargs):
    defaults = dict(
        user=personas.department_head,
        organisation=personas.department,
        powers=[Power.DOSSIER_APPROVE],
        start_date=TODAY - timedelta(days=1),
        end_date=TODAY + timedelta(days=30),
        delegate_organisation=personas.ward,
    )
    defaults.update(kwargs)
    return delegation_grant(**defaults)


def test_delegation_to_a_unit_lets_its_head_act_by_delegation(personas):
    delegation = _grant(personas)
    actor = authorize(personas.head, Power.DOSSIER_APPROVE, personas.department)
    assert actor.right == AuditEntry.Right.DELEGATED
    assert actor.delegation_id == delegation.pk
    assert actor.on_behalf_of == "Hoàng Minh Tuấn"
    # Only the head of the receiving unit, not its deputy or officers.
    for user in (personas.deputy, personas.officer, personas.other_head):
        with pytest.raises(NotAllowed):
            authorize(user, Power.DOSSIER_APPROVE, personas.department)
    # Only the powers named.
    with pytest.raises(NotAllowed):
        authorize(personas.head, Power.COMPLAINT_RESOLVE, personas.department)


def test_delegation_to_a_person(personas):
    _grant(
        personas,
        delegate_organisation=None,
        delegate_user=personas.officer,
        powers=[Power.DOSSIER_APPROVE, Power.REPORT_ASSIGN],
    )
    assert authorize(personas.officer, Power.REPORT_ASSIGN, personas.department).right == "delegated"
    with pytest.raises(NotAllowed):
        authorize(personas.deputy, Power.REPORT_ASSIGN, personas.department)


def test_delegation_only_inside_its_dates(personas):
    _grant(personas, start_date=TODAY + timedelta(days=2), end_date=TODAY + timedelta(days=5))
    with pytest.raises(NotAllowed):
        authorize(personas.head, Power.DOSSIER_APPROVE, personas.department)
    on = TODAY + timedelta(days=3)
    assert authorize(personas.head, Power.DOSSIER_APPROVE, personas.department, on=on).right == "delegated"
    with pytest.raises(NotAllowed):
        authorize(personas.head, Power.DOSSIER_APPROVE, personas.department, on=TODAY + timedelta(days=6))


def test_revoked_delegation_stops_and_is_audited(personas):
    delegation = _grant(personas)
    delegation_revoke(user=personas.department_head, delegation_id=delegation.pk)
    with pytest.raises(NotAllowed):
        authorize(personas.head, Power.DOSSIER_APPROVE, personas.department)
    actions = list(AuditEntry.objects.filter(object_type="delegation").values_list("action", flat=True))
    assert actions == ["delegation.grant", "delegation.revoke"]
    with pytest.raises(DomainError, match="đã bị thu hồi"):
        delegation_revoke(user=personas.department_head, delegation_id=delegation.pk)


def test_delegation_ends_when_the_delegator_leaves_office(personas):
    _grant(personas)
    personas.department_head.memberships.update(is_active=False)
    with pytest.raises(NotAllowed):
        authorize(personas.head, Power.DOSSIER_APPROVE, personas.department)


@pytest.mark.parametrize("power", sorted(NON_DELEGABLE))
def test_non_delegable_powers_cannot_be_granted(personas, power):
    with pytest.raises(DomainError, match="không được ủy quyền") as err:
        _grant(personas, powers=[power])
    assert err.value.field == "powers"
    assert not Delegation.objects.exists()


def test_non_delegable_power_refused_even_if_a_row_says_so(personas):
    # A delegation row written around the service (e.g. by hand in the database) must not work.
    Delegation.objects.create(
        delegator=personas.head,
        organisation=personas.ward,
        powers=[Power.COMPLAINT_RESOLVE_COMPLEX],
        delegate_user=personas.deputy,
        start_date=TODAY,
        end_date=TODAY,
    )
    with pytest.raises(NotAllowed, match="chỉ do người đứng đầu"):
        authorize(personas.deputy, Power.COMPLAINT_RESOLVE_COMPLEX, personas.ward)


def test_delegation_bad_input_writes_nothing(personas):
    with pytest.raises(DomainError, match="Ngày kết thúc trước ngày bắt đầu") as err:
        _grant(personas, start_date=date(2026, 5, 10), end_date=date(2026, 5, 1))
    assert err.value.field == "end_date"
    with pytest.raises(DomainError, match="Không có quyền"):
        _grant(personas, powers=["reports.fly"])
    with pytest.raises(DomainError, match="đúng một bên nhận ủy quyền"):
        _grant(personas, delegate_user=personas.officer)
    with pytest.raises(DomainError, match="ít nhất một quyền"):
        _grant(personas, powers=[])
    assert not Delegation.objects.exists()
    assert not AuditEntry.objects.filter(object_type="delegation").exists()


@pytest.mark.parametrize("role", ["operator", "officer", "deputy", "inspector", "citizen", "outsider"])
def test_only_heads_can_delegate(personas, role):
    user = personas.all_roles()[role]
    with pytest.raises(NotAllowed):
        _grant(
            personas,
            user=user,
            organisation=personas.ward,
            powers=[Power.REPORT_RESOLVE],
            delegate_organisation=None,
            delegate_user=personas.head if role != "head" else personas.deputy,
        )
    assert not Delegation.objects.exists()


def test_cannot_delegate_what_you_do_not_hold(personas):
    with pytest.raises(NotAllowed, match="mình không có"):
        _grant(personas, powers=[Power.MANAGE_CALENDAR])


def test_granting_without_the_power_to_delegate_says_so(personas):
    # The officer holds "resolve reports" in the ward, not the power to delegate it.
    with pytest.raises(NotAllowed) as err:
        _grant(
            personas,
            user=personas.officer,
            organisation=personas.ward,
            powers=[Power.REPORT_RESOLVE],
            delegate_organisation=None,
            delegate_user=personas.deputy,
        )
    assert err.value.status == 403 and err.value.field == "organisation"
    assert "không có quyền" in err.value.message and "chỉ do người đứng đầu" not in err.value.message
    assert not Delegation.objects.exists()


def test_revoking_another_units_delegation_is_refused_as_such(personas):
    delegation = _grant(personas)
    for user in (personas.head, personas.other_head, personas.officer):
        with pytest.raises(NotAllowed) as err:
            delegation_revoke(user=user, delegation_id=delegation.pk)
        assert err.value.status == 403 and err.value.field == "delegation_id"
        assert "chỉ do người đứng đầu" not in err.value.message
    delegation.refresh_from_db()
    assert delegation.revoked_at is None


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(1, 1, 1), date(9999, 12, 31), "start_date"),
        (TODAY, date(9999, 12, 31), "end_date"),
        (date(1989, 12, 31), TODAY, "start_date"),
        (TODAY, date(2101, 1, 1), "end_date"),
    ],
)
def test_delegation_dates_outside_the_calendar_range(personas, start, end, field):
    with pytest.raises(DomainError) as err:
        _grant(personas, start_date=start, end_date=end)
    assert err.value.status == 400 and err.value.field == field
    assert not Delegation.objects.exists()


def test_grant_is_audited_with_own_right(personas):
    delegation = _grant(personas)
    entry = AuditEntry.objects.get(object_type="delegation", object_id=str(delegation.pk))
    assert entry.right == "own"
    assert entry.actor_id == personas.department_head.pk
    assert entry.after["powers"] == [Power.DOSSIER_APPROVE]
    assert entry.after["delegate_organisation"] == "26743"
