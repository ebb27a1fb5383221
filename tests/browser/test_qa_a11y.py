"""Accessibility audit (WCAG 2.1 AA) in a real browser, keyboard only where a person would use it:

- G1: the first Tab shows "skip to main content"; Enter puts the focus on the page's main region;
- B1: a refused follow or rating on the tracking page opens with the focus on the list of problems, with
  or without JavaScript, and "Lỗi: " before the title;
- C1/C2: at 360 px the queue's "select all" is on screen and works, no Tab stop is off the screen, and a
  refused bulk assignment puts the focus on its error;
- G2/G3: form fields' borders and the focus ring have 3:1 contrast against what surrounds them (computed
  styles, on white, on the page background and on the blue bar);
- G4: the language buttons' accessible names begin with the text they show.

Part 2 (QA-A11Y-2.md), the hotline console:
- H1: after a save, the code is announced, starts the title, describes the phone field, and stays on screen
  at 200 % while the phone field has the focus;
- H2: the ward is typed, accents optional (a select's type-ahead picked another ward), with suggestions
  refilled for the chosen province;
- H4/H5: the suggestions' live region names the top category; with them the form fits 360 px.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from citydesk.reports.models import Report
from citydesk.reports.services import report_submit, report_transition
from tests.browser.helpers import log_in
from tests.browser.test_reports import expect, focused
from tests.reports.conftest import (
    BEN_THANH,
    categories,  # noqa: F401  (the fixture from tests/reports, used below)
)
from tests.reports.test_suggest import _train as train_routing
from tests.reports.test_suggest import (
    city,  # noqa: F401  (the fixture from tests/reports, used below)
    make_reports,
)

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("categories"),
]

PHONE = {"width": 360, "height": 740}

# WCAG contrast of two "rgb(…)"/"rgba(…)" colours; a translucent one is laid over the other first.
CONTRAST_JS = """
const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
  const p = m[1].split(',').map(s => parseFloat(s)); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
const lum = (c) => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
  return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
// The colour behind an element: the first ancestor's background that is not transparent.
const behind = (el) => { let bg = [255, 255, 255, 1]; const layers = [];
  for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
  for (const layer of layers.reverse()) bg = over(layer, bg); return bg; };
"""
# For a field: [id, ratio of its border to the colour behind the field, ratio to white].
BORDER_CONTRAST = (
    "(selector) => {"
    + CONTRAST_JS
    + """
  return Array.from(document.querySelectorAll(selector)).filter(e => e.offsetParent !== null).map(e => {
    const border = parse(getComputedStyle(e).borderTopColor);
    const outside = behind(e.parentElement);
    return [e.id || e.name, ratio(over(border, outside), outside), ratio(over(border, [255, 255, 255, 1]), [255, 255, 255, 1])];
  });
}"""
)
# For the focused element: the best contrast of a colour of its focus ring (outline, box-shadow rings)
# against the colour behind it, and that colour.
FOCUS_RING_CONTRAST = (
    "() => {"
    + CONTRAST_JS
    + """
  const el = document.activeElement; const style = getComputedStyle(el);
  const outside = behind(el.parentElement);
  const rings = [];
  if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) rings.push(parse(style.outlineColor));
  for (const m of (style.boxShadow || '').matchAll(/rgba?\\([^)]+\\)/g)) rings.push(parse(m[0]));
  const ratios = rings.filter(Boolean).map(c => ratio(over(c, outside), outside));
  return [ratios.length ? Math.max(...ratios) : 0, outside.slice(0, 3), el.tagName + (el.id ? '#' + el.id : '')];
}"""
)
# Every element that took the focus while tabbing through the whole page, off the screen or invisible.
OFF_SCREEN_FOCUS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const r = e.getBoundingClientRect();
  const doc = document.documentElement;
  const left = r.left + window.scrollX, top = r.top + window.scrollY;
  const visible = e.checkVisibility ? e.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) : true;
  const onPage = r.width > 0 && r.height > 0 && left + r.width > 0 && top + r.height > 0
    && left < doc.scrollWidth && top < doc.scrollHeight;
  return (visible && onPage) ? null : e.tagName + '#' + e.id + ' ' + [left, top, r.width, r.height].join(',');
}"""


def _report(**kwargs: Any) -> Report:
    data = {
        "category": "road_damage",
        "description": "Ổ gà sâu trước chợ Bến Thành",
        "channel": "web",
        "lon": BEN_THANH[0],
        "lat": BEN_THANH[1],
        "contact_email": "dan@example.vn",
    } | kwargs
    return report_submit(**data).report


