"""Pages: Vietnamese first, log-in with throttling, security headers, bounded queries."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_home_is_vietnamese_by_default(client, personas):
    r = client.get("/")
    assert r.status_code == 200
    html = r.content.decode()
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html


def test_home_in_english_when_chosen(client, personas):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html


def test_login_shows_roles(client, personas):
    r = client.post("/dang-nhap/", {"username": "head", "password": "pw-head"})
    assert r.status_code == 302
    html = client.get("/").content.decode()
    assert "Phạm Quốc Hùng" in html
    assert "Thủ trưởng đơn vị" in html
    assert "UBND Phường Bến Thành" in html


def test_wrong_password_is_refused_and_locked_out_after_five(personas):
    client = Client()
    for _ in range(5):
        r = client.post("/dang-nhap/", {"username": "head", "password": "sai-mat-khau"})
        assert r.status_code in (200, 429)
    r = client.post("/dang-nhap/", {"username": "head", "password": "pw-head"})
    assert r.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in r.content.decode()


def test_security_headers(client):
    r = client.get("/")
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"


def test_no_external_assets_in_pages(client, personas):
    client.force_login(personas.admin)
    for url in ("/", "/lich-lam-viec/", "/don-vi-hanh-chinh/", "/dang-nhap/"):
        html = client.get(url).content.decode()
        assert "http://" not in html.replace("http://testserver", "")
        assert "https://" not in html


def test_calendar_page_computes_a_deadline(client):
    r = client.get("/lich-lam-viec/", {"received": "2026-02-13T10:00", "working_days": "1", "year": "2026"})
    html = r.content.decode()
    assert "23/02/2026 17:00" in html
    assert "Tết Nguyên đán" in html
    # Typed day first, as the field shows it whatever the browser's language (a native date-time field
    # showed 02/13/2026 in a US-English browser).
    r = client.get("/lich-lam-viec/", {"received": "13/02/2026 10:00", "working_days": "1"})
    html = r.content.decode()
    assert "23/02/2026 17:00" in html and 'name="received" type="text"' in html
    assert 'value="13/02/2026 10:00"' in html
    for bad in ("hôm nay", "02/13/2026 10:00", "2026-13-01T10:00"):
        r = client.get("/lich-lam-viec/", {"received": bad, "working_days": "1"})
        assert r.status_code == 400 and 'role="alert"' in r.content.decode(), bad
    for received in ("9999-12-31T10:00", "1900-01-01T10:00"):  # outside the calendar: said, not a 500
        r = client.get("/lich-lam-viec/", {"received": received, "working_days": "5"})
        assert (
            r.status_code == 400
            and 'role="alert"' in r.content.decode()
            and "01/01/1990" in r.content.decode()  # day first, as the page writes dates
        )


def test_units_page_searches_without_accents(client, personas):
    r = client.get("/don-vi-hanh-chinh/", {"province": "79", "q": "ben thanh"})
    html = r.content.decode()
    assert "Phường Bến Thành" in html
    assert "Phường Sài Gòn" not in html


def test_units_page_finds_an_old_name_and_refuses_an_unknown_province(client, personas):
    from citydesk.core.models import AdminUnit, LegacyMapping, LegacyUnit
    from citydesk.lib.text import search_key

    district = LegacyUnit.objects.create(level="district", code="760", name="Quận 1", search_name="quan 1")
    old = LegacyUnit.objects.create(
        level="ward",
        code="26740",
        name="Phường Bến Nghé",
        search_name=search_key("Phường Bến Nghé"),
        parent=district,
    )
    LegacyMapping.objects.create(legacy=old, unit=AdminUnit.objects.get(code="26740"))
    r = client.get("/don-vi-hanh-chinh/", {"province": "79", "q": "ben nghe"})
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="old-names"' in html
    assert "Phường Bến Nghé (Quận 1)" in html and "<strong>Phường Sài Gòn</strong> (26740)" in html
    r = client.get("/don-vi-hanh-chinh/", {"province": "99"})
    assert r.status_code == 400 and 'data-testid="units-error"' in r.content.decode()


def test_home_page_query_count_is_bounded(client, personas):
    client.force_login(personas.leader)
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    # Session, user, memberships, the navigation's flags, the header's unread count, and the overdue
    # reports and dossiers of the leader's units (the units below theirs, level by level, then one count
    # each): a fixed number, whatever the number of reports and dossiers.
    assert len(queries) <= 13, [q["sql"] for q in queries]


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_the_site_has_an_icon(client):
    from django.contrib.staticfiles import finders

    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/citydesk/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("citydesk/favicon.svg")
    r = client.get("/favicon.ico")
    assert r.status_code == 301 and r["Location"] == "/static/citydesk/favicon.svg"
    assert client.post("/favicon.ico").status_code == 405


def test_admin_back_office_in_vietnamese(client, personas):
    personas.admin.is_staff = True
    personas.admin.is_superuser = True
    personas.admin.save()
    client.force_login(personas.admin)
    html = client.get("/quan-tri/").content.decode()
    assert "Đơn vị hành chính" in html
    r = client.get("/quan-tri/core/auditentry/add/")
    assert r.status_code == 403


@pytest.mark.parametrize("role", ["officer", "citizen", "outsider"])
def test_back_office_refused_to_non_staff(client, personas, role):
    client.force_login(personas.all_roles()[role])
    r = client.get("/quan-tri/")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_unit_areas_read_with_two_decimals_in_the_readers_format(client, personas):
    from citydesk.core.models import AdminUnit

    AdminUnit.objects.filter(code="26743").update(area_km2=16.851)
    vi = client.get("/don-vi-hanh-chinh/", {"province": "79"}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert '<td class="num">16,85</td>' in vi
    en = client.get("/don-vi-hanh-chinh/", {"province": "79"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<td class="num">16.85</td>' in en


def test_the_english_back_office_writes_dates_day_first(staff, personas):
    from citydesk.core.audit import Actor, audit_record

    audit_record(actor=Actor.system("test"), action="test.write", object_type="test", object_id="1")
    page = staff.get("/quan-tri/core/auditentry/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", page) and " p.m." not in page and " a.m." not in page
