"""Third QA round on the ratings: a refused comment is said (not dropped), a desk rating counts for the
dossier's own procedure, a public page rates a transaction by its code, every problem of the desk screen
at once, the statistics as cards on a phone and without doubled codes, the export's sheets each state
their months, the question on the dossier page, the rebuild command's language, staff do not rate their
own ward as residents, unknown units are 404."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from citydesk.core.errors import DomainError
from citydesk.core.models import User
from citydesk.dossiers.models import Status
from citydesk.ratings.models import DeskTransaction, Rating, RatingMonth
from citydesk.ratings.services import desk_transaction_open, rating_submit_kiosk
from tests.ratings.conftest import KIOSK, make_dossier
from tests.ratings.test_stats import seeded  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kiosk_interval(settings):
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 0


def post_json(client, path: str, data: dict, **headers):
    import json

    return client.post(path, json.dumps(data), content_type="application/json", **headers)


# --- 2. A refused comment is said, and nothing is stored ----------------------------------------------


@pytest.mark.parametrize("comment", ["x" * 1001, "Tốt\x00lắm"])
def test_dossier_rating_page_refuses_a_bad_comment_and_stores_nothing(client, personas, procedures, comment):
    dossier = make_dossier(personas, procedures["birth"])
    url = f"/danh-gia/ho-so/{dossier.code}/"
    response = client.post(url, {"t": dossier.citizen_token, "level": "satisfied", "comment": comment})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="err-comment"' in page
    assert not Rating.objects.exists() and not RatingMonth.objects.exists()
    if len(comment) > 1000:  # the limit as Vietnamese writes numbers
        assert "1.000" in page and "1000 " not in page


def test_a_long_comment_through_the_api_names_the_limit_the_local_way(client, personas, procedures):
    dossier = make_dossier(personas, procedures["birth"])
    r = post_json(
        client,
        f"/api/v1/ratings/dossiers/{dossier.code}",
        {"level": "normal", "comment": "y" * 1001, "token": dossier.citizen_token},
    )
    assert r.status_code == 400 and r.json()["field"] == "comment" and "1.000" in r.json()["detail"]
    r = post_json(
        client,
        f"/api/v1/ratings/dossiers/{dossier.code}",
        {"level": "normal", "comment": "a\x00b", "token": dossier.citizen_token},
    )
    assert r.status_code == 400 and r.json()["field"] == "comment"
    assert not Rating.objects.exists()


def test_the_kiosk_refuses_a_bad_comment_too(client, open_transaction, tablets):
    desk = open_transaction()
    tablets.use(client, KIOSK)
    response = client.post(
        f"/danh-gia/quay/{KIOSK}/", {"transaction": desk.code, "level": "normal", "comment": "a\x00"}
    )
    assert response.status_code == 400 and 'data-testid="kiosk-error"' in response.content.decode()
    assert not Rating.objects.exists()


# --- 3. A dossier's desk rating counts for the dossier's procedure ------------------------------------


def test_a_transaction_refuses_a_procedure_that_is_not_the_dossiers(personas, procedures, tablets):
    tablets.ensure(KIOSK)
    dossier = make_dossier(personas, procedures["birth"])
    with pytest.raises(DomainError) as refused:
        desk_transaction_open(
            user=personas.officer,
            unit=personas.ward,
            dossier=dossier,
            procedure=procedures["copy"],
            kiosk=KIOSK,
        )
    assert refused.value.field == "procedure" and procedures["birth"].code in refused.value.message
    assert not DeskTransaction.objects.exists()
    desk = desk_transaction_open(user=personas.officer, unit=personas.ward, dossier=dossier, kiosk=KIOSK)
    rating = rating_submit_kiosk(transaction_code=desk.code, level="satisfied", kiosk=KIOSK)
    assert rating.procedure == procedures["birth"] and rating.dossier == dossier
    assert RatingMonth.objects.get().procedure_id == procedures["birth"].pk


def test_a_rating_counts_for_the_dossiers_procedure_even_from_an_old_mislabelled_transaction(
    personas, procedures, tablets
):
    tablets.ensure(KIOSK)
    dossier = make_dossier(personas, procedures["birth"])
    desk = desk_transaction_open(user=personas.officer, unit=personas.ward, dossier=dossier, kiosk=KIOSK)
    DeskTransaction.objects.filter(pk=desk.pk).update(
        procedure=procedures["copy"]
    )  # as opened before the fix
    rating = rating_submit_kiosk(transaction_code=desk.code, level="normal", kiosk=KIOSK)
    assert rating.procedure == procedures["birth"]


def test_the_desk_screen_names_the_procedure_that_is_not_the_dossiers(client, personas, procedures, tablets):
    tablets.ensure(KIOSK)
    dossier = make_dossier(personas, procedures["birth"])
    client.force_login(personas.officer)
    response = client.post(
        "/danh-gia/giao-dich/",
        {
            "kiosk": KIOSK,
            "unit": "26743",
            "kind": "receive",
            "dossier": dossier.code,
            "procedure": "1.004222",
        },
    )
    assert response.status_code == 400 and 'id="err-procedure"' in response.content.decode()
    assert not DeskTransaction.objects.exists()


def test_the_kiosk_api_answers_the_rated_dossier(client, personas, procedures, tablets):
    key = tablets.pair(KIOSK)
    dossier = make_dossier(personas, procedures["birth"])
    desk = desk_transaction_open(user=personas.officer, unit=personas.ward, dossier=dossier, kiosk=KIOSK)
    r = post_json(
        client,
        "/api/v1/ratings/kiosk",
        {"transaction": desk.code, "level": "satisfied"},
        HTTP_X_KIOSK_KEY=key,
    )
    assert r.status_code == 201, r.content
    assert (r.json()["dossier"], r.json()["transaction"]) == (dossier.code, desk.code)


# --- 4. A desk without a kiosk: the citizen rates with the transaction code ---------------------------


def test_a_citizen_rates_a_transaction_by_its_code_once(client, personas, procedures):
    desk = desk_transaction_open(user=personas.officer, unit=personas.ward, procedure=procedures["copy"])
    assert desk.kiosk == ""
    page = client.get("/danh-gia/ma/", {"ma": desk.code})
    assert page.status_code == 200 and f'value="{desk.code}"' in page.content.decode()
    done = client.post(
        "/danh-gia/ma/", {"transaction": desk.code.lower(), "level": "satisfied", "comment": "Nhanh"}
    )
    assert done.status_code == 302 and done["Location"].endswith("?cam-on=1")
    thanks = client.get(done["Location"]).content.decode()
    assert 'data-testid="code-thanks"' in thanks
    # Somewhere to go next: another transaction, a dossier lookup, home.
    assert 'data-testid="code-onward"' in thanks and 'href="/danh-gia/ma/"' in thanks
    rating = Rating.objects.get()
    assert (rating.channel, rating.transaction, rating.officer, rating.comment) == (
        "kiosk",
        desk,
        personas.officer,
        "Nhanh",
    )
    again = client.post("/danh-gia/ma/", {"transaction": desk.code, "level": "unsatisfied"})
    # Already rated is a notice naming the code, not a problem to correct: no error summary, no form.
    shown = again.content.decode()
    assert again.status_code == 409 and 'data-testid="code-already"' in shown and desk.code in shown
    assert 'id="error-summary"' not in shown and 'data-testid="code-form"' not in shown
    unknown = client.post("/danh-gia/ma/", {"transaction": "ZZZZZZZZ", "level": "normal"})
    assert unknown.status_code == 404 and 'id="err-transaction"' in unknown.content.decode()
    no_level = client.post("/danh-gia/ma/", {"transaction": desk.code})
    assert no_level.status_code in (400, 409)
    assert Rating.objects.count() == 1


# --- 5. The desk screen says every problem at once -----------------------------------------------------


def test_the_desk_screen_lists_every_problem_at_once(client, personas, procedures):
    client.force_login(personas.officer)
    response = client.post(
        "/danh-gia/giao-dich/",
        {
            "kiosk": "quầy 1",
            "unit": "26743",
            "kind": "receive",
            "dossier": "HS-26-999999",
            "procedure": "9.999",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    for field in ("kiosk", "dossier", "procedure"):
        assert f'id="err-{field}"' in page, field
    assert not DeskTransaction.objects.exists()


# --- 6, 9. The statistics: cards on a phone, no doubled code, natural messages -------------------------


def test_the_statistics_table_is_a_card_per_row_on_a_phone(client, personas, seeded):  # noqa: F811
    client.force_login(personas.leader)
    page = client.get("/danh-gia/thong-ke/", {"group": "procedure"}).content.decode()
    assert 'class="data stats cards-on-phone-stats"' in page
    for label in ("Hài lòng", "Bình thường", "Không hài lòng", "Tổng"):
        assert f'data-label="{label}"' in page
    css = (
        __import__("pathlib").Path(__file__).parents[2] / "citydesk/ratings/static/ratings/ratings.css"
    ).read_text()
    assert "@media (max-width: 640px)" in css and "table.cards-on-phone-stats tr" in css


def test_channel_rows_do_not_repeat_their_code(client, personas, seeded):  # noqa: F811
    client.force_login(personas.leader)
    page = client.get("/danh-gia/thong-ke/", {"group": "channel"}).content.decode()
    assert "(kiosk)</span>" not in page and "(web)</span>" not in page
    units = client.get("/danh-gia/thong-ke/", {"group": "unit"}).content.decode()
    assert "(26743)</span>" in units  # a unit's code still helps tell units apart


def test_an_end_month_before_the_start_is_said_naturally(client, personas):
    client.force_login(personas.head)
    response = client.get("/danh-gia/thong-ke/", {"from": "2026-12", "to": "2026-01"})
    page = response.content.decode()
    assert response.status_code == 400 and 'data-field="to"' in page
    assert "Tháng cuối đứng trước tháng đầu" not in page


def test_every_sheet_of_the_export_states_its_filters_and_real_months(client, personas, seeded):  # noqa: F811
    from openpyxl import load_workbook

    client.force_login(personas.leader)
    response = client.get("/danh-gia/thong-ke.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    this_month = f"{timezone.localdate():%m/%Y}"
    for sheet in book.worksheets:
        cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
        assert "01/2019" in cells and this_month in cells, sheet.title  # not “the first” / “the latest”
        assert "đầu tiên" not in cells and "mới nhất" not in cells


# --- 10. The dossier rating page asks the question ------------------------------------------------------


def test_the_dossier_rating_page_asks_the_question(client, personas, procedures):
    dossier = make_dossier(personas, procedures["birth"])
    page = client.get(f"/danh-gia/ho-so/{dossier.code}/", {"t": dossier.citizen_token}).content.decode()
    assert 'data-testid="rate-question"' in page and 'aria-labelledby="rate-question"' in page
    assert f"/ho-so/tra-cuu/{dossier.code}/?t={dossier.citizen_token}" in page  # back to the dossier


# --- 11. The rebuild command speaks the site's language -------------------------------------------------


def test_rebuild_rating_months_speaks_vietnamese(personas, procedures):
    desk = desk_transaction_open(user=personas.officer, unit=personas.ward, procedure=procedures["copy"])
    rating_submit_kiosk(transaction_code=desk.code, level="satisfied")
    out = io.StringIO()
    call_command("rebuild-rating-months", stdout=out)
    text = out.getvalue()
    assert "monthly rating rows rebuilt" not in text and "1" in text
    assert "giây" in text  # translated (the catalog merge adds this phrase)


# --- 12. Staff do not rate their own ward as residents --------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("officer", 403),  # the ward's own staff
        ("deputy", 403),
        ("head", 403),
        ("admin", 403),  # the city's staff: a unit above the ward
        ("leader", 403),
        ("operator", 403),
        ("citizen", 201),
        ("outsider", 201),  # an officer of another ward lives somewhere too
    ],
)
def test_staff_of_a_ward_or_above_do_not_rate_it_as_residents(client, personas, bearer, role, status):
    user = personas.all_roles()[role]
    r = post_json(
        client, "/api/v1/ratings/residents", {"unit": "26743", "level": "satisfied"}, **bearer(user)
    )
    assert r.status_code == status, (role, r.content)
    if status == 403:
        assert r.json()["field"] == "unit" and "UBND Phường Bến Thành" in r.json()["detail"]
    assert Rating.objects.count() == (1 if status == 201 else 0)


def test_a_delegate_of_the_ward_does_not_rate_it_either(client, personas, bearer):
    from citydesk.core.models import Delegation

    neighbour = User.objects.create_user(username="delegate", full_name="Người được ủy quyền")
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=personas.head,
        organisation=personas.ward,
        powers=["dossier.receive"],
        delegate_user=neighbour,
        start_date=today,
        end_date=today,
    )
    r = post_json(
        client, "/api/v1/ratings/residents", {"unit": "26743", "level": "normal"}, **bearer(neighbour)
    )
    assert r.status_code == 403 and not Rating.objects.exists()


# --- 15. Unknown codes are 404 naming the field ----------------------------------------------------------


def test_an_unknown_unit_in_the_statistics_is_404(client, personas, bearer):
    r = client.get("/api/v1/ratings/stats", {"unit": "99999"}, **bearer(personas.leader))
    assert r.status_code == 404 and r.json()["field"] == "unit"
    r = post_json(
        client, "/api/v1/ratings/residents", {"unit": "99999", "level": "normal"}, **bearer(personas.citizen)
    )
    assert r.status_code == 404 and r.json()["field"] == "unit"


def test_withdrawn_dossier_keeps_its_refusal(client, personas, procedures):
    dossier = make_dossier(personas, procedures["birth"], status=Status.WITHDRAWN)
    r = client.post(f"/danh-gia/ho-so/{dossier.code}/", {"t": dossier.citizen_token, "level": "satisfied"})
    assert r.status_code == 409 and not Rating.objects.exists()


def test_a_tablets_visit_is_not_rated_by_code_and_its_feed_names_no_dossier(
    client, personas, procedures, tablets
):
    tablets.ensure(KIOSK)
    dossier = make_dossier(personas, procedures["birth"])
    desk = desk_transaction_open(user=personas.officer, unit=personas.ward, dossier=dossier, kiosk=KIOSK)
    refused = client.post("/danh-gia/ma/", {"transaction": desk.code, "level": "unsatisfied"})
    assert refused.status_code == 400 and "máy tính bảng" in refused.content.decode()
    assert not Rating.objects.exists()
    tablets.use(client, KIOSK)
    feed = client.get(f"/danh-gia/quay/{KIOSK}/trang-thai.json").json()
    assert feed["transaction"] == desk.code and dossier.code not in str(feed)
    assert feed["expires_at"].endswith("+07:00")
