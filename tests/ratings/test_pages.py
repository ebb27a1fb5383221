"""The rating pages: the kiosk (public, full screen), the officer's desk screen, the applicant's rating of a
finished dossier, the import page."""

from __future__ import annotations

import io
import re

import pytest

from citydesk.dossiers.models import Dossier, Status
from citydesk.ratings.models import DeskTransaction, Rating, RatingMonth
from tests.ratings.conftest import KIOSK, make_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kiosk_interval(settings):
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 0


# --- Kiosk ----------------------------------------------------------------------------------------


def test_kiosk_waits_then_shows_the_transaction(client, personas, open_transaction, tablets):
    tablets.use(client, KIOSK)
    waiting = client.get(f"/danh-gia/quay/{KIOSK}/")
    assert waiting.status_code == 200 and 'data-testid="kiosk-waiting"' in waiting.content.decode()
    assert "topbar" not in waiting.content.decode()  # no site chrome
    assert client.get(f"/danh-gia/quay/{KIOSK}/trang-thai.json").json()["transaction"] is None
    desk = open_transaction()
    page = client.get(f"/danh-gia/quay/{KIOSK}/").content.decode()
    assert desk.code in page and "Trần Văn Minh" in page and 'data-testid="level-satisfied"' in page
    state = client.get(f"/danh-gia/quay/{KIOSK}/trang-thai.json").json()
    assert state["transaction"] == desk.code and state["officer"] == "Trần Văn Minh"
    assert state["unit"] == "UBND Phường Bến Thành"


def test_kiosk_rates_once_then_409_and_nothing_changes(client, personas, open_transaction, tablets):
    tablets.use(client, KIOSK)
    desk = open_transaction()
    url = f"/danh-gia/quay/{KIOSK}/"
    done = client.post(url, {"transaction": desk.code, "level": "satisfied", "comment": "Nhanh"})
    assert done.status_code == 302 and done["Location"].endswith("?cam-on=1")
    thanks = client.get(done["Location"]).content.decode()
    assert 'data-testid="kiosk-thanks"' in thanks
    rating = Rating.objects.get()
    assert (rating.transaction, rating.level, rating.comment, rating.device) == (
        desk,
        "satisfied",
        "Nhanh",
        KIOSK,
    )
    months = list(RatingMonth.objects.values_list("satisfied", "normal", "unsatisfied"))
    again = client.post(url, {"transaction": desk.code, "level": "unsatisfied"})
    assert again.status_code == 409 and 'data-testid="kiosk-error"' in again.content.decode()
    assert Rating.objects.count() == 1
    assert (
        list(RatingMonth.objects.values_list("satisfied", "normal", "unsatisfied")) == months == [(1, 0, 0)]
    )


def test_kiosk_refuses_other_kiosks_transactions_and_bad_levels(client, open_transaction, tablets):
    desk = open_transaction(kiosk="BT-QUAY-2")
    tablets.use(client, KIOSK)
    assert (
        client.post(f"/danh-gia/quay/{KIOSK}/", {"transaction": desk.code, "level": "satisfied"}).status_code
        == 404
    )
    tablets.use(client, "BT-QUAY-2")
    assert (
        client.post("/danh-gia/quay/BT-QUAY-2/", {"transaction": desk.code, "level": "wow"}).status_code
        == 400
    )
    assert client.get("/danh-gia/quay/bad id!/").status_code == 404
    assert not Rating.objects.exists()


# --- The officer's desk screen -------------------------------------------------------------------------


def test_officer_opens_a_transaction_for_the_remembered_kiosk(client, personas, procedures, tablets):
    tablets.pair(KIOSK)
    client.force_login(personas.officer)
    form = client.get("/danh-gia/giao-dich/")
    assert form.status_code == 200 and "26743" in form.content.decode()
    response = client.post(
        "/danh-gia/giao-dich/",
        {"kiosk": KIOSK, "unit": "26743", "kind": "advice", "procedure": "1.001193"},
    )
    assert response.status_code == 302
    desk = DeskTransaction.objects.get()
    assert (desk.kiosk, desk.kind, desk.officer, desk.procedure) == (
        KIOSK,
        "advice",
        personas.officer,
        procedures["birth"],
    )
    page = client.get("/danh-gia/giao-dich/").content.decode()
    assert f'value="{KIOSK}"' in page and desk.code in page and f"/danh-gia/quay/{KIOSK}/" in page


