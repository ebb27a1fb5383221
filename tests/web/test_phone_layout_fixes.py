"""The officers' pages on a phone (360 px, touch) and a tablet (768 px): what the server sends for them.

1. Day-first date fields take the digits alone (an iPhone's numeric keypad has no “/”, “:” or space) and
   the “.” and “-” of an Android keypad, wherever they are read; the fields say their shape to files.js.
2. The work queue's ten filters fold behind a summary unless one is set; the officer's report and dossier
   pages have an “Actions” link under their title to the actions' column.
3. The queues are cards on a tablet too, their key columns first.
4.–7. Long text wraps, tick boxes sit beside their labels, amounts keep their currency, the desk's tables
   are cards on a phone, the error summary's links are apart. (The browser checks: tests/browser/
   test_phone_layout_browser.py.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from citydesk.web.templatetags.date_fields import (
    DayFirstDateField,
    date_attrs,
    day_first,
    typed_day,
    typed_moment,
    typed_month,
)
from tests.dossiers.conftest import catalog, receive  # noqa: F401 (fixtures)
from tests.ratings.conftest import open_transaction, procedures, tablets  # noqa: F401 (fixtures)
from tests.reports.conftest import categories, submit_report  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parents[2] / "citydesk" / "web" / "static" / "citydesk"


def _css() -> str:
    return (STATIC / "citydesk.css").read_text(encoding="utf-8")


# --- 1. Dates typed on a phone's keypad ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("20112026", "20/11/2026"),
        ("20.11.2026", "20/11/2026"),
        ("20-11-2026", "20/11/2026"),
        ("5.1.2026", "05/01/2026"),
        (" 20112026 ", "20/11/2026"),
        ("20/11/2026", "20/11/2026"),
        ("2026-11-20", "2026-11-20"),  # ISO, from links: the parsers read it as it is
        ("20110105", "20110105"),  # yyyymmdd would be the year 105: left for the parser to refuse
        ("2011202", "2011202"),  # seven digits: ambiguous, refused
        ("hôm qua", "hôm qua"),
    ],
)
def test_a_day_typed_on_a_keypad_is_read_day_first(typed, read):
    assert typed_day(typed) == read


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("251120260930", "25/11/2026 09:30"),
        ("25.11.2026 09.30", "25/11/2026 09:30"),
        ("25-11-2026 9:30", "25/11/2026 09:30"),
        ("25112026", "25/11/2026"),
        ("2026-11-25T09:30", "2026-11-25T09:30"),
        ("201101050930", "201101050930"),
    ],
)
def test_a_moment_typed_on_a_keypad_is_read_day_first(typed, read):
    assert typed_moment(typed) == read


@pytest.mark.parametrize(
    ("typed", "read"),
    [("112026", "11/2026"), ("11.2026", "11/2026"), ("1-2026", "01/2026"), ("2026-11", "2026-11")],
)
def test_a_month_typed_on_a_keypad_is_read_month_first(typed, read):
    assert typed_month(typed) == read


def test_a_form_date_field_reads_the_digits_alone():
    import datetime as dt

    field = DayFirstDateField(required=False)
    assert field.clean("20112026") == dt.date(2026, 11, 20)
    assert field.clean("20.11.2026") == dt.date(2026, 11, 20)
    assert field.clean("2026-11-20") == dt.date(2026, 11, 20)
    with pytest.raises(Exception, match=r"hợp lệ|valid"):
        field.clean("20110105")
    assert day_first("20112026") == "20/11/2026"  # shown back in the field as the page writes it


def test_the_fields_say_their_shape_to_the_script():
    with translation.override("vi"):
        assert 'type="text" class="date" inputmode="numeric"' in date_attrs()
        assert 'maxlength="10" placeholder="dd/mm/yyyy" data-typed="date"' in date_attrs()
        assert 'maxlength="19" placeholder="dd/mm/yyyy hh:mm" data-typed="moment"' in date_attrs("moment")
        assert 'maxlength="7" placeholder="mm/yyyy" data-typed="month"' in date_attrs("month")
    script = (STATIC / "files.js").read_text(encoding="utf-8")
    assert "input[data-typed]" in script and "setSelectionRange" in script


@pytest.mark.parametrize("typed", ["20112026", "20.11.2026", "20-11-2026"])
def test_the_report_queue_reads_a_date_typed_on_a_keypad(client, personas, categories, typed):  # noqa: F811
    client.force_login(personas.officer)
    response = client.get("/xu-ly/", {"received_from": typed}, HTTP_ACCEPT_LANGUAGE="vi")
    html = response.content.decode()
    assert response.status_code == 200, html
    assert "Nhập một ngày hợp lệ" not in html and 'data-testid="filter-errors"' not in html
    assert re.search(r'id="f-from" name="received_from" [^>]*value="20/11/2026"', html)


def test_the_report_queue_still_refuses_an_impossible_date(client, personas, categories):  # noqa: F811
    client.force_login(personas.officer)
    response = client.get("/xu-ly/", {"received_from": "32132026"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400 and "Nhập một ngày hợp lệ" in response.content.decode()


@pytest.mark.parametrize("typed", ["251120260930", "25.11.2026 09.30"])
def test_the_working_calendar_reads_a_time_typed_on_a_keypad(client, typed):
    response = client.get("/lich-lam-viec/", {"received": typed, "working_days": "0"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="received-error"' not in html
    assert 'value="25/11/2026 09:30"' in html


def test_the_rating_statistics_read_months_typed_on_a_keypad(client, personas):
    client.force_login(personas.head)
    response = client.get("/danh-gia/thong-ke/", {"from": "012026", "to": "11.2026"})
    assert response.status_code == 200, response.content.decode()[:500]
    from citydesk.ratings.selectors import parse_month

    assert str(parse_month("112025", "from")) == "2025-11-01"


def test_the_other_date_fields_read_the_digits_alone_too(personas):
    import datetime as dt

    from citydesk.dossiers.services.campaigns import _date
    from citydesk.ioc.directive_views import DirectiveForm
    from citydesk.ioc.forms import OverviewForm
    from citydesk.web.views_audit import AuditFilterForm

    audit = AuditFilterForm({"start": "01112026", "end": "20.11.2026"})
    assert audit.is_valid(), audit.errors
    assert (audit.cleaned_data["start"], audit.cleaned_data["end"]) == (
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 20),
    )
    assert OverviewForm.base_fields["start"].clean("01112026") == dt.date(2026, 11, 1)
    assert DirectiveForm().fields["due"].clean("31122030") == dt.date(2030, 12, 31)
    assert _date("20112026", "start_date") == dt.date(2026, 11, 20)


# --- 2. Less scrolling before the work ----------------------------------------------------------------------


def _filters_box(html: str) -> str:
    match = re.search(r'<details class="card filters-box"[^>]*>', html)
    assert match, "the filters are in a <details>"
    return match.group(0)


def test_the_queue_filters_fold_unless_one_is_set(client, personas, categories):  # noqa: F811
    client.force_login(personas.officer)
    plain = client.get("/xu-ly/").content.decode()
    assert " open" not in _filters_box(plain) and "data-open-wide" in _filters_box(plain)
    assert re.search(r"<summary>Lọc danh sách</summary>\s*<form[^>]*class=\"filters\"", plain)
    assert " open" not in _filters_box(client.get("/xu-ly/?status=open&page=1").content.decode())
    for query in ("status=all", "category=road_damage", "received_from=20112026", "q=ổ gà", "assignee=me"):
        assert " open" in _filters_box(client.get(f"/xu-ly/?{query}").content.decode()), query
    refused = client.get("/xu-ly/?received_from=hôm+qua")
    assert refused.status_code == 400 and " open" in _filters_box(refused.content.decode())


def _jump_link_then_target(html: str) -> None:
    title = html.index("<h1")
    link = html.index('<a class="jump-link" href="#actions" data-testid="jump-actions">')
    first_card = html.index('<section class="card')
    assert title < link < first_card  # under the title, before the case's facts
    assert re.search(
        r'<div class="officer-side" id="actions" tabindex="-1" role="region" aria-label="[^"]+">', html
    )


def test_the_report_page_links_to_its_actions_from_the_top(client, personas, categories):  # noqa: F811
    report = submit_report()
    client.force_login(personas.head)
    html = client.get(f"/xu-ly/{report.code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    _jump_link_then_target(html)
    assert '>Thao tác<span aria-hidden="true"> ↓</span></a>' in html
    english = client.get(f"/xu-ly/{report.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '>Actions<span aria-hidden="true"> ↓</span></a>' in english


def test_the_dossier_page_links_to_its_actions_from_the_top(client, personas, catalog, receive):  # noqa: F811
    dossier = receive(catalog.land)
    client.force_login(personas.officer)
    html = client.get(f"/mot-cua/ho-so/{dossier.code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    _jump_link_then_target(html)


# --- 3. The queues on a tablet --------------------------------------------------------------------------------


def test_the_queues_are_cards_on_a_tablet_with_their_key_columns_first(
    client,
    personas,
    categories,  # noqa: F811
    catalog,  # noqa: F811
    receive,  # noqa: F811
):
    submit_report()
    receive()
    client.force_login(personas.officer)
    reports = client.get("/xu-ly/").content.decode()
    assert 'class="queue cards-on-phone cards-to-tablet" id="queue-table"' in reports
    for cell in ("status", "assignee", "place", "unit", "category"):
        assert f'<td class="{cell}" data-label=' in reports, cell
    dossiers = client.get("/mot-cua/ho-so/").content.decode()
    assert '<table class="queue cards-on-phone cards-to-tablet"' in dossiers
    assert '<td class="status" data-label=' in dossiers and '<td class="step" data-label=' in dossiers
    css = _css()
    block = css[css.index("@media (min-width: 641px) and (max-width: 1100px)") :]
    assert "table.cards-to-tablet td.status { order: 1; }" in block
    assert "table.cards-to-tablet td.due { order: 2; }" in block


# --- 4.–7. Wrapping, tick boxes, money, the desk's tables, the error summary ------------------------------------


def test_long_text_wraps_on_the_officer_pages():
    css = _css()
    assert ".officer-main, .officer-side { overflow-wrap: anywhere; }" in css
    assert "table.queue td.place, table.queue td.desc" in css


def test_tick_boxes_have_no_vertical_margin_and_sit_beside_their_label():
    css = _css()
    assert "margin: 10px .35rem 10px 0" not in css
    assert re.search(r"\.check:not\(\[hidden\], \.select-all\):has\([^)]*\) \{\s*display: grid;", css)


def test_an_amount_keeps_its_currency_on_its_line(client, personas, catalog, receive):  # noqa: F811
    from django.template import Context, Template

    rendered = Template("{% load money %}{{ text|money }}").render(Context({"text": "Phí: 1.200.000 đ <b>"}))
    assert rendered == 'Phí: <span class="money">1.200.000 đ</span> &lt;b&gt;'
    dossier = receive(catalog.land)
    client.force_login(personas.officer)
    html = client.get(f"/mot-cua/ho-so/{dossier.code}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert '<span class="money">100.000 đ</span>' in html
    assert ".money { white-space: nowrap; }" in _css()


def test_the_sub_navigation_never_leaves_a_dot_at_the_end_of_a_line():
    css = _css()
    assert (
        "nav.crumbs { display: flex; flex-wrap: wrap;" in css and "nav.crumbs > * { font-size: 1rem; }" in css
    )


def test_the_desk_tables_are_cards_on_a_phone(client, personas, open_transaction):  # noqa: F811
    open_transaction()
    client.force_login(personas.officer)
    html = client.get("/danh-gia/giao-dich/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert '<div class="table-wrap" data-cards="phone"><table class="data" data-testid="kiosk-list">' in html
    assert '<div class="table-wrap" data-cards="phone"><table class="data" data-testid="desk-recent">' in html
    assert '<td class="card-title"><span class="code">BT-QUAY-1</span>' in html
    assert '<td data-label="Đơn vị">' in html and 'data-label="Máy tính bảng"' in html
    assert "[data-cards=phone] > table > tbody > tr > td[data-label]::before" in _css()


def test_the_error_summary_links_are_apart():
    css = _css()
    assert ".error-summary li + li { margin-top: .4rem; }" in css
    assert ".error-summary li > a { display: block; min-height: 24px;" in css
