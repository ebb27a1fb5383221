"""Review of the desk ratings and the statistics: the unit's own staff cannot rate its desk by code (and
one address rates few visits an hour), the officer's desk page says whether a visit was rated, not how,
heads and leaders read the citizens' comments, administrators check the units' figures (not the
officers'), and the comparison of units keeps the units nobody rated and sorts."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from citydesk.core.errors import NotAllowed
from citydesk.core.models import AuditEntry, Membership, Organisation, OrgKind
from citydesk.ratings.models import Rating, RatingMonth
from citydesk.ratings.selectors import stats_for, stats_scope
from citydesk.ratings.services import desk_transaction_open, rating_submit_kiosk
from tests.conftest import make_unit
from tests.ratings.conftest import KIOSK

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kiosk_interval(settings):
    settings.CITYDESK_KIOSK_MIN_INTERVAL_SECONDS = 0


def by_code(client, desk, level="satisfied", comment=""):
    return client.post("/danh-gia/ma/", {"transaction": desk.code, "level": level, "comment": comment})


# --- 1. The unit's own staff do not rate its desk by code -----------------------------------------------


def test_the_officer_cannot_rate_their_own_transaction_by_code(client, personas, open_transaction):
    client.force_login(personas.officer)
    for _i in range(3):
        desk = open_transaction(kiosk="")
        refused = by_code(client, desk)
        page = refused.content.decode()
        assert refused.status_code == 403 and 'id="err-transaction"' in page
        assert desk.code in page
    assert not Rating.objects.exists() and not RatingMonth.objects.exists()


@pytest.mark.parametrize("role", ["head", "deputy", "leader"])
def test_the_units_staff_and_those_above_cannot_rate_it(client, personas, open_transaction, role):
    desk = open_transaction(kiosk="")
    client.force_login(personas.all_roles()[role])
    assert by_code(client, desk).status_code == 403
    assert not Rating.objects.exists()


def test_staff_of_a_unit_below_cannot_rate_it_either(client, personas, open_transaction):
    desk_unit = Organisation.objects.create(
        code="26743.MC",
        name="Bộ phận Một cửa Phường Bến Thành",
        kind=OrgKind.ONE_STOP_DESK,
        parent=personas.ward,
    )
    Membership.objects.create(user=personas.citizen, organisation=desk_unit, role="officer")
    desk = open_transaction(kiosk="")
    client.force_login(personas.citizen)
    assert by_code(client, desk).status_code == 403 and not Rating.objects.exists()


def test_the_api_refuses_the_officers_own_session_too(client, personas, open_transaction):
    desk = open_transaction(kiosk="")
    client.force_login(personas.officer)
    response = client.post(
        "/api/v1/ratings/kiosk",
        {"transaction": desk.code, "level": "satisfied"},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["field"] == "transaction"
    assert not Rating.objects.exists()


def test_a_signed_in_citizen_is_named_in_the_audit_trail(client, personas, open_transaction):
    desk = open_transaction(kiosk="")
    client.force_login(personas.outsider)  # an officer of another ward, served here as a citizen
    assert by_code(client, desk).status_code == 302
    entry = AuditEntry.objects.filter(action="rating.submit").get()
    assert (entry.actor_id, entry.actor_label) == (personas.outsider.pk, personas.outsider.full_name)
    anonymous = open_transaction(kiosk="")
    client.logout()
    assert by_code(client, anonymous).status_code == 302
    last = AuditEntry.objects.filter(action="rating.submit").order_by("-id").first()
    assert last.actor_id is None and last.actor_label == "kiosk"


def test_ratings_by_code_from_one_address_are_capped_per_hour(client, personas, open_transaction, settings):
    settings.CITYDESK_RATING_CODE_ADDRESS_LIMIT_PER_HOUR = 3
    codes = [by_code(client, open_transaction(kiosk="")).status_code for _i in range(3)]
    assert codes == [302, 302, 302]
    refused = by_code(client, open_transaction(kiosk=""))
    assert refused.status_code == 429 and "3" in refused.content.decode()
    api = client.post(
        "/api/v1/ratings/kiosk",
        {"transaction": open_transaction(kiosk="").code, "level": "normal"},
        content_type="application/json",
        HTTP_X_DEVICE_ID="another-phone",
    )
    assert api.status_code == 429 and api.json()["field"] == "device"
    other_address = by_code(client, open_transaction(kiosk=""))
    assert other_address.status_code == 429  # the same test client: still the same address
    assert Rating.objects.count() == 3
    # The tablet is not held to it: one rating per transaction and its pace are its limits.
    desk = open_transaction()
    rating_submit_kiosk(transaction_code=desk.code, level="normal", kiosk=KIOSK)
    assert Rating.objects.count() == 4


def test_a_closed_or_expired_transaction_is_refused_by_code(client, personas, open_transaction):
    desk = open_transaction(kiosk="")
    type(desk).objects.filter(pk=desk.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert by_code(client, desk).status_code == 409 and not Rating.objects.exists()


# --- 3. The officer's desk page says whether a visit was rated, not how ------------------------------


def test_the_desk_page_does_not_show_the_officer_the_level(client, personas, open_transaction):
    desk = open_transaction(kiosk="")
    rating_submit_kiosk(transaction_code=desk.code, level="unsatisfied")
    client.force_login(personas.officer)
    page = client.get("/danh-gia/giao-dich/").content.decode()
    recent = re.search(r'data-testid="desk-recent">(.*?)</table>', page, re.S).group(1)
    assert desk.code in recent
    assert "Không hài lòng" not in recent and "Hài lòng" not in recent
    assert "đã đánh giá" in recent.lower() or ">rated<" in recent  # until the catalogue has it


# --- 2. Citizens' comments for heads and leaders -------------------------------------------------------


@pytest.fixture
def commented(personas, procedures):
    """A desk comment in the ward (with a phone and an identity number), one in the other ward."""
    ward = desk_transaction_open(user=personas.officer, unit=personas.ward, procedure=procedures["birth"])
    rating_submit_kiosk(
        transaction_code=ward.code,
        level="unsatisfied",
        comment="Chờ lâu quá, gọi tôi 0987 654 321, CCCD 079123456789",
    )
    other = desk_transaction_open(user=personas.outsider, unit=personas.other_ward)
    rating_submit_kiosk(transaction_code=other.code, level="satisfied", comment="Cán bộ Sài Gòn tận tình")
    desk = desk_transaction_open(user=personas.officer, unit=personas.ward)
    rating_submit_kiosk(transaction_code=desk.code, level="normal")  # no comment: not listed


def test_a_head_reads_their_units_comments_masked(client, personas, commented):
    client.force_login(personas.head)
    page = client.get("/danh-gia/thong-ke/").content.decode()
    box = re.search(r'data-testid="stats-comments"(.*?)</section>', page, re.S).group(1)
    assert box.count('data-testid="comment"') == 1
    assert "Chờ lâu quá" in box and "0987 654 321" not in box and "079123456789" not in box
    assert "[đã ẩn số điện thoại]" in box or "ẩn" in box
    assert "Không hài lòng" in box and personas.officer.full_name in box and "Đăng ký khai sinh" in box
    assert "Sài Gòn tận tình" not in box


def test_the_leader_reads_the_citys_comments_within_the_filters(client, personas, commented):
    client.force_login(personas.leader)
    page = client.get("/danh-gia/thong-ke/").content.decode()
    box = re.search(r'data-testid="stats-comments"(.*?)</section>', page, re.S).group(1)
    assert box.count('data-testid="comment"') == 2
    assert box.index("Sài Gòn tận tình") < box.index("Chờ lâu quá")  # newest first
    one_ward = client.get("/danh-gia/thong-ke/", {"unit": "26740"}).content.decode()
    assert "Sài Gòn tận tình" in one_ward and "Chờ lâu quá" not in one_ward
    web_only = client.get("/danh-gia/thong-ke/", {"channel": "web"}).content.decode()
    assert 'data-testid="no-comments"' in web_only
    old = client.get("/danh-gia/thong-ke/", {"from": "2019-01", "to": "2019-12"}).content.decode()
    assert 'data-testid="no-comments"' in old


def test_comments_are_paginated(client, personas, procedures, settings):
    from citydesk.ratings import selectors

    settings.CITYDESK_RATING_CODE_ADDRESS_LIMIT_PER_HOUR = 1000
    for i in range(selectors.COMMENTS_PER_PAGE + 2):
        desk = desk_transaction_open(user=personas.officer, unit=personas.ward)
        rating_submit_kiosk(transaction_code=desk.code, level="normal", comment=f"Góp ý số {i}")
    client.force_login(personas.head)
    first = client.get("/danh-gia/thong-ke/").content.decode()
    assert first.count('data-testid="comment"') == selectors.COMMENTS_PER_PAGE
    assert 'data-testid="comments-pager"' in first and "comments_page=2" in first
    second = client.get("/danh-gia/thong-ke/", {"group": "unit", "comments_page": "2"}).content.decode()
    assert second.count('data-testid="comment"') == 2 and "Góp ý số 0<" in second
    # A page number past the last (however large) reads the last page, never a database error.
    huge = client.get("/danh-gia/thong-ke/", {"group": "unit", "comments_page": "9" * 25})
    assert huge.status_code == 200 and huge.content.decode().count('data-testid="comment"') == 2


def test_the_export_has_a_comments_sheet(client, personas, commented):
    from openpyxl import load_workbook

    client.force_login(personas.head)
    book = load_workbook(io.BytesIO(client.get("/danh-gia/thong-ke.xlsx").content))
    sheet = book.worksheets[-1]  # “Góp ý” (“Comments” until the catalogue has it)
    assert sheet.title in ("Góp ý", "Comments") and len(book.worksheets) == 6
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    text = " ".join(str(c) for c in cells)
    assert "Chờ lâu quá" in text and "0987 654 321" not in text and "079123456789" not in text
    assert "Sài Gòn tận tình" not in text and personas.officer.full_name in text


# --- 4. System administrators check the units' figures, not the officers' -------------------------------


def test_an_administrator_reads_the_units_statistics(client, personas, commented, bearer):
    client.force_login(personas.admin)  # an active administrator's role at the city
    page = client.get("/danh-gia/thong-ke/", {"group": "unit"})
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="officer"' not in html
    assert "Chờ lâu quá" in html and personas.officer.full_name not in html  # no officer named
    for group in ("unit", "procedure", "channel", "month"):
        assert client.get("/danh-gia/thong-ke/", {"group": group}).status_code == 200, group
    officers = client.get("/danh-gia/thong-ke/", {"group": "officer"})
    assert officers.status_code == 403 and 'data-field="group"' in officers.content.decode()
    export = client.get("/danh-gia/thong-ke.xlsx")
    assert export.status_code == 200
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(export.content))
    assert len(book.worksheets) == 5  # unit, procedure, channel, month, comments: no sheet per officer
    cells = {c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert personas.officer.full_name not in cells
    assert client.get("/danh-gia/thong-ke.xlsx", {"group": "officer"}).status_code == 403
    api = client.get("/api/v1/ratings/stats?group=channel", **bearer(personas.admin))
    assert api.status_code == 200
    refused = client.get("/api/v1/ratings/stats?group=officer", **bearer(personas.admin))
    assert refused.status_code == 403 and refused.json()["field"] == "group"


def test_a_superuser_reads_every_unit_and_an_administrator_of_a_ward_that_ward(personas):
    personas.citizen.is_superuser = True
    personas.citizen.save()
    scope = stats_scope(personas.citizen)
    assert scope.unit_ids is None and not scope.sees_officers
    with pytest.raises(NotAllowed) as refused:
        stats_for(personas.citizen, group="officer")
    assert refused.value.field == "group"
    Membership.objects.create(user=personas.outsider, organisation=personas.other_ward, role="admin")
    ward_admin = stats_scope(personas.outsider)
    assert ward_admin.unit_ids == frozenset({personas.other_ward.pk})
    with pytest.raises(NotAllowed):
        stats_for(personas.outsider, unit="26743")


def test_a_leader_who_also_administers_still_sees_the_officers(personas):
    Membership.objects.create(user=personas.leader, organisation=personas.city, role="admin")
    assert stats_scope(personas.leader).sees_officers
    stats_for(personas.leader, group="officer")


# --- 5. The comparison of units: every ward, sortable -------------------------------------------------


@pytest.fixture
def wards(personas):
    """Ben Thanh: 8 satisfied, 2 unsatisfied; Tan Dinh: 1 and 1; Sai Gon: no ratings."""
    hcmc = personas.city.admin_unit
    tan_dinh = Organisation.objects.create(
        code="26734",
        name="UBND Phường Tân Định",
        kind=OrgKind.PEOPLES_COMMITTEE,
        parent=personas.city,
        admin_unit=make_unit("26734", "Phường Tân Định", hcmc),
    )
    month = date(2026, 1, 1)
    RatingMonth.objects.create(month=month, unit=personas.ward, channel="kiosk", satisfied=8, unsatisfied=2)
    RatingMonth.objects.create(month=month, unit=tan_dinh, channel="kiosk", satisfied=1, unsatisfied=1)
    return tan_dinh


def test_the_unit_comparison_keeps_units_nobody_rated(client, personas, wards):
    stats = stats_for(personas.leader, group="unit")
    rows = {r.code: r for r in stats.rows}
    assert {"26743", "26734", "26740"} <= set(rows)
    assert rows["26740"].total == 0 and rows["26740"].satisfied_pct is None
    assert stats.totals.total == 12
    client.force_login(personas.leader)
    page = client.get("/danh-gia/thong-ke/", {"group": "unit", "from": "", "to": ""}).content.decode()
    row = re.search(rf'data-key="{personas.other_ward.pk}">(.*?)</tr>', page, re.S).group(1)
    assert "chưa có đánh giá" in row
    chosen = stats_for(personas.leader, group="unit", unit="26740")
    assert [r.code for r in chosen.rows] == ["26740"]
    head = stats_for(personas.other_head, group="unit")
    assert [(r.code, r.total) for r in head.rows] == [("26740", 0)]


def test_the_unit_comparison_sorts_by_share_or_count(client, personas, wards):
    def codes(sort):
        return [r.code for r in stats_for(personas.leader, group="unit", sort=sort).rows if r.code.isdigit()]

    assert codes("-unsatisfied") == ["26734", "26743", "26740"]  # the unrated last either way
    assert codes("unsatisfied") == ["26743", "26734", "26740"]
    assert codes("-satisfied") == ["26743", "26734", "26740"]
    assert codes("-total") == ["26743", "26734", "26740"]
    assert codes("total")[0] == "26740"
    client.force_login(personas.leader)
    query = {"group": "unit", "from": "", "to": "", "sort": "-unsatisfied"}
    page = client.get("/danh-gia/thong-ke/", query).content.decode()
    assert re.search(
        r'<th scope="col" class="num" aria-sort="descending"><a [^>]*data-testid="sort-unsatisfied"', page
    )
    assert page.count("aria-sort=") == 1
    assert re.search(r'href="/danh-gia/thong-ke.xlsx\?[^"]*sort=-unsatisfied', page)
    assert re.search(r'href="\?[^"]*sort=unsatisfied[^"]*" data-testid="sort-unsatisfied"', page)
    bad = client.get("/danh-gia/thong-ke/", {"sort": "name"})
    assert bad.status_code == 400 and 'data-field="sort"' in bad.content.decode()
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get("/danh-gia/thong-ke.xlsx", query).content))
    codes_in_sheet = [
        row[1]
        for row in book.worksheets[0].iter_rows(values_only=True)
        if row[1] in {"26734", "26743", "26740"}
    ]
    assert codes_in_sheet == ["26734", "26743", "26740"]
    assert "chưa có đánh giá" in [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
