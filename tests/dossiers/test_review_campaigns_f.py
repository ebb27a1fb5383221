"""Review F on same-day campaigns, the catalog and the targets (one-stop dossiers).

1. A catalog change (import, back office) made a running campaign's procedure inter-agency, and the
   campaign could then not be stopped; intake must not promise such a process the same day.
2. The back office let the system administrator set and delete targets; two rows read “Sở Y tế – 2026”.
3. A unit taken off a campaign lost the dossiers it had received under it (404 for its head, its filter).
4. Another city's leader read a campaign's edit form.
5. A procedure counted in hours finished the same day read “resolved later” (its legal time had passed).
6. A campaign whose procedures and units cannot pair was saved.
7. “Target met” contradicted the figures shown (89,7% | 89,7% | ✗).
8. The form did not say every problem at once (two inter-agency procedures: one named).
9. The catalog import flattened the line breaks of multi-line fields.
10. /api/v1/dossier-targets?year=0 answered for this year.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from io import BytesIO
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from openpyxl import load_workbook

from citydesk.core.errors import DomainError
from citydesk.core.models import Membership, Organisation, OrgKind, User
from citydesk.dossiers import stats
from citydesk.dossiers.catalog import (
    COLUMNS,
    SHEET_PROCEDURES,
    SHEET_STEPS,
    catalog_export,
    catalog_import,
    parse_value,
)
from citydesk.dossiers.models import (
    Authority,
    Campaign,
    Dossier,
    Performer,
    Procedure,
    ProcedureStep,
    Punctuality,
    Target,
    TimeUnit,
)
from citydesk.dossiers.services import common, dossier_transition
from citydesk.dossiers.services.campaigns import (
    campaign_create,
    campaign_problems,
    campaign_update,
    same_day_applies,
)
from tests.conftest import make_unit
from tests.dossiers.conftest import at, make_procedure
from tests.dossiers.test_admin_validation import _posted

pytestmark = pytest.mark.django_db
ADMIN = "/quan-tri"
API = "/api/v1"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def clock(moment: dt.datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=moment)


def december(personas, catalog, **changes: Any) -> Campaign:
    values: dict[str, Any] = {
        "user": personas.leader,
        "name": "Tháng giải quyết trong ngày",
        "start_date": dt.date(2026, 12, 1),
        "end_date": dt.date(2026, 12, 31),
        "procedure_codes": [catalog.birth.code, catalog.copy.code],
        "unit_codes": [personas.ward.code],
    }
    values.update(changes)
    return campaign_create(**values)


def update(personas, campaign: Campaign, **changes: Any) -> Campaign:
    values: dict[str, Any] = {
        "user": personas.leader,
        "campaign_id": campaign.pk,
        "name": campaign.name,
        "start_date": campaign.start_date,
        "end_date": campaign.end_date,
        "procedure_codes": list(campaign.procedures.values_list("code", flat=True)),
        "unit_codes": list(campaign.units.values_list("code", flat=True)),
        "is_active": True,
    }
    values.update(changes)
    return campaign_update(**values)


def to_department(procedure: Procedure, position: int = 2, code: str = "SXD") -> None:
    """What the reviewer's import did to HT-03: one step handed to a department (stored as it was then)."""
    ProcedureStep.objects.filter(procedure=procedure, position=position).update(
        performer=Performer.DEPARTMENT, department_code=code
    )


def steps_row(book: Any, code: str, position: int) -> int:
    sheet = book[SHEET_STEPS]
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 1).value == code and sheet.cell(row, 2).value == position:
            return row
    raise AssertionError(f"{code} {position}")


def col(sheet: str, key: str) -> int:
    return next(i for i, (k, *_r) in enumerate(COLUMNS[sheet], start=1) if k == key)


def workbook_bytes(book: Any) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def staff(personas) -> Client:
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    return login(personas.admin)


@pytest.fixture
def hanoi(personas) -> tuple[Organisation, User]:
    """A second city with its own leader and its own Sở Y tế (as HCMC has)."""
    area = make_unit("01", "Thành phố Hà Nội")
    city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=area
    )
    leader = User.objects.create_user(username="hn_leader", password="x", full_name="Trần Hà Nội")
    Membership.objects.create(user=leader, organisation=city, role="leader")
    return city, leader


# --- 1. The catalog cannot make a running campaign inter-agency; a campaign can always be stopped ------


