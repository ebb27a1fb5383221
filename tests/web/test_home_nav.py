"""The shared layout and the home page: flash messages by level, the menu only links to pages the user can
open, the citizen services on the home page, and a citizen's own reports and dossiers."""

from __future__ import annotations

import datetime as dt
import re
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from citydesk.core.models import ServiceCategory, User
from citydesk.dossiers.models import Dossier
from citydesk.dossiers.models import Status as DossierStatus
from citydesk.reports.models import Report
from citydesk.reports.models import Status as ReportStatus
from citydesk.web.views import CITIZEN_RECENT
from tests.dossiers.conftest import make_procedure

from .message_urls import LEVEL_TEXTS

pytestmark = pytest.mark.django_db

_numbers = count(1)


def html(response) -> str:
    return response.content.decode()


def nav_links(page: str) -> list[str]:
    menu = re.search(r'<nav class="menu"[^>]*>(.*?)</nav>', page, re.S)
    assert menu, "the page has no main menu"
    return re.findall(r'href="([^"]+)"', menu.group(1))


# --- Flash messages -------------------------------------------------------------------------------


@pytest.mark.urls("tests.web.message_urls")
def test_messages_are_shown_by_level(client):
    page = html(client.get("/__test__/flash/", follow=True))
    expected_roles = {"success": "status", "info": "status", "warning": "alert", "error": "alert"}
    for level, text in LEVEL_TEXTS.items():
        match = re.search(
            rf'<p class="msg msg-{level}" role="(\w+)" data-level="{level}">(.*?)</p>', page, re.S
        )
        assert match, f"no {level} message in the page"
        assert match.group(1) == expected_roles[level]
        assert text in match.group(2)
        assert 'class="msg-label"' in match.group(2), "a written prefix, not colour alone"
    assert page.count('class="msg ') == 4


# --- Menu -----------------------------------------------------------------------------------------


def test_menu_and_home_link_the_report_lookup(client, personas):
    page = html(client.get("/"))
    links = nav_links(page)
    lookup, dossier_lookup = reverse("reports:lookup"), reverse("dossiers:lookup")
    assert lookup in links
    assert links.index(lookup) + 1 == links.index(dossier_lookup), "next to the dossier lookup"
    services = page[page.index('data-testid="citizen-services"') :]
    for name in ("reports:new", "reports:lookup", "dossiers:lookup", "dossiers_catalog:list"):
        assert f'href="{reverse(name)}"' in services, name
    assert "Citizens can look up the working calendar" not in page


@pytest.mark.parametrize(
    "role", ["operator", "officer", "deputy", "head", "leader", "inspector", "admin", "citizen", "outsider"]
)
def test_menu_links_only_pages_the_user_can_open(client, personas, role):
    user = personas.all_roles()[role]
    if role == "admin":  # the system administrator of the demo: a superuser with the back office
        user.is_staff = user.is_superuser = True
        user.save()
    client.force_login(user)
    links = nav_links(html(client.get("/")))
    assert reverse("reports:lookup") in links
    for link in links:
        status = client.get(link).status_code
        assert status == 200, f"{role}: the menu links to {link}, which answers {status}"


def test_admin_menu_has_no_officer_pages(client, personas):
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    client.force_login(personas.admin)
    links = nav_links(html(client.get("/")))
    assert reverse("reports:queue") not in links
    assert reverse("dossiers:queue") not in links
    assert reverse("ioc:overview") not in links
    assert reverse("admin:index") in links


def test_head_menu_has_the_work_pages(client, personas):
    client.force_login(personas.head)
    links = nav_links(html(client.get("/")))
    for name in ("reports:queue", "dossiers:queue", "ioc:overview", "ratings:stats", "indicators:summary"):
        assert reverse(name) in links, name
    assert reverse("admin:index") not in links


def test_the_hotline_screen_is_in_the_menu_of_those_who_receive_calls(client, personas):
    hotline = reverse("reports:hotline")
    for role, listed in (("operator", True), ("officer", True), ("inspector", False), ("citizen", False)):
        client.force_login(personas.all_roles()[role])
        assert (hotline in nav_links(html(client.get("/")))) is listed, role
    client.logout()
    assert hotline not in nav_links(html(client.get("/")))


def test_a_citizen_reaches_their_own_reports_and_dossiers_from_the_menu(client, personas):
    own = [reverse("web:my_reports"), reverse("web:my_dossiers")]
    client.force_login(personas.citizen)
    links = nav_links(html(client.get("/")))
    assert all(link in links for link in own)
    client.force_login(personas.officer)  # staff: their work pages instead
    assert not any(link in nav_links(html(client.get("/"))) for link in own)


