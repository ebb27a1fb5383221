"""The ratings API: status codes (201 / 400 / 401 / 403 / 404 / 409 / 429), field names, nothing stored on
a refusal."""

from __future__ import annotations

import pytest

from citydesk.core.models import User
from citydesk.ratings.models import Rating, RatingMonth
from tests.ratings.conftest import KIOSK, make_dossier

pytestmark = pytest.mark.django_db

RATING_FIELDS = {
    "id",
    "channel",
    "level",
    "unit",
    "unit_name",
    "created_at",
    "period",
    "transaction",
    "dossier",
}


@pytest.fixture(autouse=True)
def _no_kiosk_interval(settings):
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 0


def post(client, url: str, body: dict, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def test_kiosk_201_then_409_unknown_404(client, open_transaction):
    desk = open_transaction(kiosk="")  # a desk without a tablet: rated by its code
    first = post(
        client, "/api/v1/ratings/kiosk", {"transaction": desk.code, "level": "satisfied", "comment": "Tốt"}
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert set(body) == RATING_FIELDS
    assert (body["channel"], body["level"], body["unit"], body["transaction"]) == (
        "kiosk",
        "satisfied",
        "26743",
        desk.code,
    )
    second = post(client, "/api/v1/ratings/kiosk", {"transaction": desk.code, "level": "normal"})
    assert second.status_code == 409 and second.json()["field"] == "transaction" and second.json()["detail"]
    unknown = post(client, "/api/v1/ratings/kiosk", {"transaction": "ZZZZ2222", "level": "normal"})
    assert unknown.status_code == 404 and unknown.json()["field"] == "transaction"
    missing = post(client, "/api/v1/ratings/kiosk", {"level": "normal"})
    assert missing.status_code == 400 and missing.json()["field"] == "transaction"
    bad = post(
        client, "/api/v1/ratings/kiosk", {"transaction": open_transaction(kiosk="").code, "level": "meh"}
    )
    assert bad.status_code == 400 and bad.json()["field"] == "level"
    assert Rating.objects.count() == 1
    assert list(RatingMonth.objects.values_list("satisfied", "normal", "unsatisfied")) == [(1, 0, 0)]


def test_kiosk_rate_limit_429(client, open_transaction, tablets, settings):
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 10
    key = {"HTTP_X_KIOSK_KEY": tablets.pair(KIOSK)}
    first = post(
        client, "/api/v1/ratings/kiosk", {"transaction": open_transaction().code, "level": "normal"}, **key
    )
    assert first.status_code == 201
    limited = post(
        client, "/api/v1/ratings/kiosk", {"transaction": open_transaction().code, "level": "normal"}, **key
    )
    assert limited.status_code == 429 and limited.json()["field"] == "device"
    # By code (no tablet), one device (here: one address) is held to the same pace.
    by_code = [
        post(
            client,
            "/api/v1/ratings/kiosk",
            {"transaction": open_transaction(kiosk="").code, "level": "normal"},
        )
        for _i in range(2)
    ]
    # Ratings by code are not held to a tablet's pause: two citizens on one network rate one after the other
    # (one rating per visit and the per-address limit still hold).
    assert [r.status_code for r in by_code] == [201, 201]


# --- A transaction opened for a kiosk: rated by its paired tablet only ---------------------------------


def test_the_api_refuses_a_kiosks_transaction_without_its_tablets_key(client, open_transaction, tablets):
    """The feed and the tablet's screen show the transaction's code: without the tablet's key, the API
    would have let anyone who read it rate the visit in the citizen's place."""
    desk = open_transaction()
    body = {"transaction": desk.code, "level": "unsatisfied"}
    bare = post(client, "/api/v1/ratings/kiosk", body)
    assert bare.status_code == 403 and bare.json()["field"] == "kiosk"
    wrong = post(client, "/api/v1/ratings/kiosk", body, HTTP_X_KIOSK_KEY="not-the-key")
    assert wrong.status_code == 403 and wrong.json()["field"] == "kiosk"
    other = post(client, "/api/v1/ratings/kiosk", body, HTTP_X_KIOSK_KEY=tablets.pair("BT-QUAY-2"))
    assert other.status_code == 403 and other.json()["field"] == "kiosk"  # another tablet's key
    assert not Rating.objects.exists()
    done = post(client, "/api/v1/ratings/kiosk", body, HTTP_X_KIOSK_KEY=tablets.secrets[KIOSK])
    assert done.status_code == 201 and done.json()["transaction"] == desk.code
    assert Rating.objects.get().device == KIOSK


def test_the_api_refuses_the_old_key_after_pairing_again(client, open_transaction, tablets):
    old = tablets.secrets.get(KIOSK) or tablets.pair(KIOSK)
    tablets.pair(KIOSK)  # another tablet paired as the same kiosk
    desk = open_transaction()
    response = post(
        client, "/api/v1/ratings/kiosk", {"transaction": desk.code, "level": "normal"}, HTTP_X_KIOSK_KEY=old
    )
    assert response.status_code == 403 and not Rating.objects.exists()


def test_dossier_rating_by_token_or_bearer(client, personas, procedures, bearer):
    by_token = make_dossier(personas, procedures["birth"])
    url = f"/api/v1/ratings/dossiers/{by_token.code}"
    assert post(client, url, {"level": "satisfied", "token": "nope"}).status_code == 403
    created = post(client, url, {"level": "satisfied", "token": by_token.citizen_token})
    assert created.status_code == 201 and created.json()["dossier"] == by_token.code
    assert created.json()["channel"] == "web"
    assert post(client, url, {"level": "satisfied", "token": by_token.citizen_token}).status_code == 409
    mine = make_dossier(personas, procedures["birth"], applicant=personas.citizen)
    mine_url = f"/api/v1/ratings/dossiers/{mine.code}"
    assert post(client, mine_url, {"level": "normal"}, **bearer(personas.outsider)).status_code == 403
    assert (
        post(client, mine_url, {"level": "normal"}, HTTP_AUTHORIZATION="Bearer cd_bad").status_code == 401
    )  # not authenticated
    assert post(client, mine_url, {"level": "normal"}, **bearer(personas.citizen)).status_code == 201
    assert post(client, "/api/v1/ratings/dossiers/HS-00-000000", {"level": "normal"}).status_code == 404
    unfinished = make_dossier(personas, procedures["birth"], status="in_progress")
    late = post(
        client,
        f"/api/v1/ratings/dossiers/{unfinished.code}",
        {"level": "normal", "token": unfinished.citizen_token},
    )
    assert late.status_code == 409 and late.json()["field"] == "code"
    assert Rating.objects.count() == 2


def test_dossier_device_limit_429(client, personas, procedures, settings):
    settings.CITYDESK_RATING_DEVICE_LIMIT_PER_HOUR = 2
    dossiers = [make_dossier(personas, procedures["birth"]) for _i in range(3)]
    codes = []
    for d in dossiers:
        response = post(
            client,
            f"/api/v1/ratings/dossiers/{d.code}",
            {"level": "satisfied", "token": d.citizen_token},
            HTTP_X_DEVICE_ID="phone-7",
        )
        codes.append(response.status_code)
    assert codes == [201, 201, 429]
    assert Rating.objects.count() == 2


def test_residents_201_409_and_auth(client, personas, bearer):
    url = "/api/v1/ratings/residents"
    assert post(client, url, {"unit": "26743", "level": "satisfied"}).status_code == 401
    created = post(
        client,
        url,
        {"unit": "26743", "level": "satisfied", "comment": "Cán bộ tận tình"},
        **bearer(personas.citizen),
    )
    assert created.status_code == 201
    body = created.json()
    assert set(body) == RATING_FIELDS and body["channel"] == "app" and len(body["period"]) == 7
    again = post(client, url, {"unit": "26743", "level": "normal"}, **bearer(personas.citizen))
    assert again.status_code == 409 and again.json()["field"] == "unit"
    department = post(client, url, {"unit": "79.SXD", "level": "normal"}, **bearer(personas.citizen))
    assert department.status_code == 400 and department.json()["field"] == "unit"
    assert (
        post(client, url, {"unit": "00000", "level": "normal"}, **bearer(personas.citizen)).status_code == 404
    )
    bad = post(client, url, {"unit": "26740", "level": "5 stars"}, **bearer(personas.citizen))
    assert bad.status_code == 400 and bad.json()["field"] == "level"
    assert Rating.objects.count() == 1


def test_residents_device_limit_429(client, personas, bearer, settings):
    settings.CITYDESK_RATING_DEVICE_LIMIT_PER_HOUR = 1
    headers = {"HTTP_X_DEVICE_ID": "tablet-9"}
    ok = post(
        client,
        "/api/v1/ratings/residents",
        {"unit": "26743", "level": "satisfied"},
        **bearer(personas.citizen),
        **headers,
    )
    assert ok.status_code == 201
    neighbour = User.objects.create_user(username="neighbour", full_name="Lý Thị Hoa")  # another resident
    limited = post(
        client,
        "/api/v1/ratings/residents",
        {"unit": "26743", "level": "satisfied"},
        **bearer(neighbour),
        **headers,
    )
    assert limited.status_code == 429 and limited.json()["field"] == "device"
    assert Rating.objects.count() == 1


def test_openapi_lists_the_rating_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/ratings/kiosk",
        "/api/v1/ratings/residents",
        "/api/v1/ratings/dossiers/{code}",
        "/api/v1/ratings/stats",
    ):
        assert path in paths, path
