"""Review s25 (entry): impossible values refused by the catalog's range, findings explained only by the
unit's own people and closed by someone else, the return link offered only to the approver, notes bounded."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from citydesk.core.errors import Conflict, DomainError, NotAllowed
from citydesk.indicators import catalog, imports
from citydesk.indicators.findings import MAX_NOTE, finding_transition, offers
from citydesk.indicators.models import (
    DataValue,
    Finding,
    FindingState,
    Indicator,
    Submission,
    SubmissionState,
)
from tests.indicators.entry_fixtures import make_catalog

pytestmark = pytest.mark.django_db
HEADER = "Mã chỉ tiêu;Tên chỉ tiêu;Đơn vị tính;Mã đơn vị;Kỳ;Giá trị;Ghi chú\n"


@pytest.fixture
def cat(personas):
    return make_catalog(personas)


def csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode("utf-8")


def percent(cat, personas, code="VACC", **kw) -> Indicator:
    ind = Indicator.objects.create(
        group=cat.group, code=code, name=f"Tỷ lệ {code}", unit_of_measure="%", position=9, **kw
    )
    ind.reporting_units.set([personas.ward])
    return ind


def finding(cat, personas, state=FindingState.FLAGGED) -> Finding:
    return Finding.objects.create(
        indicator=cat.revenue,
        unit=personas.ward,
        period_type="M",
        period=date(2026, 3, 1),
        value=900,
        expected=10,
        score=9,
        method="seasonal",
        explanation="x",
        state=state,
    )


# --- 1. The valid range ---------------------------------------------------------------------------


def test_a_percentage_is_between_0_and_100_unless_the_catalog_says_otherwise(cat, personas):
    vacc = percent(cat, personas)
    assert catalog.valid_range(vacc) == (0.0, 100.0)
    with pytest.raises(DomainError) as info:
        catalog.check_range(vacc, -5)
    assert info.value.field == "value" and "VACC" in info.value.message and "100" in info.value.message
    with pytest.raises(DomainError):
        catalog.check_range(vacc, 1000)
    assert catalog.check_range(vacc, 96.5) == 96.5
    growth = percent(cat, personas, "GROWTH", min_value=-100, max_value=30)
    assert catalog.check_range(growth, -6.8) == -6.8
    index = percent(cat, personas, "IDX", min_value=0, max_value=1000)
    assert catalog.check_range(index, 112) == 112
    count = Indicator(code="HH", unit_of_measure="hộ", integer_only=True)
    assert catalog.valid_range(count) == (0.0, None)
    assert catalog.valid_range(Indicator(code="BAL", unit_of_measure="triệu USD")) == (None, None)


def test_an_import_refuses_a_negative_percentage_naming_its_row(cat, personas):
    percent(cat, personas)
    data = csv("REV;;;26743;2026-03;100;", "VACC;;;26743;2026-03;-5;")
    with pytest.raises(imports.ImportRejected) as info:
        imports.values_import(user=personas.officer, file=data, filename="v.csv")
    assert [(e.row, e.key) for e in info.value.errors] == [(3, "value")]
    assert "100" in info.value.errors[0].message
    assert DataValue.objects.count() == 0 and Submission.objects.count() == 0


def test_the_demo_catalog_bounds_every_percentage():
    from citydesk.indicators.demo import _definition, catalog_specs

    _groups, specs = catalog_specs()
    for spec in specs:
        definition = _definition(spec)
        if definition["unit_of_measure"] == "%":
            assert definition["min_value"] is not None and definition["max_value"] is not None, spec.code
    vacc = next(s for s in specs if s.code == "VACC_RATE")
    assert _definition(vacc)["min_value"] == 0
    poor = next(s for s in specs if s.code == "POOR_RATE")
    assert _definition(poor)["max_value"] == 100


# --- 2. Who explains, who closes ------------------------------------------------------------------


def test_a_city_leader_does_not_explain_a_wards_finding(cat, personas):
    f = finding(cat, personas)
    with pytest.raises(NotAllowed):
        finding_transition(user=personas.leader, finding_id=f.pk, action="explain", note="Lý do")
    assert offers(personas.leader, [f])[f.pk].actions == ()


def test_the_one_who_explained_does_not_close(cat, personas):
    f = finding(cat, personas)
    finding_transition(user=personas.head, finding_id=f.pk, action="explain", note="Khai trương siêu thị")
    f.refresh_from_db()
    if "close" in offers(personas.head, [f])[f.pk].actions:
        pytest.fail("the explainer is offered to close")
    with pytest.raises(Conflict):
        finding_transition(user=personas.head, finding_id=f.pk, action="close")
    finding_transition(user=personas.leader, finding_id=f.pk, action="close")
    f.refresh_from_db()
    assert f.state == FindingState.CLOSED


def test_the_refusal_to_close_says_who_closes(cat, personas):
    f = finding(cat, personas)
    finding_transition(user=personas.officer, finding_id=f.pk, action="explain", note="Lý do")
    with pytest.raises(NotAllowed) as info:
        finding_transition(user=personas.officer, finding_id=f.pk, action="close")
    assert "leaders responsible" in info.value.message or "lãnh đạo" in info.value.message


# --- 3. The return link ---------------------------------------------------------------------------


def test_the_ward_head_is_not_offered_the_approvers_review_page(cat, personas):
    f = finding(cat, personas)
    Submission.objects.create(
        group=cat.group,
        unit=personas.ward,
        period_type="M",
        period=date(2026, 3, 1),
        state=SubmissionState.SUBMITTED,
    )
    offer = offers(personas.head, [f])[f.pk]
    assert offer.link == ""
    leader = offers(personas.leader, [f])[f.pk]
    assert leader.link == reverse("indicators_entry:review", args=["G01", "26743", "2026-03"])


# --- 4. Notes -------------------------------------------------------------------------------------


def test_a_long_note_is_refused_naming_the_field(cat, personas):
    f = finding(cat, personas)
    with pytest.raises(DomainError) as info:
        finding_transition(user=personas.officer, finding_id=f.pk, action="explain", note="a" * 20_000)
    assert info.value.field == "note" and str(MAX_NOTE) in info.value.message.replace(".", "")
    f.refresh_from_db()
    assert f.state == FindingState.FLAGGED and f.resolution == ""


def test_a_refused_note_comes_back_in_its_field(client, cat, personas):
    f = finding(cat, personas)
    client.force_login(personas.officer)
    page = reverse("indicators_entry:findings")
    typed = "Lý do dài " + "x" * MAX_NOTE
    response = client.post(
        reverse("indicators:finding_action", args=[f.pk, "explain"]),
        {"note": typed, "version": f.version, "next": page},
    )
    assert response.status_code == 302
    assert any("note" in (m.extra_tags or "") for m in get_messages(response.wsgi_request))
    html = client.get(page).content.decode()
    assert typed in html and f'id="note-error-{f.pk}"' in html