def test_desk_screen_names_the_bad_field(client, personas, procedures, tablets):
    tablets.pair(KIOSK)
    client.force_login(personas.officer)
    bad = client.post(
        "/danh-gia/giao-dich/", {"kiosk": KIOSK, "unit": "26743", "kind": "receive", "dossier": "HS-X"}
    )
    assert bad.status_code == 400 and 'id="err-dossier"' in bad.content.decode()
    bad_kiosk = client.post("/danh-gia/giao-dich/", {"kiosk": "a b", "unit": "26743", "kind": "receive"})
    assert bad_kiosk.status_code == 400 and 'id="err-kiosk"' in bad_kiosk.content.decode()
    assert not DeskTransaction.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("officer", 200),
        ("deputy", 200),
        ("head", 200),
        ("leader", 200),
        ("operator", 403),
        ("inspector", 403),
        ("admin", 403),
        ("citizen", 403),
        ("outsider", 200),  # an officer of another ward: their own ward's desk
    ],
)
def test_desk_screen_permissions(client, personas, role, status):
    client.force_login(personas.all_roles()[role])
    assert client.get("/danh-gia/giao-dich/").status_code == status


def test_outsider_cannot_open_for_another_ward(client, personas):
    client.force_login(personas.outsider)
    response = client.post("/danh-gia/giao-dich/", {"kiosk": KIOSK, "unit": "26743", "kind": "receive"})
    assert response.status_code == 400  # 26743 is not among their units: the form refuses it
    assert not DeskTransaction.objects.exists()


# --- Web rating of a finished dossier -------------------------------------------------------------------


def test_applicant_rates_by_link_once(client, personas, procedures):
    dossier = make_dossier(personas, procedures["birth"])
    url = f"/danh-gia/ho-so/{dossier.code}/"
    page = client.get(url, {"t": dossier.citizen_token})
    assert page.status_code == 200 and 'data-testid="rate-form"' in page.content.decode()
    assert re.search(r"<h1>(.*?)</h1>", page.content.decode()).group(1) == "Đánh giá dịch vụ công trực tuyến"
    # A dossier filed at the desk is not called an online service.
    desk = make_dossier(personas, procedures["birth"])
    Dossier.objects.filter(pk=desk.pk).update(channel="desk")
    desk_page = client.get(f"/danh-gia/ho-so/{desk.code}/", {"t": desk.citizen_token}).content.decode()
    assert re.search(r"<h1>(.*?)</h1>", desk_page).group(1) == "Đánh giá việc giải quyết hồ sơ"
    done = client.post(url, {"t": dossier.citizen_token, "level": "normal", "comment": "Hơi lâu"})
    assert done.status_code == 302
    after = client.get(done["Location"]).content.decode()
    assert 'data-testid="already-rated"' in after
    again = client.post(url, {"t": dossier.citizen_token, "level": "satisfied"})
    assert again.status_code == 409
    assert Rating.objects.get().level == "normal"


def test_dossier_page_refusals(client, personas, procedures):
    dossier = make_dossier(
        personas, procedures["birth"], status=Status.IN_PROGRESS, applicant=personas.citizen
    )
    url = f"/danh-gia/ho-so/{dossier.code}/"
    assert client.get(url).status_code == 403
    assert client.get(url, {"t": "wrong"}).status_code == 403
    assert client.get("/danh-gia/ho-so/HS-00-999999/").status_code == 404
    client.force_login(personas.citizen)
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="not-finished"' in page.content.decode()
    assert client.post(url, {"level": "satisfied"}).status_code == 409
    client.force_login(personas.head)
    assert client.get(url).status_code == 403
    assert not Rating.objects.exists()


# --- Import page -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("leader", 200),
        ("head", 403),
        ("deputy", 403),
        ("officer", 403),
        ("operator", 403),
        ("inspector", 403),
        ("citizen", 403),
        ("outsider", 403),
    ],
)
def test_import_page_permissions(client, personas, role, status):
    client.force_login(personas.all_roles()[role])
    assert client.get("/danh-gia/nhap/").status_code == status


def test_import_page_lists_row_errors_and_imports_good_files(client, personas):
    client.force_login(personas.admin)
    bad = io.BytesIO(
        b"month,unit,channel,satisfied,normal,unsatisfied\n2019-01,26743,kiosk,1,0,0\n2019-02,26743,fax,1,0,0\n"
    )
    bad.name = "bad.csv"
    response = client.post("/danh-gia/nhap/", {"file": bad})
    html = response.content.decode()
    assert (
        response.status_code == 400
        and 'data-testid="import-error"' in html
        and "<td>3</td><td>channel</td>" in html
    )
    assert not RatingMonth.objects.exists()
    good = io.BytesIO(b"month,unit,channel,satisfied,normal,unsatisfied\n2019-01,26743,kiosk,1000,20,3\n")
    good.name = "good.csv"
    response = client.post("/danh-gia/nhap/", {"file": good})
    assert response.status_code == 200 and 'data-testid="import-done"' in response.content.decode()
    assert "1.023" in response.content.decode()
    assert RatingMonth.objects.get().satisfied == 1000
