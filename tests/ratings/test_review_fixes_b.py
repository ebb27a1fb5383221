"""Review fixes (B) of the satisfaction ratings: kiosks nobody can rate on are not offered (and their visits
are rated by code), the whole-year totals say so, the desk units leave the statistics' filter, a limit per
address, the comment's length said live and refused without a cut, the import says what it replaced, and
the phone layouts (kiosk, statistics, the desk's kiosk list)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import pgettext

from citydesk.core.errors import DomainError
from citydesk.core.models import Organisation, OrgKind
from citydesk.ratings import periods
from citydesk.ratings.models import DeskTransaction, Kiosk, Rating, RatingMonth
from citydesk.ratings.selectors import months_covered, stats_for, stats_scope, units_in_scope
from citydesk.ratings.services import (
    ImportRejected,
    desk_transaction_open,
    rating_submit_web,
    ratings_import,
)
from citydesk.ratings.services.common import COMMENT_MAX, RateLimited, clean_comment, device_key
from citydesk.ratings.services.kiosks import LIVE_SECONDS, is_live, kiosk_problem
from tests.ratings.conftest import KIOSK, make_dossier
from tests.ratings.kiosks import pair_kiosk
from tests.ratings.test_import import HEADER, write_csv, xlsx_bytes

pytestmark = pytest.mark.django_db


def settings_static() -> Any:
    from pathlib import Path

    import citydesk.ratings

    return Path(citydesk.ratings.__file__).parent / "static"


def rows(*cells: tuple) -> list[dict]:
    return [dict(zip(HEADER[:6], c, strict=True)) for c in cells]


def age(code: str, *, seen: timedelta | None, paired: timedelta = timedelta(hours=2)) -> Kiosk:
    """Kiosk `code` paired `paired` ago and last seen `seen` ago (None: never)."""
    now = timezone.now()
    Kiosk.objects.filter(code=code).update(
        paired_at=now - paired, last_seen_at=None if seen is None else now - seen
    )
    return Kiosk.objects.get(code=code)


# --- 2. Kiosks nobody can rate on -----------------------------------------------------------------------


def test_a_kiosk_is_live_while_its_tablet_shows_the_page(personas):
    pair_kiosk(KIOSK, personas.ward)
    assert is_live(Kiosk.objects.get(code=KIOSK))  # just paired: the tablet shows the page at once
    assert not is_live(age(KIOSK, seen=None))  # registered long ago, no tablet ever opened it
    assert not is_live(age(KIOSK, seen=timedelta(seconds=LIVE_SECONDS + 30)))
    assert is_live(age(KIOSK, seen=timedelta(seconds=30)))
    assert LIVE_SECONDS == 300  # five of the minute-long steps in which a polling tablet is noted


def test_the_desk_offers_only_live_kiosks_and_refuses_the_others(client, personas, procedures):
    pair_kiosk("quay-1", personas.ward, label="Quầy 1 (lịch sử demo)")
    pair_kiosk("BT-QUAY-2", personas.ward)
    pair_kiosk(KIOSK, personas.ward)
    age("quay-1", seen=None)  # the demo's: never opened by a tablet
    age("BT-QUAY-2", seen=timedelta(minutes=40))  # switched off this morning
    age(KIOSK, seen=timedelta(seconds=20))
    client.force_login(personas.officer)
    page = client.get("/danh-gia/giao-dich/").content.decode()
    assert f'<option value="{KIOSK}"' in page
    assert '<option value="quay-1"' not in page and '<option value="BT-QUAY-2"' not in page
    # The list of the unit's kiosks still shows them, marked as not offered.
    assert (
        page.count('<span class="badge kiosk-off">') == 2 and page.count('<span class="badge kiosk-on">') == 1
    )
    assert 'data-testid="kiosk-live-rule"' in page
    for dead in ("quay-1", "BT-QUAY-2"):
        refused = client.post("/danh-gia/giao-dich/", {"kiosk": dead, "unit": "26743", "kind": "receive"})
        html = refused.content.decode()
        assert refused.status_code == 400 and 'id="err-kiosk"' in html, dead
        assert f"/danh-gia/quay/{dead}/" in html  # says where to open the kiosk page
    assert not DeskTransaction.objects.exists()
    assert kiosk_problem(personas.ward, "quay-1").field == "kiosk"
    assert kiosk_problem(personas.ward, "quay-1", live=False) is None  # the service still opens for it
    opened = client.post("/danh-gia/giao-dich/", {"kiosk": KIOSK, "unit": "26743", "kind": "receive"})
    assert opened.status_code == 302 and DeskTransaction.objects.get().kiosk == KIOSK


def test_the_no_kiosk_choice_fits_a_phones_select(client, personas):
    client.force_login(personas.officer)
    page = client.get("/danh-gia/giao-dich/").content.decode()
    label = page.split('<option value=""', 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert 0 < len(label) <= 30, label  # was “No kiosk: the citizen rates with the transaction code”


def test_a_visit_at_a_kiosk_that_is_not_live_is_rated_by_its_code(client, personas, procedures):
    pair_kiosk(KIOSK, personas.ward)
    desk = desk_transaction_open(user=personas.officer, unit=personas.ward, kiosk=KIOSK)
    live = client.post("/danh-gia/ma/", {"transaction": desk.code, "level": "satisfied"})
    assert live.status_code == 400 and 'id="err-transaction"' in live.content.decode()
    assert not Rating.objects.exists()  # its tablet shows it: rated there
    age(KIOSK, seen=timedelta(minutes=30))  # the tablet went off
    rated = client.post("/danh-gia/ma/", {"transaction": desk.code, "level": "satisfied", "comment": "Nhanh"})
    assert rated.status_code == 302 and Rating.objects.get().transaction == desk
    # The API by code likewise.
    other = desk_transaction_open(user=personas.officer, unit=personas.ward, kiosk=KIOSK)
    api = client.post(
        "/api/v1/ratings/kiosk",
        json.dumps({"transaction": other.code, "level": "normal"}),
        content_type="application/json",
        REMOTE_ADDR="10.1.2.3",
    )
    assert api.status_code == 201


def test_the_dossier_desk_does_not_call_a_kiosk_that_is_not_live(client, personas, procedures):
    """The kiosk remembered on this computer went off: the dossier desk invites the applicant by code."""
    from citydesk.ratings.views import SESSION_KIOSK

    pair_kiosk(KIOSK, personas.ward)
    dossier = make_dossier(personas, procedures["birth"], status="received")
    client.force_login(personas.officer)
    session = client.session
    session[SESSION_KIOSK] = KIOSK
    session.save()
    age(KIOSK, seen=timedelta(hours=3))
    assert client.post(f"/mot-cua/ho-so/{dossier.code}/danh-gia/").status_code == 302
    assert DeskTransaction.objects.get().kiosk == ""  # by code: nobody could rate on that tablet
    page = client.get("/danh-gia/giao-dich/").content.decode()
    assert f'<option value="{KIOSK}"' not in page  # nor offered (nor preselected) on the ratings desk
    age(KIOSK, seen=timedelta(seconds=10))  # the tablet is back
    assert client.post(f"/mot-cua/ho-so/{dossier.code}/danh-gia/").status_code == 302
    assert DeskTransaction.objects.latest("created_at").kiosk == KIOSK


# --- 3. Whole-year totals ----------------------------------------------------------------------------


@pytest.fixture
def hcmc_2019(personas):
    ratings_import(
        user=personas.admin,
        rows=rows(("2019", "79", "kiosk", 379_020, 2_253, 649), ("2019", "79", "web", 15_771, 776, 62)),
    )


def test_a_year_total_is_stored_on_the_years_last_day_and_named_whole_year(personas, hcmc_2019):
    assert set(RatingMonth.objects.values_list("month", flat=True)) == {date(2019, 12, 31)}
    months = stats_for(personas.leader, group="month")
    (row,) = months.rows
    assert row.key == "2019" and row.total == 398_531
    assert row.label == periods.whole_year(2019) and "12/2019" not in row.label and "2019" in row.label
    assert months.year_totals == [2019]
    first, _last = months_covered(months)
    assert first == date(2019, 1, 1)  # not 12/2019


def test_a_year_total_counts_only_when_the_whole_year_is_chosen(personas, hcmc_2019):
    assert stats_for(personas.leader, **{"from": "2019-01", "to": "2019-12"}).totals.total == 398_531
    assert stats_for(personas.leader, **{"from": "01/2019", "to": "12/2019"}).totals.total == 398_531
    assert stats_for(personas.leader, **{"from": "2018-06", "to": "2020-02"}).totals.total == 398_531
    december = stats_for(personas.leader, **{"from": "2019-12", "to": "2019-12"})
    assert december.totals.total == 0 and december.years_left_out == [2019]
    first_half = stats_for(personas.leader, **{"from": "2019-01", "to": "2019-06"})
    assert first_half.totals.total == 0 and first_half.years_left_out == [2019]


def test_the_statistics_page_and_export_say_whole_year(client, personas, hcmc_2019):
    from openpyxl import load_workbook

    client.force_login(personas.leader)
    page = client.get("/danh-gia/thong-ke/", {"group": "month", "from": "", "to": ""}).content.decode()
    assert f">{periods.whole_year(2019)}<" in page and ">12/2019<" not in page
    assert 'data-testid="year-totals"' in page
    part = client.get("/danh-gia/thong-ke/", {"group": "unit", "from": "12/2019", "to": "12/2019"})
    assert 'data-testid="years-left-out"' in part.content.decode()
    export = client.get("/danh-gia/thong-ke.xlsx", {"group": "month"})
    book = load_workbook(io.BytesIO(export.content))
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert periods.whole_year(2019) in cells
    assert not any(isinstance(c, date) and c.year == 2019 for c in cells)  # no month 12/2019
    assert sum(1 for c in cells if isinstance(c, str) and c.startswith("2019:")) == len(book.worksheets)


def test_the_demo_files_hcmcs_2019_as_the_whole_year(personas):
    from citydesk.ratings.demo import HISTORY_2019, seed_demo_ratings

    # An earlier demo filed it under 12/2019: the demo moves it to the whole year.
    for row in HISTORY_2019:
        RatingMonth.objects.create(
            month=date(2019, 12, 1),
            unit=personas.city,
            channel=row["channel"],
            satisfied=row["satisfied"],
            normal=row["normal"],
            unsatisfied=row["unsatisfied"],
            imported=True,
        )
    seed_demo_ratings()
    assert set(RatingMonth.objects.filter(imported=True).values_list("month", flat=True)) == {
        date(2019, 12, 31)
    }
    seed_demo_ratings()  # idempotent
    assert RatingMonth.objects.filter(imported=True).count() == 2
    assert {r["month"] for r in HISTORY_2019} == {"2019"}


def test_a_fresh_demo_imports_the_whole_year_and_offers_no_kiosk(client, personas):
    from citydesk.ratings.demo import seed_demo_ratings

    seed_demo_ratings()
    assert set(RatingMonth.objects.filter(imported=True).values_list("month", flat=True)) == {
        date(2019, 12, 31)
    }
    assert not Kiosk.objects.filter(code="quay-1").exists()
    assert not is_live(Kiosk.objects.get(code=KIOSK))  # no tablet holds its secret
    client.force_login(personas.officer)
    page = client.get("/danh-gia/giao-dich/").content.decode()
    assert f'<option value="{KIOSK}"' not in page


def test_the_import_takes_a_year_and_refuses_it_twice_over(personas):
    this_year = timezone.localdate().year
    with pytest.raises(ImportRejected) as current:
        ratings_import(user=personas.admin, rows=rows((str(this_year), "26743", "kiosk", 1, 0, 0)))
    assert current.value.errors[0].column == "month"
    with pytest.raises(ImportRejected) as both:
        ratings_import(
            user=personas.admin,
            rows=rows(("Cả năm 2018", "26743", "kiosk", 9, 0, 0), ("03/2018", "26743", "kiosk", 1, 0, 0)),
        )
    assert [e.row for e in both.value.errors] == [2]
    ratings_import(user=personas.admin, rows=rows(("2018-03", "26743", "kiosk", 1, 0, 0)))
    with pytest.raises(ImportRejected) as stored:
        ratings_import(user=personas.admin, rows=rows(("năm 2018", "26743", "kiosk", 9, 0, 0)))
    assert "2018" in stored.value.errors[0].message
    result = ratings_import(user=personas.admin, rows=rows(("2017", "26743", "web", 9, 1, 0)))
    assert result.period_text() == periods.whole_year(2017)


# --- 4. The statistics' unit filter ------------------------------------------------------------------------


def test_the_unit_filter_leaves_out_a_wards_one_stop_desk(client, personas):
    desk = Organisation.objects.create(
        code="26743.MC",
        name="Bộ phận Một cửa Phường Bến Thành",
        kind=OrgKind.ONE_STOP_DESK,
        parent=personas.ward,
    )
    codes = {u.code for u in units_in_scope(stats_scope(personas.head))}
    assert "26743" in codes and desk.code not in codes
    client.force_login(personas.head)
    assert 'value="26743.MC"' not in client.get("/danh-gia/thong-ke/").content.decode()


# --- 6. A limit per address -------------------------------------------------------------------------------


def test_changing_the_device_id_does_not_escape_the_address_limit(client, personas, procedures, settings):
    settings.CITYDESK_RATING_DEVICE_LIMIT_PER_HOUR = 10
    settings.CITYDESK_RATING_ADDRESS_LIMIT_PER_HOUR = 3
    dossiers = [make_dossier(personas, procedures["birth"]) for _i in range(5)]

    def rate(dossier: Any, device: str, address: str) -> Any:
        return client.post(
            f"/api/v1/ratings/dossiers/{dossier.code}",
            json.dumps({"level": "satisfied", "token": dossier.citizen_token}),
            content_type="application/json",
            HTTP_X_DEVICE_ID=device,
            REMOTE_ADDR=address,
        )

    codes = [rate(d, f"phone-{i}", "203.0.113.7").status_code for i, d in enumerate(dossiers[:4])]
    assert codes == [201, 201, 201, 429]
    refused = rate(dossiers[3], "phone-99", "203.0.113.7").json()
    assert refused["field"] == "device" and "3" in refused["detail"]
    assert rate(dossiers[3], "phone-3", "198.51.100.4").status_code == 201  # another address
    assert Rating.objects.count() == 4


def test_the_per_device_limit_still_holds_and_the_address_limit_is_generous(personas, procedures, settings):
    from citydesk.ratings.services.common import ADDRESS_LIMIT_PER_HOUR, DEVICE_LIMIT_PER_HOUR

    assert (DEVICE_LIMIT_PER_HOUR, ADDRESS_LIMIT_PER_HOUR) == (10, 60)
    settings.CITYDESK_RATING_DEVICE_LIMIT_PER_HOUR = 2
    dossiers = [make_dossier(personas, procedures["birth"]) for _i in range(3)]
    device = device_key("203.0.113.7", "phone-1")
    assert device.startswith(device_key("203.0.113.7")) and len(device) <= 64
    for d in dossiers[:2]:
        rating_submit_web(dossier_code=d.code, level="satisfied", token=d.citizen_token, device=device)
    with pytest.raises(RateLimited):
        rating_submit_web(
            dossier_code=dossiers[2].code, level="satisfied", token=dossiers[2].citizen_token, device=device
        )
    assert "203.0.113.7" not in device  # never the address itself


# --- 7. The comment's length --------------------------------------------------------------------------------


def test_a_long_comment_is_refused_not_cut_and_kept(client, personas, finished_dossier):
    url = f"/danh-gia/ho-so/{finished_dossier.code}/?t={finished_dossier.citizen_token}"
    page = client.get(url).content.decode()
    box = page.split('<textarea id="id_comment"', 1)[1].split(">", 1)[0]
    assert "maxlength" not in box and f'data-max="{COMMENT_MAX}"' in box
    assert 'data-testid="comment-count"' in page and "ratings/comment.js" in page
    long = "Thủ tục nhanh, cán bộ tận tình. " * 34  # 1,088 characters
    refused = client.post(url, {"level": "satisfied", "comment": long, "t": finished_dossier.citizen_token})
    html = refused.content.decode()
    assert refused.status_code == 400 and not Rating.objects.exists()
    assert 'id="err-comment"' in html and long.strip() in html  # said, and what was typed is kept


def test_spaces_and_line_breaks_count_as_the_page_counts_them():
    """comment.js counts the text as stored: each run of spaces and line breaks one space, none at the ends."""
    assert clean_comment("  a \r\n\r\n b  ") == "a b"
    clean_comment("x \r\n " * (COMMENT_MAX // 2))  # 999 characters once stored: accepted
    with pytest.raises(DomainError):
        clean_comment("xy \r\n " * (COMMENT_MAX // 3 + 1))
    script = (settings_static() / "ratings" / "comment.js").read_text()
    assert 'replace(/\\s+/g, " ").trim()' in script and 'normalize("NFC")' in script


def test_the_rating_pages_share_one_word_for_the_comment(
    client, personas, finished_dossier, open_transaction
):
    label = pgettext("rating", "Comment (optional)")
    online = client.get(f"/danh-gia/ho-so/{finished_dossier.code}/?t={finished_dossier.citizen_token}")
    by_code = client.get("/danh-gia/ma/")
    for page in (online, by_code):
        assert f'<label for="id_comment">{label}</label>' in page.content.decode()


# --- 8. The import page and command ---------------------------------------------------------------------------


def test_importing_again_says_the_counts_were_replaced(client, personas):
    client.force_login(personas.admin)
    data = xlsx_bytes([["2019-01", "26743", "kiosk", 10, 1, 0], ["2019-02", "26740", "web", 5, 0, 0]])

    def post() -> str:
        upload = io.BytesIO(data)
        upload.name = "lich-su.xlsx"
        return client.post("/danh-gia/nhap/", {"file": upload}).content.decode()

    first = post()
    assert 'data-testid="import-done"' in first and 'data-testid="import-replaced"' not in first
    assert "01/2019 – 02/2019" in first and "UBND Phường Bến Thành (26743)" in first
    again = post()
    assert (
        'data-testid="import-replaced"' in again and "01/2019 – 02/2019" in again.split("import-replaced")[1]
    )
    assert RatingMonth.objects.get(unit=personas.ward).satisfied == 10  # replaced, not added
    page = client.get("/danh-gia/nhap/").content.decode()
    hint = page.split('data-testid="import-columns"', 1)[1].split("</p>", 1)[0]
    assert "mm/yyyy" in hint and "yyyy-mm" in hint and "2019" in hint


def test_a_missing_column_is_named_in_vietnamese_on_the_page(client, personas):
    client.force_login(personas.admin)
    upload = io.BytesIO(xlsx_bytes([["2019-01", "26743"]], ["month", "unit"]))
    upload.name = "thieu.xlsx"
    html = client.post("/danh-gia/nhap/", {"file": upload}).content.decode()
    assert "<td>kênh (channel)</td>" in html and "<td>channel</td>" not in html


def test_a_csv_not_in_utf8_says_how_to_save_it(personas, tmp_path):
    path = tmp_path / "cp1258.csv"
    path.write_bytes(b"Th\xe1ng,M\xe3 \xf0\xf4n v\xec\n2019-01,26743\n")  # Windows-1258 bytes
    with pytest.raises(DomainError) as refused:
        ratings_import(user=personas.admin, file=path)
    assert "CSV UTF-8" in refused.value.message and refused.value.field == "file"
    with pytest.raises(CommandError) as cli:
        call_command("import-ratings", str(path))
    text = str(cli.value)
    assert "CSV UTF-8" in text and str(path) in text
    assert "field" not in text and "trường" not in text  # no “(trường: file)”


def test_the_command_says_what_it_replaced(personas, tmp_path):
    path = write_csv(tmp_path / "a.csv", [["2019-01", "26743", "kiosk", 1, 0, 0, "", ""]])
    call_command("import-ratings", str(path), stdout=io.StringIO())
    out = io.StringIO()
    call_command("import-ratings", str(path), stdout=out)
    assert "01/2019" in out.getvalue() and "26743" in out.getvalue().split("\n")[-2]


# --- 9. The statistics page's notes ---------------------------------------------------------------------------


def test_the_rounding_note_shows_only_with_shares(client, personas, hcmc_2019):
    client.force_login(personas.leader)
    empty = client.get("/danh-gia/thong-ke/", {"from": "01/2021", "to": "02/2021"}).content.decode()
    assert 'data-testid="rounding-note"' not in empty
    full = client.get("/danh-gia/thong-ke/", {"from": "01/2019", "to": "12/2019"}).content.decode()
    assert 'data-testid="rounding-note"' in full
    assert 'data-testid="month-hint"' in full and 'aria-describedby="month-hint"' in full


# --- In a browser, on a 390 px phone -------------------------------------------------------------------------

from tests.browser.conftest import chromium  # noqa: E402, F401  (the Playwright fixture, for this module too)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(chromium, live_server):  # noqa: F811
    from tests.browser.conftest import TIMEOUT_MS

    context = chromium.new_context(
        base_url=live_server.url,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport=PHONE,
        has_touch=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


def signed_in(phone: Any, username: str) -> Any:
    from tests.browser.helpers import log_in

    tab = phone.new_page()
    log_in(tab, username, f"pw-{username}")
    return tab


BOX = "(selector) => { const b = document.querySelector(selector).getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; }"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_full_screen_button_leaves_the_officers_name_clear(phone, live_server, personas):
    from tests.ratings.kiosks import playwright_kiosk_cookie

    secret = pair_kiosk(KIOSK, personas.ward)
    desk_transaction_open(user=personas.officer, unit=personas.ward, kiosk=KIOSK)
    phone.add_cookies([playwright_kiosk_cookie(live_server.url, KIOSK, secret)])
    tab = phone.new_page()
    tab.goto(f"/danh-gia/quay/{KIOSK}/")
    tab.wait_for_selector("[data-testid=kiosk-officer]")
    if not tab.evaluate("() => document.fullscreenEnabled"):
        pytest.skip("this browser offers no full screen: the button stays hidden")
    tab.wait_for_selector("#kiosk-fullscreen", state="visible")
    button, name = tab.evaluate(BOX, "#kiosk-fullscreen"), tab.evaluate(BOX, "[data-testid=kiosk-officer]")
    apart = name[1] >= button[3] or name[3] <= button[1] or name[0] >= button[2] or name[2] <= button[0]
    assert apart, (button, name)
    assert name[1] >= 0  # the top of the screen is not cut off above the window


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_totals_card_has_no_rules_inside(phone, personas):
    ratings_import(user=personas.admin, rows=rows(("2019-03", "26743", "kiosk", 90, 7, 3)))
    tab = signed_in(phone, "leader")
    tab.goto("/danh-gia/thong-ke/?from=01/2019&to=12/2019")
    widths = tab.evaluate(
        """() => [...document.querySelectorAll('tfoot tr.totals td')].filter(td => !td.classList.contains('n-total'))
             .map(td => getComputedStyle(td).borderTopWidth)"""
    )
    assert widths and set(widths) == {"0px"}, widths
    assert tab.get_by_test_id("rounding-note").is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_desks_kiosk_choice_is_not_cut(phone, personas):
    tab = signed_in(phone, "officer")
    tab.goto("/danh-gia/giao-dich/")
    text_width, room = tab.evaluate(
        """() => {
          const select = document.getElementById('id_kiosk');
          const style = getComputedStyle(select);
          const ctx = document.createElement('canvas').getContext('2d');
          ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
          const text = select.options[select.selectedIndex].text;
          const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 24;
          return [ctx.measureText(text).width, room];
        }"""
    )
    assert text_width <= room, (text_width, room)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_comment_box_counts_what_is_left_and_keeps_a_long_comment(phone, personas, procedures):
    dossier = make_dossier(personas, procedures["birth"])
    tab = phone.new_page()
    tab.goto(f"/danh-gia/ho-so/{dossier.code}/?t={dossier.citizen_token}")
    counter = tab.get_by_test_id("comment-count")
    tab.fill("#id_comment", "Nhanh gọn")
    assert "991" in counter.inner_text() and "over" not in (counter.get_attribute("class") or "")
    long = "Cán bộ hướng dẫn tận tình, thủ tục nhanh. " * 26  # over 1,000 characters
    tab.fill("#id_comment", long)
    too_many = len(long.strip()) - COMMENT_MAX
    assert "over" in counter.get_attribute("class") and str(too_many) in counter.inner_text()
    assert len(tab.input_value("#id_comment")) == len(long)  # nothing cut by the browser
    with tab.expect_navigation():
        tab.get_by_test_id("level-satisfied").click()
    assert tab.locator("#err-comment").is_visible()
    assert tab.input_value("#id_comment").strip() == long.strip()
    assert not Rating.objects.exists()


def test_browsers_behind_one_address_share_only_the_address_limit(personas, procedures, settings):
    """A browser sends no device id: the ten-an-hour device limit must not become ten an hour for a whole
    carrier or office address; the address limit (here 12) is what counts them."""
    settings.CITYDESK_RATING_DEVICE_LIMIT_PER_HOUR = 10
    settings.CITYDESK_RATING_ADDRESS_LIMIT_PER_HOUR = 12
    dossiers = [make_dossier(personas, procedures["birth"]) for _i in range(13)]
    browser = device_key("203.0.113.7")
    for d in dossiers[:12]:
        rating_submit_web(dossier_code=d.code, level="satisfied", token=d.citizen_token, device=browser)
    with pytest.raises(RateLimited, match="12"):
        rating_submit_web(
            dossier_code=dossiers[12].code,
            level="satisfied",
            token=dossiers[12].citizen_token,
            device=browser,
        )
    assert Rating.objects.filter(channel="web").count() == 12