def _unexpected(traffic: Traffic) -> list[str]:
    """The page's problems but the refusal (HTTP 400) the test asked for."""
    return [p for p in traffic.problems() if not p.startswith("failed response: 400 ")]


def _vi(message: str) -> str:
    with translation.override("vi"):
        return gettext(message)


# --- G1: skip link -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/phan-anh/moi/"])
def test_first_tab_shows_the_skip_link_and_enter_moves_to_main(
    page: Any, traffic: Traffic, screenshot_dir: Path, path: str
) -> None:
    page.goto(path)
    link = page.locator("a.skip-to-content")
    assert not link.is_visible() or link.bounding_box()["y"] + link.bounding_box()["height"] <= 0
    page.keyboard.press("Tab")
    assert focused(page, "a.skip-to-content"), "the first Tab stop is the skip link"
    expect(link).to_have_text(_vi("Skip to main content"))
    box = link.bounding_box()
    assert box["y"] >= 0 and box["x"] >= 0 and box["height"] > 10, box  # shown on the screen
    page.screenshot(path=str(screenshot_dir / f"a11y-skip-link{path.replace('/', '-')}.png"))
    page.keyboard.press("Enter")
    assert focused(page, "main#main"), "Enter moves the focus to the main region"
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')"), "the next Tab is in the content"
    assert traffic.problems() == []


def test_skip_link_on_a_staff_page_passes_the_whole_menu(page: Any, personas: Any) -> None:
    log_in(page, "head", "pw-head")
    page.goto("/xu-ly/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')")
    assert not page.evaluate("() => !!document.activeElement.closest('header')")


# --- B1: the tracking page's refused forms -----------------------------------------------------------


def _error_title(code: str) -> str:
    with translation.override("vi"):
        return gettext("Error: %(title)s") % {"title": gettext("Report %(code)s") % {"code": code}}


def test_refused_follow_focuses_the_error_summary(page: Any, traffic: Traffic, screenshot_dir: Path) -> None:
    report = _report()
    page.goto(f"/tra-cuu/{report.code}/")
    page.locator("#id_follow_email").focus()
    page.keyboard.type("hang-xom")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_focused()  # the list of problems has the focus
    assert page.evaluate("() => window.scrollY") < 400
    assert page.title().startswith(_error_title(report.code))
    page.screenshot(path=str(screenshot_dir / "a11y-track-follow-refused.png"))
    # Its link puts the focus in the field it names (announce.js), not on the field's box.
    page.keyboard.press("Tab")
    assert focused(page, "#error-summary a[href='#field-email']")
    page.keyboard.press("Enter")
    assert focused(page, "#id_follow_email")
    assert page.get_attribute("#id_follow_email", "aria-invalid") == "true"
    assert _unexpected(traffic) == []


def test_refused_rating_focuses_the_error_summary_without_javascript(
    chromium: Any, live_server: Any, personas: Any
) -> None:
    report = _report()
    report_transition(user=personas.head, code=report.code, action="assign", assignee="officer")
    report_transition(user=personas.officer, code=report.code, action="resolve", resolution="Đã vá.")
    for javascript in (True, False):
        context = chromium.new_context(
            base_url=live_server.url,
            locale="vi-VN",
            java_script_enabled=javascript,
            viewport={"width": 1280, "height": 800},
        )
        try:
            tab = context.new_page()
            tab.goto(f"/tra-cuu/{report.code}/?t={report.citizen_token}")
            with tab.expect_navigation():
                tab.locator("#rating-form button[type=submit]").press("Enter")  # no level chosen
            tab.wait_for_load_state("load")
            expect(tab.locator("#error-summary")).to_be_focused()  # with and without JavaScript
            assert tab.title().startswith(_error_title(report.code))
            expect(tab.locator("#error-summary a[href='#field-level']")).to_have_count(1)
            assert tab.get_attribute("#field-level", "aria-describedby") == "err-level"
            assert tab.get_attribute("#level-satisfied", "aria-invalid") == "true"
        finally:
            context.close()


# --- C1/C2: the queue on a phone ----------------------------------------------------------------------