def test_a_catalog_import_making_a_campaign_procedure_inter_agency_is_refused(personas, catalog):
    campaign = december(personas, catalog)
    book = load_workbook(BytesIO(catalog_export()))
    row = steps_row(book, catalog.birth.code, 2)
    book[SHEET_STEPS].cell(row, col(SHEET_STEPS, "performer")).value = "Sở ngành"
    book[SHEET_STEPS].cell(row, col(SHEET_STEPS, "department_code")).value = "SXD"
    result = catalog_import(workbook_bytes(book), user=personas.admin)
    messages = [str(e) for e in result.errors]
    assert not result.ok and any(campaign.name in m and "HT-01" in m for m in messages), messages
    assert any(e.sheet == SHEET_STEPS and e.field == "performer" for e in result.errors)
    assert catalog.birth.steps.get(position=2).performer == Performer.RECEIVING_UNIT  # nothing changed
    # Stopped, the campaign promises nothing more: the same file is accepted.
    update(personas, campaign, is_active=False)
    assert catalog_import(workbook_bytes(book), user=personas.admin).ok
    assert catalog.birth.steps.get(position=2).performer == Performer.DEPARTMENT


def test_a_catalog_import_that_leaves_the_route_as_it_was_is_accepted(personas, catalog):
    december(personas, catalog)
    book = load_workbook(BytesIO(catalog_export()))
    row = steps_row(book, catalog.birth.code, 2)
    book[SHEET_STEPS].cell(row, col(SHEET_STEPS, "name")).value = "Thẩm định hồ sơ"
    result = catalog_import(workbook_bytes(book), user=personas.admin)
    assert result.ok, [str(e) for e in result.errors]


def test_the_back_office_refuses_the_same_change_naming_the_campaign(staff, personas, catalog):
    campaign = december(personas, catalog)
    url = f"{ADMIN}/dossiers/procedure/{catalog.birth.pk}/change/"
    data = _posted(staff.get(url))
    data.update({"steps-1-performer": "department", "steps-1-department_code": "SXD"})
    r = staff.post(url, data)
    assert r.status_code == 200
    page = html.unescape(r.content.decode())
    assert campaign.name in page and "HT-01" in page
    assert catalog.birth.steps.get(position=2).performer == Performer.RECEIVING_UNIT
    update(personas, campaign, is_active=False)
    assert staff.post(url, data).status_code == 302


