"""QA round D on the ratings (D6): a desk code typed as it is read aloud is the code; a resident rates one
ward a month, whichever, and is told which; the statistics page does not show its query time."""

from __future__ import annotations

import logging
import re

import pytest

from citydesk.core.errors import Conflict
from citydesk.ratings.models import Rating
from citydesk.ratings.services import rating_submit_resident
from citydesk.ratings.services.desk import normalize_transaction_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kiosk_interval(settings) -> None:
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 0


def post(client, url: str, body: dict, **headers):
    return client.post(url, body, content_type="application/json", **headers)


def spoken(code: str) -> str:
    """A code the way it is read aloud and typed: two groups of four, lower case."""
    return f"{code[:4].lower()} {code[4:].lower()}"


def test_a_code_typed_in_groups_is_the_code():
    for typed in ("DZY3 3C89", "dzy3-3c89", " DZY3 – 3C89 ", "DZY3.3C89", "ＤＺＹ３３Ｃ８９"):
        assert normalize_transaction_code(typed) == "DZY33C89", typed


def test_the_rate_by_code_page_takes_a_code_with_a_space(client, open_transaction):
    desk = open_transaction(kiosk="")  # a desk without a tablet: rated by its code
    response = client.post("/danh-gia/ma/", {"transaction": spoken(desk.code), "level": "satisfied"})
    assert response.status_code == 302, response.content.decode()[:1500]
    assert Rating.objects.get().transaction == desk


def test_a_desk_with_a_tablet_is_still_refused_on_the_code_page_however_typed(client, open_transaction):
    desk = open_transaction()  # it has a kiosk: rated there
    response = client.post("/danh-gia/ma/", {"transaction": spoken(desk.code), "level": "satisfied"})
    assert response.status_code == 400 and not Rating.objects.exists()


def test_the_api_takes_a_code_with_a_hyphen(client, open_transaction):
    desk = open_transaction(kiosk="")
    typed = f"{desk.code[:4]}-{desk.code[4:]}"
    response = post(client, "/api/v1/ratings/kiosk", {"transaction": typed, "level": "normal"})
    assert response.status_code == 201, response.content
    assert response.json()["transaction"] == desk.code


def test_a_resident_rates_one_ward_a_month_and_is_told_which(client, personas, bearer):
    url = "/api/v1/ratings/residents"
    first = post(client, url, {"unit": "26743", "level": "satisfied"}, **bearer(personas.citizen))
    assert first.status_code == 201
    other = post(client, url, {"unit": "26740", "level": "normal"}, **bearer(personas.citizen))
    assert other.status_code == 409 and other.json()["field"] == "unit"
    assert personas.ward.name in other.json()["detail"]  # the ward already rated, not the one asked
    assert Rating.objects.filter(channel="app").count() == 1


def test_the_service_refuses_a_second_ward_in_the_same_month(personas):
    rating_submit_resident(user=personas.citizen, unit_code="26740", level="satisfied")
    with pytest.raises(Conflict) as refused:
        rating_submit_resident(user=personas.citizen, unit_code="26743", level="unsatisfied")
    assert personas.other_ward.name in refused.value.message and refused.value.status == 409


def test_the_statistics_page_does_not_show_its_query_time(client, personas, open_transaction, caplog):
    from citydesk.ratings.services import rating_submit_kiosk

    desk = open_transaction()
    rating_submit_kiosk(transaction_code=desk.code, level="satisfied", kiosk=desk.kiosk)
    client.force_login(personas.head)
    with caplog.at_level(logging.INFO, logger="citydesk.ratings"):
        page = client.get("/danh-gia/thong-ke/").content.decode()
    assert 'data-testid="stats-table"' in page
    generated = re.search(r'data-testid="generated">(.*?)</p>', page, re.S)
    assert generated and not re.search(r"\d\s*ms\b", generated.group(1))
    assert not re.search(r"\d+ ms<", page)
    logged = [r for r in caplog.records if r.name == "citydesk.ratings" and hasattr(r, "server_ms")]
    assert logged and logged[-1].server_ms >= 0  # kept in the logs