def test_select_all_is_visible_and_usable_on_a_phone(
    page: Any, traffic: Traffic, screenshot_dir: Path, personas: Any
) -> None:
    codes = [_report(description=f"Ổ gà số {i}").code for i in range(3)]
    page.set_viewport_size(PHONE)
    log_in(page, "head", "pw-head")
    page.goto("/xu-ly/")
    select_all = page.locator("#select-all")
    expect(select_all).to_be_visible()
    expect(page.locator("label[for=select-all]")).to_be_visible()
    box = select_all.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["width"] >= 24
    # Tab through the whole page: every stop is on the screen, and "select all" is one of them.
    off_screen, reached = [], False
    for _ in range(200):
        page.keyboard.press("Tab")
        problem = page.evaluate(OFF_SCREEN_FOCUS)
        if problem:
            off_screen.append(problem)
        if focused(page, "#select-all", within_ms=0):
            reached = True
            page.keyboard.press("Space")
        if focused(page, "footer *", within_ms=0) or page.evaluate(
            "() => document.activeElement === document.body"
        ):
            break
    assert off_screen == [], off_screen
    assert reached, "select all was not reached with the Tab key"
    for code in codes:
        assert page.is_checked(f"#pick-{code}"), code
    page.screenshot(path=str(screenshot_dir / "a11y-queue-select-all-360.png"), full_page=True)
    assert traffic.problems() == []


def test_refused_bulk_assignment_focuses_its_error(
    page: Any, traffic: Traffic, screenshot_dir: Path, personas: Any
) -> None:
    report = _report()
    log_in(page, "head", "pw-head")
    page.goto("/xu-ly/")
    page.check(f"#pick-{report.code}")
    with page.expect_navigation():
        page.locator("#bulk-form .bulk button[type=submit]").press("Enter")  # no officer chosen
    expect(page.locator("#error-summary")).to_be_focused()
    page.keyboard.press("Tab")
    assert focused(page, "#error-summary a[href='#bulk-assignee']")
    page.screenshot(path=str(screenshot_dir / "a11y-queue-bulk-refused.png"), full_page=True)
    page.keyboard.press("Enter")  # the link leads to the officer list itself
    assert focused(page, "#bulk-assignee")
    assert page.get_attribute("#bulk-assignee", "aria-invalid") == "true"
    assert _unexpected(traffic) == []


# --- G2/G3: contrast of fields and of the focus ring --------------------------------------------------


@pytest.mark.parametrize(
    ("path", "selector"),
    [
        ("/phan-anh/moi/", "#id_category, #id_description, #id_address, #id_contact_name"),
        ("/dang-nhap/", "#id_username, #id_password"),
        ("/tra-cuu/", "main input:not([type=hidden])"),
    ],
)
def test_field_borders_have_three_to_one_contrast(page: Any, path: str, selector: str) -> None:
    page.goto(path)
    fields = page.evaluate(BORDER_CONTRAST, selector)
    assert fields, selector
    weak = [
        (name, round(outside, 2), round(white, 2))
        for name, outside, white in fields
        if min(outside, white) < 3
    ]
    assert weak == [], weak


def test_focus_ring_has_three_to_one_contrast_on_white_and_on_the_blue_bar(page: Any) -> None:
    page.goto("/phan-anh/moi/")
    page.locator("header nav.menu a").first.focus()
    page.keyboard.press("Shift+Tab")  # the brand, on the blue bar, by the keyboard
    assert focused(page, "header a.brand")
    best, behind, what = page.evaluate(FOCUS_RING_CONTRAST)
    assert behind == [11, 79, 138] and best >= 3, (what, behind, best)
    page.locator("#id_contact_name").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # a field on a white card, by the keyboard
    assert focused(page, "#id_contact_name")
    best, behind, what = page.evaluate(FOCUS_RING_CONTRAST)
    assert behind == [255, 255, 255] and best >= 3, (what, behind, best)
    # A link on the grey page background.
    page.locator("a.skip-link").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    best, behind, what = page.evaluate(FOCUS_RING_CONTRAST)
    assert best >= 3, (what, behind, best)


# --- G4: label in name ---------------------------------------------------------------------------------


def test_language_buttons_names_contain_their_visible_text(page: Any) -> None:
    page.goto("/")
    snapshot = page.locator("header form.lang").aria_snapshot()
    names = re.findall(r'button "([^"]+)"', snapshot)
    texts = [t.strip() for t in page.locator("header form.lang button").all_inner_texts()]
    assert texts == ["VI", "EN"] and len(names) == 2, snapshot
    for text, name in zip(texts, names, strict=True):
        assert name.startswith(text), f"{text!r} is not at the start of the name {name!r}"


# --- Part 2 (QA-A11Y-2), hotline console: H1 saved code, H2 ward typed, H4/H5 suggestions ------------