def test_a_campaign_whose_procedure_became_inter_agency_can_still_be_stopped(client, personas, catalog):
    campaign = december(personas, catalog, unit_codes=[personas.ward.code, personas.other_ward.code])
    to_department(catalog.birth)  # the catalog changed before the import and the back office refused it
    # Taking a unit off, renaming: allowed.
    update(personas, campaign, unit_codes=[personas.ward.code], name="Tháng hành động")
    # Stopping from the page: unticked “Đang áp dụng”.
    client.force_login(personas.leader)
    r = client.post(
        f"/mot-cua/chien-dich/{campaign.pk}/sua/",
        {
            "name": "Tháng hành động",
            "start_date": "01/12/2026",
            "end_date": "31/12/2026",
            "procedure_codes": ["HT-01", "CT-01"],
            "unit_codes": [personas.ward.code],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    campaign.refresh_from_db()
    assert not campaign.is_active
    # Starting it again, or adding a unit, checks the pairs again.
    with pytest.raises(DomainError) as exc:
        update(personas, campaign, is_active=True)
    assert exc.value.field == "procedure_codes" and "HT-01" in exc.value.message


def test_intake_can_ask_whether_the_same_day_rule_applies(personas, catalog):
    city = personas.city
    birth = list(catalog.birth.steps.all())
    assert same_day_applies(common.step_units(catalog.birth, birth, personas.ward, city), personas.ward)
    to_department(catalog.birth)
    birth = list(catalog.birth.steps.all())
    performers = common.step_units(catalog.birth, birth, personas.ward, city)
    assert not same_day_applies(performers, personas.ward)
    land = list(catalog.land.steps.all())
    assert not same_day_applies(common.step_units(catalog.land, land, personas.ward, city), personas.ward)


# --- 2. Targets in the back office: read only, named with their city -----------------------------------


def test_the_back_office_shows_targets_read_only_with_their_city(staff, personas, hanoi):
    city, _leader = hanoi
    hcm_health = Organisation.objects.create(
        code="79.SYT", name="Sở Y tế", kind=OrgKind.DEPARTMENT, parent=personas.city
    )
    hn_health = Organisation.objects.create(
        code="01.SYT", name="Sở Y tế", kind=OrgKind.DEPARTMENT, parent=city
    )
    mine = Target.objects.create(unit=hcm_health, year=2026, online_share=30)
    Target.objects.create(unit=hn_health, year=2026, online_share=25)
    listing = staff.get(f"{ADMIN}/dossiers/target/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert personas.city.name in page and city.name in page
    assert staff.get(f"{ADMIN}/dossiers/target/add/").status_code == 403
    view = staff.get(f"{ADMIN}/dossiers/target/{mine.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    changed = staff.post(
        f"{ADMIN}/dossiers/target/{mine.pk}/change/",
        {
            "unit": str(hcm_health.pk),
            "year": "2026",
            "online_share": "99",
            "on_time_share": "0",
            "one_stop_share": "0",
        },
    )
    assert changed.status_code == 403
    assert staff.post(f"{ADMIN}/dossiers/target/{mine.pk}/delete/", {"post": "yes"}).status_code == 403
    data = {"action": "delete_selected", "_selected_action": [str(mine.pk)], "post": "yes"}
    staff.post(f"{ADMIN}/dossiers/target/", data)
    assert Target.objects.get(pk=mine.pk).online_share == Decimal("30.00")


# --- 3. A unit taken off a campaign keeps the dossiers it received under it ----------------------------


@pytest.fixture
def taken_off(personas, catalog, receive) -> Campaign:
    campaign = december(personas, catalog, unit_codes=[personas.ward.code, personas.other_ward.code])
    receive(when=at(2026, 12, 7, 9, 0), unit_code=personas.other_ward.code, user=personas.outsider)
    receive(when=at(2026, 12, 7, 9, 0))
    with clock(at(2026, 12, 8, 9, 0)):
        update(personas, campaign, unit_codes=[personas.ward.code])
    return campaign


def test_the_head_of_a_unit_taken_off_still_reads_its_dossiers(personas, taken_off, bearer):
    r = Client().get(f"{API}/campaigns/{taken_off.pk}/stats", **bearer(personas.other_head))
    assert r.status_code == 200, r.content
    body = r.json()
    assert [u["unit"] for u in body["units"]] == [personas.other_ward.code]
    assert body["total"]["received"] == 1
    page = login(personas.other_head).get(f"/mot-cua/chien-dich/{taken_off.pk}/")
    assert page.status_code == 200 and f'data-unit="{personas.other_ward.code}"' in page.content.decode()


def test_the_leader_filters_on_a_unit_taken_off(personas, taken_off, bearer):
    code = personas.other_ward.code
    r = Client().get(f"{API}/campaigns/{taken_off.pk}/stats?unit={code}", **bearer(personas.leader))
    assert r.status_code == 200, r.content
    assert r.json()["total"]["received"] == 1
    page = login(personas.leader).get(f"/mot-cua/chien-dich/{taken_off.pk}/?unit={code}").content.decode()
    assert f'<option value="{code}" selected>' in page
    assert 'data-testid="total-received">1<' in page


# --- 4. Another city's leader cannot open a campaign's edit form ----------------------------------------


def test_another_citys_leader_gets_404_on_the_edit_form(personas, catalog, hanoi):
    campaign = december(personas, catalog)
    _city, leader = hanoi
    client = login(leader)
    assert client.get(f"/mot-cua/chien-dich/{campaign.pk}/").status_code == 404
    r = client.get(f"/mot-cua/chien-dich/{campaign.pk}/sua/")
    assert r.status_code == 404 and campaign.name not in r.content.decode()
    assert client.post(f"/mot-cua/chien-dich/{campaign.pk}/sua/", {"name": "X"}).status_code == 404
    assert login(personas.leader).get(f"/mot-cua/chien-dich/{campaign.pk}/sua/").status_code == 200


# --- 5. Hour-based procedures: the share is measured against the same-day due time ---------------------


@pytest.fixture
def signature(personas, catalog) -> Procedure:
    return make_procedure(
        "CT-02",
        "Chứng thực chữ ký",
        days=2,
        unit=TimeUnit.WORKING_HOURS,
        same_day=True,
        steps=[("Tiếp nhận và chứng thực", Performer.RECEIVING_UNIT, "", "officer", 100)],
        documents=[("Giấy tờ cần chứng thực", True)],
    )


def test_an_hour_based_dossier_finished_the_same_day_counts_as_same_day(
    personas, catalog, signature, receive
):
    campaign = december(personas, catalog, procedure_codes=["CT-02"])
    dossier = receive(signature, when=at(2026, 12, 7, 6, 50))  # Monday, before the office opens
    assert dossier.due_at == at(2026, 12, 7, 9, 30)  # 2 working hours from 07:30: the legal time
    with clock(at(2026, 12, 7, 9, 30) + dt.timedelta(seconds=54)):
        done = dossier_transition(user=personas.officer, code=dossier.code, action="finish", note="Xong")
    assert done.punctuality == Punctuality.LATE  # by the legal time, as everywhere else
    board = stats.campaign_dashboard(campaign, now=at(2026, 12, 8, 9, 0))
    assert (board.total.same_day, board.total.later, board.total.share_same_day) == (1, 0, 100.0)
    # Finished the next day, it missed the same day.
    late = receive(signature, when=at(2026, 12, 7, 10, 0))
    with clock(at(2026, 12, 8, 8, 0)):
        dossier_transition(user=personas.officer, code=late.code, action="finish", note="Xong")
    board = stats.campaign_dashboard(campaign, now=at(2026, 12, 8, 9, 0))
    assert (board.total.same_day, board.total.later, board.total.share_same_day) == (1, 1, 50.0)


def test_an_open_hour_based_dossier_is_past_its_same_day_only_after_the_day(
    personas, catalog, signature, receive
):
    campaign = december(personas, catalog, procedure_codes=["CT-02"])
    receive(signature, when=at(2026, 12, 7, 6, 50))
    within = stats.campaign_dashboard(campaign, now=at(2026, 12, 7, 10, 0))  # past 09:30, same day
    assert (within.total.pending, within.total.overdue, within.total.share_same_day) == (1, 0, None)
    after = stats.campaign_dashboard(campaign, now=at(2026, 12, 7, 17, 1))
    assert (after.total.overdue, after.total.share_same_day) == (1, 0.0)


# --- 6. Procedures and units that cannot pair are refused -------------------------------------------


def test_a_campaign_that_can_never_apply_is_refused(personas, catalog):
    with pytest.raises(DomainError) as exc:
        december(personas, catalog, procedure_codes=["HT-01"], unit_codes=[personas.department.code])
    assert exc.value.field == "procedure_codes" and "HT-01" in exc.value.message
    assert not Campaign.objects.exists()
    problems = campaign_problems(
        name="X",
        start_date="2026-12-01",
        end_date="2026-12-31",
        procedure_codes=["HT-01"],
        unit_codes=[personas.ward.code, personas.department.code],
    )
    assert [(p.field, personas.department.name in p.message) for p in problems] == [("unit_codes", True)]


# --- 7. “Target met” agrees with the figures shown --------------------------------------------------


def test_target_met_compares_the_figures_shown():
    share = stats.Share(26, 29, Decimal("89.7"))
    assert (share.actual, share.met) == (89.7, True)
    assert stats.Share(26, 29, Decimal("89.75")).met is False  # 89,7% < 89,75%
    assert stats.Share(26, 29, Decimal("89.75")).target_text == "89,75%"
    assert stats.Share(1, 2, Decimal("90")).target_text == "90%"


def test_the_targets_page_says_met_beside_equal_figures(personas, catalog, client):
    from citydesk.dossiers.models import DossierMonth

    Target.objects.create(unit=personas.ward, year=2026, online_share=Decimal("89.7"))
    DossierMonth.objects.create(
        month=dt.date(2026, 12, 1), unit=personas.ward, procedure=catalog.birth, channel="online", received=26
    )
    DossierMonth.objects.create(
        month=dt.date(2026, 12, 1), unit=personas.ward, procedure=catalog.birth, channel="desk", received=3
    )
    client.force_login(personas.leader)
    page = client.get("/mot-cua/chi-tieu/?year=2026").content.decode()
    row = re.search(rf'<tr data-unit="{personas.ward.code}">(.*?)</tr>', page, re.S).group(1)
    assert "89,7%" in row and 'data-col="online_met"><span class="met">' in row


# --- 8. The form says every problem at once ------------------------------------------------------------


def test_the_form_names_every_procedure_that_cannot_be_same_day(client, personas, catalog):
    make_procedure(
        "HT-03",
        "Đăng ký kết hôn",
        steps=[
            ("Tiếp nhận", Performer.RECEIVING_UNIT, "", "officer", 20),
            ("Thẩm định", Performer.DEPARTMENT, "SXD", "officer", 50),
            ("Phê duyệt", Performer.RECEIVING_UNIT, "", "head", 30),
        ],
    )
    client.force_login(personas.leader)
    data = {
        "name": "",
        "start_date": "01/12/2026",
        "end_date": "31/12/2026",
        "procedure_codes": ["DD-01", "HT-03"],
        "unit_codes": [personas.ward.code],
    }
    r = client.post("/mot-cua/chien-dich/moi/", data)
    page = html.unescape(r.content.decode())
    summary = page[
        page.index('data-testid="errors"') : page.index("</ul>", page.index('data-testid="errors"'))
    ]
    assert r.status_code == 400
    assert 'data-field="name"' in summary and "DD-01" in summary and "HT-03" in summary
    assert summary.count('data-field="procedure_codes"') == 2
    # The edit form too.
    campaign = december(personas, catalog)
    r = client.post(f"/mot-cua/chien-dich/{campaign.pk}/sua/", {**data, "is_active": "on"})
    page = html.unescape(r.content.decode())
    assert r.status_code == 400 and "DD-01" in page and "HT-03" in page and 'data-field="name"' in page


# --- 9. The import keeps the line breaks of multi-line fields --------------------------------------


def test_the_import_keeps_line_breaks_in_notes_and_collapses_them_in_names(personas, catalog):
    assert parse_value(SHEET_PROCEDURES, "fee_note", "Dòng một\r\nDòng  hai") == "Dòng một\nDòng hai"
    assert parse_value(SHEET_PROCEDURES, "name", "Đăng ký\nkhai sinh") == "Đăng ký khai sinh"
    book = load_workbook(BytesIO(catalog_export()))
    sheet = book[SHEET_PROCEDURES]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "HT-01")
    sheet.cell(row, col(SHEET_PROCEDURES, "fee_note")).value = "Dòng một\nDòng hai"
    sheet.cell(row, col(SHEET_PROCEDURES, "legal_basis")).value = "Luật Hộ tịch 2014\nNghị định 123/2015"
    sheet.cell(row, col(SHEET_PROCEDURES, "name")).value = "Đăng ký\nkhai sinh"
    result = catalog_import(workbook_bytes(book), user=personas.admin)
    assert result.ok, [str(e) for e in result.errors]
    birth = Procedure.objects.get(code="HT-01")
    assert birth.fee_note == "Dòng một\nDòng hai"
    assert birth.legal_basis == "Luật Hộ tịch 2014\nNghị định 123/2015"
    assert birth.name == "Đăng ký khai sinh"
    # Exported and imported back as it is: unchanged.
    again = catalog_import(catalog_export(), user=personas.admin)
    assert again.ok and "HT-01" in again.unchanged


def test_the_back_office_edits_notes_on_several_lines(staff, personas, catalog):
    url = f"{ADMIN}/dossiers/procedure/{catalog.birth.pk}/change/"
    page = staff.get(url)
    assert re.search(r'<textarea[^>]*name="fee_note"', page.content.decode())
    data = _posted(page)
    data["fee_note"] = "Dòng một\r\nDòng hai"
    assert staff.post(url, data).status_code == 302
    assert Procedure.objects.get(pk=catalog.birth.pk).fee_note == "Dòng một\nDòng hai"


# --- 10. year=0 is refused -------------------------------------------------------------------------------


def test_dossier_targets_refuses_year_zero(personas, bearer):
    r = Client().get(f"{API}/dossier-targets?year=0", **bearer(personas.leader))
    assert r.status_code == 400 and r.json()["field"] == "year"
    assert Client().get(f"{API}/dossier-targets", **bearer(personas.leader)).status_code == 200


# --- Kept: a ward procedure of a campaign is still due the same day ---------------------------------


def test_a_campaign_procedure_staying_at_the_ward_is_still_due_the_same_day(personas, catalog, receive):
    december(personas, catalog)
    dossier = receive(when=at(2026, 12, 7, 14, 0))
    assert dossier.same_day and dossier.due_at == at(2026, 12, 7, 17, 0)
    assert Dossier.objects.get(pk=dossier.pk).campaign_id is not None
    assert catalog.land.authority == Authority.DEPARTMENT


def test_intake_makes_no_same_day_promise_for_a_process_that_became_inter_agency(personas, catalog, receive):
    """The catalog changed by a way the checks do not see (here straight in the database): a dossier of the
    campaign's procedure received at a campaign unit is due by its legal time, not the same day."""
    december(personas, catalog)
    same_day = receive(catalog.birth, when=at(2026, 12, 7, 9, 0))
    assert same_day.same_day and same_day.campaign_id is not None
    to_department(catalog.birth)
    later = receive(catalog.birth, when=at(2026, 12, 7, 9, 30))
    assert not later.same_day and later.campaign_id is None
    assert later.due_at.date() > dt.date(2026, 12, 7)