@pytest.mark.parametrize("role, landing", [("operator", "reports:hotline"), ("officer", "web:home")])
def test_an_operator_lands_on_the_hotline_screen_after_logging_in(client, personas, role, landing):
    user = personas.all_roles()[role]
    user.set_password("a-long-test-password-1")
    user.save()
    response = client.post(
        reverse("web:login"), {"username": user.username, "password": "a-long-test-password-1"}
    )
    assert response.status_code == 302 and response["Location"] == reverse(landing)
    # An explicit next page still wins.
    client.logout()
    response = client.post(
        reverse("web:login") + "?next=/tra-cuu/",
        {"username": user.username, "password": "a-long-test-password-1", "next": "/tra-cuu/"},
    )
    assert response["Location"] == "/tra-cuu/"


# --- A citizen's own reports and dossiers ---------------------------------------------------------


@pytest.fixture
def category(personas) -> ServiceCategory:
    return ServiceCategory.objects.create(
        code="road_damage",
        domain="report",
        name="Hư hỏng mặt đường, ổ gà",
        name_en="Road damage",
        handled_by="ward",
    )


def make_report(personas, category, reporter: User | None, *, days_ago: int = 0, **extra) -> Report:
    n = next(_numbers)
    return Report.objects.create(
        code=f"PA-26-{n:06d}",
        category=category,
        description="Ổ gà trước chợ",
        unit=personas.ward,
        channel="web",
        reporter=reporter,
        created_at=timezone.now() - dt.timedelta(days=days_ago, minutes=n),
        **extra,
    )


def make_dossier(personas, procedure, applicant: User | None, *, days_ago: int = 0, **extra) -> Dossier:
    n = next(_numbers)
    received = timezone.now() - dt.timedelta(days=days_ago, minutes=n)
    return Dossier.objects.create(
        code=f"HS-26-{n:06d}",
        procedure=procedure,
        unit=personas.ward,
        channel="online",
        applicant=applicant,
        applicant_name=applicant.full_name if applicant else "Người khác",
        received_at=received,
        due_at=received + dt.timedelta(days=3),
        **extra,
    )


def test_citizen_home_lists_their_own_reports_and_dossiers(client, personas, category):
    birth = make_procedure("HT-01", "Đăng ký khai sinh")
    other = User.objects.create_user(username="other", password="x", full_name="Người khác")
    old = make_report(personas, category, personas.citizen, days_ago=3, status=ReportStatus.RESOLVED)
    new = make_report(personas, category, personas.citizen, days_ago=0, is_public=False)
    theirs = make_report(personas, category, other)
    anonymous = make_report(personas, category, None)
    mine = make_dossier(personas, birth, personas.citizen, status=DossierStatus.SUPPLEMENT)
    not_mine = make_dossier(personas, birth, other)

    client.force_login(personas.citizen)
    page = html(client.get("/"))
    assert 'data-testid="role"' in page  # still says it is a citizen account
    reports = re.findall(r'data-testid="my-report">\s*<a class="code" href="([^"]+)">([^<]+)</a>', page)
    assert reports == [
        (reverse("reports:track", args=[new.code]), new.code),
        (reverse("reports:track", args=[old.code]), old.code),
    ], "their own reports, newest first"
    assert theirs.code not in page and anonymous.code not in page
    assert "Đã xử lý xong" in page or "Resolved" in page  # the status label, not its code
    dossiers = re.findall(r'data-testid="my-dossier">\s*<a class="code" href="([^"]+)">([^<]+)</a>', page)
    assert dossiers == [(reverse("dossiers:track", args=[mine.code]), mine.code)]
    assert not_mine.code not in page
    assert "Đăng ký khai sinh" in page
    # The links open: the tracking pages recognise the logged-in reporter and applicant.
    assert client.get(reverse("reports:track", args=[new.code])).status_code == 200
    assert client.get(reverse("dossiers:track", args=[mine.code])).status_code == 200


def test_citizen_home_with_nothing_yet(client, personas):
    client.force_login(personas.citizen)
    page = html(client.get("/"))
    assert 'data-testid="my-reports"' in page and 'data-testid="my-dossiers"' in page
    assert 'data-testid="my-report"' not in page and 'data-testid="my-dossier"' not in page


def test_staff_home_has_no_citizen_lists(client, personas):
    client.force_login(personas.head)
    page = html(client.get("/"))
    assert 'data-testid="my-reports"' not in page
    assert 'data-testid="membership"' in page


def test_citizen_lists_are_bounded_with_constant_queries(client, personas, category):
    birth = make_procedure("HT-01", "Đăng ký khai sinh")
    make_report(personas, category, personas.citizen)
    make_dossier(personas, birth, personas.citizen)
    client.force_login(personas.citizen)
    client.get("/")  # warm up (session, content types)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for day in range(1, CITIZEN_RECENT + 5):
        make_report(personas, category, personas.citizen, days_ago=day)
        make_dossier(personas, birth, personas.citizen, days_ago=day)
    with CaptureQueriesContext(connection) as many:
        page = html(client.get("/"))
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert page.count('data-testid="my-report"') == CITIZEN_RECENT
    assert page.count('data-testid="my-dossier"') == CITIZEN_RECENT


