"""Regressions found in review: the importer's scope (another city's history), the `app` channel on
units residents do not rate, the labels of the “not linked” rows, shares rounded one by one (and said so), refusals
that name fields as the user sees them, the dossier rating pages, the export's file name."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from citydesk.core.audit import Actor
from citydesk.core.models import AuditEntry, Organisation, OrgKind
from citydesk.dossiers.models import Status
from citydesk.ratings.models import Rating, RatingMonth
from citydesk.ratings.selectors import stats_for
from citydesk.ratings.services import ImportRejected, rating_submit_kiosk, ratings_import
from tests.conftest import make_unit
from tests.ratings.conftest import make_dossier
from tests.ratings.test_import import HEADER, seed_rows, write_csv, xlsx_bytes

pytestmark = pytest.mark.django_db

VI_HEADER = ["Tháng", "Mã đơn vị", "Kênh", "Hài lòng", "Bình thường", "Không hài lòng"]


@pytest.fixture
def hanoi(personas):
    """Another city: Hanoi's People's Committee (01) and one of its wards (00070)."""
    province = make_unit("01", "Thành phố Hà Nội")
    ward_unit = make_unit("00070", "Phường Hoàn Kiếm", province)
    city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=province
    )
    ward = Organisation.objects.create(
        code="00070",
        name="UBND Phường Hoàn Kiếm",
        kind=OrgKind.PEOPLES_COMMITTEE,
        parent=city,
        admin_unit=ward_unit,
    )
    return city, ward


def rows(*cells: tuple) -> list[dict]:
    return [dict(zip(HEADER[:6], c, strict=True)) for c in cells]


# --- 1. Import: only within the importer's units; `app` only for commune-level committees ---------------


@pytest.mark.parametrize("role", ["leader", "admin"])
def test_import_refuses_units_outside_the_importers_city(personas, hanoi, role):
    importer = personas.all_roles()[role]
    with pytest.raises(ImportRejected) as rejected:
        ratings_import(
            user=importer,
            rows=rows(
                ("2025-01", "26743", "kiosk", 5, 1, 1),  # their own ward: fine on its own
                ("2025-01", "00070", "kiosk", 5, 1, 1),
                ("2025-01", "01", "web", 7, 1, 1),
            ),
        )
    assert {(e.row, e.column) for e in rejected.value.errors} == {(3, "unit"), (4, "unit")}
    assert "UBND Phường Hoàn Kiếm" in rejected.value.errors[0].message
    assert not RatingMonth.objects.exists()  # nothing, not even the good row
    assert not AuditEntry.objects.filter(action="ratings.import").exists()


def test_import_cannot_overwrite_another_citys_history(personas, hanoi):
    _city, ward = hanoi
    ratings_import(actor=Actor.system("test"), rows=rows(("2025-01", "00070", "kiosk", 100, 0, 0)))
    with pytest.raises(ImportRejected):
        ratings_import(user=personas.leader, rows=rows(("2025-01", "00070", "kiosk", 1, 0, 0)))
    assert RatingMonth.objects.get(unit=ward).satisfied == 100


def test_superuser_and_command_line_import_for_every_unit(personas, hanoi, tmp_path):
    personas.admin.is_superuser = True
    personas.admin.save(update_fields=["is_superuser"])
    assert ratings_import(user=personas.admin, rows=rows(("2025-01", "00070", "kiosk", 1, 0, 0))).rows == 1
    out = io.StringIO()
    path = write_csv(tmp_path / "hn.csv", [["2025-02", "00070", "web", 2, 0, 0, "", ""]])
    call_command("import-ratings", str(path), stdout=out)
    assert "mọi đơn vị" in out.getvalue()
    assert RatingMonth.objects.filter(unit=hanoi[1]).count() == 2


def test_import_page_refuses_another_citys_rows(client, personas, hanoi):
    client.force_login(personas.leader)
    data = xlsx_bytes([["2025-01", "00070", "kiosk", 5, 1, 1], ["2025-01", "01", "app", 7, 1, 1]], VI_HEADER)
    upload = io.BytesIO(data)
    upload.name = "hanoi.xlsx"
    response = client.post("/danh-gia/nhap/", {"file": upload})
    html = response.content.decode()
    assert response.status_code == 400 and 'data-testid="import-done"' not in html
    assert html.count('data-testid="import-error"') == 2
    assert not RatingMonth.objects.exists()


def test_app_channel_only_for_commune_level_committees(personas, hanoi):
    with pytest.raises(ImportRejected) as rejected:
        ratings_import(
            actor=Actor.system("test"),
            rows=rows(
                ("2025-01", "26743", "app", 5, 0, 0),  # a ward: fine
                ("2025-01", "01", "app", 5, 0, 0),
                ("2025-01", "79", "app", 5, 0, 0),
                ("2025-01", "79.SXD", "app", 5, 0, 0),
            ),
        )
    assert {(e.row, e.column) for e in rejected.value.errors} == {
        (3, "channel"),
        (4, "channel"),
        (5, "channel"),
    }
    assert not RatingMonth.objects.exists()
    ratings_import(
        actor=Actor.system("test"), rows=rows(("2025-01", "01", "kiosk", 5, 0, 0))
    )  # other channels


def test_residents_api_refuses_a_city_committee(client, personas, hanoi, bearer):
    for code in ("01", "79"):
        response = client.post(
            "/api/v1/ratings/residents",
            {"unit": code, "level": "satisfied"},
            content_type="application/json",
            **bearer(personas.citizen),
        )
        assert response.status_code == 400 and response.json()["field"] == "unit"
    assert not Rating.objects.exists()


# --- 2. The rows of ratings with no officer / no procedure ---------------------------------------------


def test_not_linked_rows_are_labelled_neutrally_on_the_page_and_in_the_export(client, personas, procedures):
    from openpyxl import load_workbook

    ratings_import(
        user=personas.leader,
        rows=rows(("2025-01", "26743", "kiosk", 379_020, 2_253, 649), ("2025-01", "26743", "web", 10, 0, 0)),
    )
    with translation.override("en"):
        officers = {r.key: r for r in stats_for(personas.leader, group="officer").rows}
        procs = {r.key: r for r in stats_for(personas.leader, group="procedure").rows}
    assert officers["0"].label == "Not linked to an officer" and officers["0"].total == 381_932
    assert procs["0"].label == "Not linked to a procedure"
    client.force_login(personas.leader)
    page = client.get("/danh-gia/thong-ke/", {"group": "officer"}).content.decode()
    label = stats_for(personas.leader, group="officer").rows[0].label  # in Vietnamese
    assert label in page and "trực tuyến và của người dân" not in page
    workbook = load_workbook(io.BytesIO(client.get("/danh-gia/thong-ke.xlsx", {"group": "officer"}).content))
    cells = {c for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert label in cells
    assert stats_for(personas.leader, group="procedure").rows[0].label in cells
    assert not any(isinstance(c, str) and "người dân)" in c for c in cells)


# --- 3. Shares: rounded one by one, as the city publishes them, and the page says so ---------------------


def test_shares_are_rounded_one_by_one_and_the_page_says_a_row_may_not_add_to_100(
    client, personas, open_transaction, settings
):
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 0
    for level, n in (("satisfied", 23), ("normal", 6), ("unsatisfied", 3)):
        for _i in range(n):
            desk = open_transaction()
            rating_submit_kiosk(transaction_code=desk.code, level=level, kiosk=desk.kiosk)
    client.force_login(personas.head)
    page = client.get("/danh-gia/thong-ke/", {"group": "channel"}).content.decode()
    # 71.875 / 18.75 / 9.375, each rounded half up: 100.01 in all, like seed 004's web row shows 99.99.
    assert "71,88%" in page and "18,75%" in page and "9,38%" in page
    assert 'data-testid="rounding-note"' in page


# --- 4. Refusals name fields the way the user sees them -------------------------------------------------


def test_filter_errors_use_the_pages_labels(client, personas):
    client.force_login(personas.head)
    page = client.get("/danh-gia/thong-ke/", {"from": "2026-10", "to": "2026-01"})
    html = page.content.decode()
    assert page.status_code == 400
    assert "<strong>Đến tháng</strong>: " in html and "<strong>to</strong>" not in html
    assert 'aria-invalid="true"' in html
    # The month fields are text typed mm/yyyy (a native month field showed "--------- ----"); a month from
    # a link is written back the page's way.
    assert (
        'name="from" value="10/2026"' in html
        and 'placeholder="mm/yyyy"' in html
        and 'type="month"' not in html
    )
    assert 'data-typed="month"' in html  # the phone keypad's digits get their separator as they are typed
    bad = client.get("/danh-gia/thong-ke/", {"from": "tháng 5"}).content.decode()
    assert "<strong>Từ tháng</strong>" in bad and "<strong>from</strong>" not in bad
    export = client.get("/danh-gia/thong-ke.xlsx", {"unit": "nowhere"})
    text = export.content.decode()
    assert export.status_code == 404 and "Đơn vị: " in text and "unit:" not in text


def test_import_errors_name_the_files_own_headers(client, personas):
    client.force_login(personas.admin)
    upload = io.BytesIO(xlsx_bytes([["2019-13", "26743", "fax", "x", 0, 0]], VI_HEADER))
    upload.name = "loi.xlsx"
    html = client.post("/danh-gia/nhap/", {"file": upload}).content.decode()
    for header in ("Tháng", "Kênh", "Hài lòng"):
        assert f"<td>{header}</td>" in html, header
    assert "<td>month</td>" not in html and "<td>satisfied</td>" not in html
    assert "Nội dung phản ánh" not in html and "Nội dung lỗi" in html
    with pytest.raises(ImportRejected) as missing:
        ratings_import(user=personas.admin, file=xlsx_bytes([], VI_HEADER[:3]), filename="x.xlsx")
    assert {e.column for e in missing.value.errors} == {"hài lòng", "bình thường", "không hài lòng"}
    # Each missing column is named by both headers the import takes (an English file wrote "satisfied").
    assert "“hài lòng” (hoặc “satisfied”)" in " ".join(e.message for e in missing.value.errors)
    with pytest.raises(ImportRejected) as missing:
        ratings_import(user=personas.admin, file=xlsx_bytes([], ["month", "unit"]), filename="x.xlsx")
    assert "“kênh” (hoặc “channel”)" in " ".join(e.message for e in missing.value.errors)


def test_api_refusal_of_an_empty_body_is_one_clean_message(client):
    response = client.post("/api/v1/ratings/kiosk", {}, content_type="application/json")
    body = response.json()
    assert response.status_code == 400 and body["field"] == "transaction"
    assert ".;" not in body["detail"] and "transaction:" not in body["detail"]
    nulls = client.post(
        "/api/v1/ratings/kiosk", {"transaction": None, "level": None}, content_type="application/json"
    )
    assert nulls.status_code == 400 and ".;" not in nulls.json()["detail"]


def test_residents_api_empty_body(client, personas, bearer):
    response = client.post(
        "/api/v1/ratings/residents", {}, content_type="application/json", **bearer(personas.citizen)
    )
    assert response.status_code == 400 and response.json()["field"] == "unit"
    assert ".;" not in response.json()["detail"]


# --- 5. Dossier rating pages ----------------------------------------------------------------------------


def test_withdrawn_dossier_says_it_cannot_be_rated(client, personas, procedures):
    dossier = make_dossier(personas, procedures["birth"], status=Status.WITHDRAWN)
    url = f"/danh-gia/ho-so/{dossier.code}/"
    page = client.get(url, {"t": dossier.citizen_token})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="not-rateable"' in html
    assert 'data-testid="not-finished"' not in html and 'data-testid="rate-form"' not in html
    refused = client.post(url, {"t": dossier.citizen_token, "level": "satisfied"})
    assert refused.status_code == 409 and 'data-testid="not-rateable"' in refused.content.decode()
    assert not Rating.objects.exists()


def test_unknown_dossier_links_to_the_dossier_lookup(client, db):
    response = client.get("/danh-gia/ho-so/HS-99-000001/")
    html = response.content.decode()
    body = html[html.index("<section") : html.index("</section>")]  # the page, not the site's menu
    assert response.status_code == 404 and "HS-99-000001" in body
    assert 'href="/ho-so/tra-cuu/"' in body and 'href="/tra-cuu/"' not in body


# --- 6. The export's file name --------------------------------------------------------------------------


def test_export_file_name_states_the_months_covered(client, personas, procedures):
    ratings_import(user=personas.admin, rows=[dict(zip(HEADER, r, strict=True)) for r in seed_rows()])
    client.force_login(personas.leader)
    this_month = timezone.localdate()

    def name(**params: str) -> str:
        disposition = client.get("/danh-gia/thong-ke.xlsx", params)["Content-Disposition"]
        return disposition.split('filename="')[1].rstrip('"')

    assert name() == f"danh-gia-hai-long-2019-01_{this_month:%Y-%m}.xlsx"
    assert name(**{"from": "2019-03", "to": "2019-05"}) == "danh-gia-hai-long-2019-03_2019-05.xlsx"
    assert name(to="2019-06", group="officer") == "danh-gia-hai-long-2019-01_2019-06.xlsx"
    assert name(unit="26743", **{"from": "2019-02"}) == (
        f"danh-gia-hai-long-26743-2019-02_{this_month:%Y-%m}.xlsx"
    )
    RatingMonth.objects.all().delete()
    assert name() == f"danh-gia-hai-long-{this_month:%Y-%m}_{this_month:%Y-%m}.xlsx"
    assert date(2019, 1, 1) < this_month


def test_a_name_typed_as_a_formula_is_exported_as_text(client, personas, procedures):
    """A unit's name that starts with “=” reaches the export as text, never as a live formula."""
    from openpyxl import load_workbook

    ratings_import(user=personas.leader, rows=rows(("2025-01", "26743", "kiosk", 5, 1, 0)))
    typed = '=HYPERLINK("http://example.invalid","UBND")'
    Organisation.objects.filter(code="26743").update(name=typed)
    client.force_login(personas.leader)
    workbook = load_workbook(io.BytesIO(client.get("/danh-gia/thong-ke.xlsx", {"group": "unit"}).content))
    found = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value == typed]
    assert found and {c.data_type for c in found} == {"s"}