ZOOM_200 = {"width": 640, "height": 400}
IN_VIEW = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
  return [Math.round(r.top), Math.round(r.bottom), window.innerHeight]; }"""


def _call(page: Any, description: str = "Ổ gà trước số 5 Lê Thánh Tôn") -> None:
    """The operator fills a call with the keyboard (the ward typed without accents) and saves it."""
    page.goto("/tong-dai/")
    # The phone field has `autofocus`, which the browser applies at its next rendering, after `load`.
    expect(page.locator("#id_contact_phone")).to_be_focused()
    page.keyboard.type("0912 345 678")
    page.locator("#id_category").select_option("road_damage")
    page.locator("#id_description").fill(description)
    page.locator("#id_ward").focus()
    page.keyboard.type("ben thanh")
    page.keyboard.press("Tab")
    assert focused(page, "#id_address")
    page.keyboard.type("5 Lê Thánh Tôn")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_saved_code_is_announced_described_and_in_view_at_200_percent(
    page: Any, traffic: Traffic, personas: Any, screenshot_dir: Path
) -> None:
    """H1: after the save, at 640 × 400 (200 %), the code stays on screen while the phone field has the
    focus for the next call; the field is described by the code, the title starts with it, and the live
    region says it after load."""
    page.set_viewport_size(ZOOM_200)
    log_in(page, "operator", "pw-operator")
    _call(page)
    code_box = page.get_by_test_id("hotline-code")
    expect(code_box).to_be_visible()
    code = code_box.inner_text().strip()
    assert Report.objects.get(code=code).ward_id == "26743"
    expect(page.locator("#hotline-announce")).to_contain_text(code)
    expect(page.locator("#id_contact_phone")).to_be_focused()  # the phone field is ready for the next call
    top, bottom, height = page.evaluate(IN_VIEW, "[data-testid=hotline-code]")
    assert top >= 0 and bottom <= height, f"the code is at {top}…{bottom} of a {height}px screen"
    assert page.title().startswith(code)
    expect(page.locator("#id_contact_phone")).to_have_accessible_description(re.compile(re.escape(code)))
    status = page.locator("#hotline-announce").aria_snapshot()
    assert re.search(rf"- status: .*{re.escape(code)}", status), status
    page.screenshot(path=str(screenshot_dir / "reports-hotline-saved-640.png"))
    # Next call: the result, its description and the title go; the phone field keeps the focus.
    page.locator("#next-call").click()
    assert focused(page, "#id_contact_phone")
    assert page.locator("#id_contact_phone").get_attribute("aria-describedby") is None
    assert not page.title().startswith(code)
    assert traffic.problems() == [], traffic.problems()


def test_ward_typed_without_accents_is_the_ward_saved(page: Any, traffic: Traffic, personas: Any) -> None:
    """H2: a select's type-ahead took "ben thanh" for "Bà Điểm (xã)"; the text field keeps what was typed
    and the server finds Bến Thành."""
    from tests.conftest import make_unit

    make_unit("26800", "Xã Bà Điểm", personas.city.admin_unit, 106.6, 10.84)
    log_in(page, "operator", "pw-operator")
    _call(page)
    code = page.get_by_test_id("hotline-code").inner_text().strip()
    report = Report.objects.get(code=code)
    assert report.ward_id == "26743" and report.unit == personas.ward
    assert traffic.problems() == [], traffic.problems()


def test_the_ward_suggestions_follow_the_province(page: Any, traffic: Traffic, personas: Any) -> None:
    """H2: choosing another province refills the ward field's suggestions (names first, the division
    word in the page's language, the unaccented search text), from the units API."""
    from tests.conftest import make_unit

    hanoi = make_unit("01", "Thành phố Hà Nội")
    make_unit("00070", "Phường Hoàn Kiếm", hanoi, 105.85, 21.03)
    for path, user in (("/tong-dai/", "operator"), ("/phan-anh/moi/", None)):
        page.context.clear_cookies()
        if user:
            log_in(page, user, "pw-" + user)
        page.goto(path)
        page.wait_for_load_state("networkidle")
        options = (
            "() => Array.from(document.querySelectorAll('#ward-list option')).map(o => [o.value, o.label])"
        )
        assert page.evaluate(options)[0] == ["Bến Thành (phường)", "ben thanh (phuong) · 26743"]
        page.locator("#id_province").select_option("01")
        page.wait_for_function("() => document.querySelector('#ward-list option').value.startsWith('Hoàn')")
        assert page.evaluate(options) == [["Hoàn Kiếm (phường)", "hoan kiem (phuong) · 00070"]], path
    assert traffic.problems() == [], traffic.problems()