def test_home_links_the_powers_that_have_a_page_of_their_own(client, personas):
    pages = {"/thu-tuc/nhap-xuat/", "/danh-gia/nhap/"}
    client.force_login(personas.admin)
    html = client.get("/").content.decode()
    linked = set(re.findall(r'<a href="([^"]+)" data-testid="power-page">', html))
    assert pages <= linked
    for page in linked:  # every link opens for the person it is shown to
        assert client.get(page).status_code == 200, page
    for role, user in personas.all_roles().items():  # every role: each link shown opens for them
        client.force_login(user)
        for page in re.findall(
            r'<a href="([^"]+)" data-testid="power-page">', client.get("/").content.decode()
        ):
            assert client.get(page).status_code == 200, (role, page)


def test_citizen_home_offers_to_rate_finished_dossiers_not_rated_yet(client, personas):
    from citydesk.ratings.models import Rating

    birth = make_procedure("HT-01", "Đăng ký khai sinh")
    done = make_dossier(
        personas, birth, personas.citizen, status=DossierStatus.RETURNED, citizen_token="tok-done"
    )
    rated = make_dossier(
        personas,
        birth,
        personas.citizen,
        days_ago=1,
        status=DossierStatus.RETURNED,
        citizen_token="tok-rated",
    )
    still_open = make_dossier(personas, birth, personas.citizen, days_ago=2, citizen_token="tok-open")
    Rating.objects.create(
        channel="web", dossier=rated, unit=personas.ward, procedure=birth, level="satisfied"
    )
    client.force_login(personas.citizen)
    page = html(client.get("/"))
    links = re.findall(r'<a href="([^"]+)" data-testid="my-dossier-rate">', page)
    assert len(links) == 1 and links[0].startswith(f"/danh-gia/ho-so/{done.code}/?t=")
    assert still_open.code in page and "tok-open" not in page and "tok-rated" not in page
    assert client.get(links[0]).status_code == 200  # the link opens the rating page
    assert 'data-testid="rate-by-code"' in page


def test_every_own_report_and_dossier_is_reachable_beyond_the_home_page(client, personas, category):
    """The home page shows the newest; a link opens them all, a page at a time, the account's only."""
    from citydesk.web.views import MY_PAGE_SIZE

    birth = make_procedure("HT-01", "Đăng ký khai sinh")
    other = User.objects.create_user(username="other", password="x", full_name="Người khác")
    mine = [make_report(personas, category, personas.citizen, days_ago=d) for d in range(CITIZEN_RECENT + 2)]
    theirs = make_report(personas, category, other)
    files = [make_dossier(personas, birth, personas.citizen, days_ago=d) for d in range(CITIZEN_RECENT)]
    client.force_login(personas.citizen)
    home = html(client.get("/"))
    assert 'data-testid="my-reports-all"' in home and reverse("web:my_reports") in home
    assert 'data-testid="my-dossiers-all"' not in home  # exactly CITIZEN_RECENT: all are shown already
    assert mine[-1].code not in home  # the oldest is beyond the home page's list

    page = html(client.get(reverse("web:my_reports")))
    listed = re.findall(r'data-testid="my-report">\s*<a class="code" href="[^"]+">([^<]+)</a>', page)
    assert listed == [r.code for r in mine] and theirs.code not in page
    page = html(client.get(reverse("web:my_dossiers")))
    assert re.findall(r'data-testid="my-dossier">\s*<a class="code" href="[^"]+">([^<]+)</a>', page) == [
        d.code for d in files
    ]
    # Pages of MY_PAGE_SIZE, in constant queries.
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("web:my_reports"))
    for day in range(MY_PAGE_SIZE + 5):
        make_report(personas, category, personas.citizen, days_ago=100 + day)
    with CaptureQueriesContext(connection) as many:
        page = html(client.get(reverse("web:my_reports")))
    assert len(many) == len(few)
    assert page.count('data-testid="my-report"') == MY_PAGE_SIZE and "?page=2" in page
    second = html(client.get(reverse("web:my_reports"), {"page": 2}))
    assert second.count('data-testid="my-report"') == CITIZEN_RECENT + 2 + MY_PAGE_SIZE + 5 - MY_PAGE_SIZE
    client.logout()
    for name in ("web:my_reports", "web:my_dossiers"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_citizen_home_offers_to_rate_resolved_reports_not_rated_yet(client, personas, category):
    from citydesk.reports.models import Rating

    now = timezone.now()
    resolved = make_report(
        personas, category, personas.citizen, status=ReportStatus.RESOLVED, resolved_at=now
    )
    rated = make_report(personas, category, personas.citizen, status=ReportStatus.CLOSED, resolved_at=now)
    Rating.objects.create(report=rated, level="satisfied")
    open_one = make_report(personas, category, personas.citizen)
    client.force_login(personas.citizen)
    page = html(client.get("/"))
    links = re.findall(r'<a href="([^"]+)" data-testid="my-report-rate">', page)
    assert links == [reverse("reports:track", args=[resolved.code]) + "#rate"]
    assert rated.code in page and open_one.code in page
    track = html(client.get(links[0].split("#")[0]))
    assert 'id="rating-form"' in track  # the link lands on the form the logged-in reporter may use