@pytest.fixture
def routing_model(city: Any, settings: Any, tmp_path: Path) -> Any:  # noqa: F811  (the fixture imported above)
    """A routing model trained on past reports (as `manage.py train-routing` does), for the suggestions."""
    from citydesk.reports import suggest

    settings.DATA_DIR = tmp_path
    suggest.clear_cache()
    make_reports(city, 150)
    train_routing(jobs=1)
    yield
    suggest.clear_cache()


def test_suggestions_say_the_top_category_and_fit_a_phone(
    page: Any, traffic: Traffic, personas: Any, routing_model: Any, screenshot_dir: Path
) -> None:
    """H4: the live region names the most likely category and its likelihood; H5: with the suggestions,
    the hotline form fits a 360 px screen (a long category name, as in the demo, widened the grid)."""
    from citydesk.core.models import ServiceCategory

    ServiceCategory.objects.create(
        code="admin_service",
        domain="report",
        name="Thái độ phục vụ, thủ tục hành chính",
        name_en="Service attitude, procedures",
        handled_by="ward",
        working_days=5,
    )
    page.set_viewport_size(PHONE)
    log_in(page, "operator", "pw-operator")
    page.goto("/tong-dai/")
    expect(page.locator("#suggestions")).to_be_visible()
    page.locator("#id_description").fill("Đường bị ngập sâu sau mưa, xe chết máy")
    expect(page.locator("#suggestions-body")).to_be_visible()
    top = page.locator("#suggested-categories li span").first.inner_text()
    name = top.split(" · ")[0]
    status = page.locator("#suggestions-status")
    expect(status).to_contain_text(name)
    expect(status).to_have_text(re.compile(r"\(\d+%\)$"))
    snapshot = page.locator("#suggestions").aria_snapshot()
    assert name in snapshot.split("heading")[1], snapshot
    page.screenshot(path=str(screenshot_dir / "reports-hotline-suggest-360.png"), full_page=True)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the hotline is {width}px wide on a {PHONE['width']}px screen"
    assert traffic.problems() == [], traffic.problems()


def test_the_top_suggested_category_is_one_tab_after_the_description(
    page: Any, traffic: Traffic, personas: Any, routing_model: Any
) -> None:
    """The side panel's “Use” buttons come after “Save the report” in the tab order: the most likely
    category is offered right under the description, taken with Tab + Enter, and then gone."""
    log_in(page, "operator", "pw-operator")
    page.goto("/tong-dai/")
    quick = page.get_by_test_id("use-top-category")
    expect(quick).to_be_hidden()
    description = page.locator("#id_description")
    description.fill("Đường bị ngập sâu sau mưa, xe chết máy")
    expect(quick).to_be_visible()
    top = page.locator("#suggested-categories li span").first.inner_text().split(" · ")[0]
    expect(quick).to_contain_text(top)
    description.focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "use-top-category"
    page.keyboard.press("Enter")
    chosen = page.evaluate("() => document.querySelector('#id_category').selectedOptions[0].textContent")
    assert chosen.strip() == top
    expect(quick).to_be_hidden()
    assert page.evaluate("() => document.activeElement.id") == "id_ward"  # on to the place
    assert traffic.problems() == [], traffic.problems()


def test_a_landline_is_warned_of_while_it_is_typed(page: Any, personas: Any) -> None:
    """The operator learns that no SMS reaches the caller while the caller is still on the line, not after
    the save: the warning shows once a whole landline number is typed (in any form the server reads),
    describes the field, and goes away for a mobile number and for the next call."""
    log_in(page, "operator", "pw-operator")
    page.goto("/tong-dai/")
    phone = page.locator("#id_contact_phone")
    warning = page.get_by_test_id("landline-warning")
    expect(warning).to_be_hidden()
    phone.fill("(028) 3829 1234")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(
        _vi(
            "This is not a mobile number: it cannot receive SMS updates. Ask the caller for a mobile number or "
            "an e-mail address."
        )
    )
    expect(phone).to_have_accessible_description(re.compile("SMS"))
    phone.fill("0912 345 678")
    expect(warning).to_be_hidden()
    expect(phone).not_to_have_accessible_description(re.compile("SMS"))
    phone.fill("+84 28 3829 1234")  # the international form of the same landline
    expect(warning).to_be_visible()
    phone.fill("091234")  # a mobile number being typed is not warned of
    expect(warning).to_be_hidden()
