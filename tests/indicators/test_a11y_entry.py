"""Indicator entry and review for keyboard and screen-reader users (QA-A11Y-2, part I and E2).

I1 "Submit anyway" with no explanation names the explanation as the field at fault; I2 error summaries
focused and linked to the inputs, the review's note error attached to the note; I3 the unit of measure,
warnings and flags describe the value input, the indicator heads its row; I4 the scroller positions the
hidden labels; I5 the progress page's period field, actions column and per-row names, and "Remind"
returns to its row; I6 a finding's note and buttons name their finding, an empty note stays on the page;
E2 English pages name the months.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import translation

from citydesk.indicators import anomaly_text, periods, services
from citydesk.indicators.models import DataValue, FindingState, Submission, SubmissionState
from tests.indicators.entry_fixtures import make_catalog
from tests.indicators.test_dashboards import data  # noqa: F401 (the fixture)
from tests.indicators.test_qa_round3 import history  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db
P = "2026-03"


class _Page(HTMLParser):
    """The start tags of a page: every element with its attributes, and those with an id by id."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.by_id: dict[str, dict[str, str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        values["_tag"] = tag
        self.elements.append((tag, values))
        if "id" in values:
            self.by_id[values["id"]] = values


def parse(response: Any) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page


def described_by(page: _Page, element_id: str) -> list[str]:
    """The ids `aria-describedby` names on an element; each must be on the page."""
    ids = page.by_id[element_id].get("aria-describedby", "").split()
    missing = [i for i in ids if i not in page.by_id]
    assert not missing, f"#{element_id} is described by ids not on the page: {missing}"
    return ids


def summary(response: Any) -> tuple[dict[str, str], list[str]]:
    """The error summary's attributes and the anchors its links lead to."""
    html = response.content.decode()
    page = parse(response)
    attrs = page.by_id["error-summary"]
    block = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, flags=re.S)
    assert block, html
    return attrs, re.findall(r'<a href="#([^"]+)"', block.group(1))


def assert_focused(attrs: dict[str, str]) -> None:
    assert attrs["tabindex"] == "-1" and "autofocus" in attrs, attrs


@pytest.fixture
def cat(personas):
    return make_catalog(personas)


# --- I1: "Submit anyway" with an empty explanation --------------------------------------------------


@pytest.mark.parametrize("explanation", ["", "   "])
def test_submit_anyway_without_an_explanation_names_the_explanation(client, personas, history, explanation):  # noqa: F811
    _retail, abnormal = history
    form = reverse("indicators_entry:form", args=["G1", "26743", P])
    client.force_login(personas.officer)
    warned = client.post(form, {"v_RETAIL": str(abnormal), "action": "submit"})
    assert warned.status_code == 400
    first = parse(warned)
    assert "aria-invalid" not in first.by_id["explanation"]  # nothing wrong with it yet
    assert first.by_id["explanation"].get("aria-required") == "true"

    page = client.post(
        form, {"v_RETAIL": str(abnormal), "action": "submit_anyway", "explanation": explanation}
    )
    assert page.status_code == 400
    assert Submission.objects.get().state == SubmissionState.DRAFT  # nothing submitted
    html = page.content.decode()
    elements = parse(page)
    box = elements.by_id["explanation"]
    assert box["aria-invalid"] == "true" and box.get("aria-required") == "true"
    assert described_by(elements, "explanation") == ["err-explanation"]
    assert 'data-testid="error-explanation"' in html
    attrs, links = summary(page)
    assert_focused(attrs)
    assert links[0] == "explanation" and "v-RETAIL" in links
    # The label says the explanation is required.
    label = re.search(r'<label for="explanation">(.*?)</label>', html, flags=re.S).group(1)
    assert 'class="required"' in label
    # The answer differs from the first warning: a second "submit anyway" is not the same page again.
    assert "err-explanation" not in warned.content.decode()

    done = client.post(
        form, {"v_RETAIL": str(abnormal), "action": "submit_anyway", "explanation": "Khai trương siêu thị"}
    )
    assert done.status_code == 302 and Submission.objects.get().state == SubmissionState.SUBMITTED


def test_a_refused_submission_keeps_the_typed_explanation(client, personas, history):  # noqa: F811
    _retail, abnormal = history
    form = reverse("indicators_entry:form", args=["G1", "26743", P])
    client.force_login(personas.officer)
    page = client.post(
        form,
        {"v_RETAIL": str(abnormal), "action": "submit_anyway", "explanation": "Lễ hội", "version": "99"},
    )
    assert page.status_code == 409
    assert ">Lễ hội</textarea>" in page.content.decode()


# --- I2: summaries focused and linked; invalid inputs marked ------------------------------------------


def test_a_refused_save_focuses_a_summary_linked_to_the_rows(client, personas, cat):
    client.force_login(personas.officer)
    form = reverse("indicators_entry:form", args=["G01", "26743", P])
    page = client.post(form, {"v_REV": "abc", "v_FIRMS": "3", "action": "save"})
    assert page.status_code == 400 and DataValue.objects.count() == 0
    attrs, links = summary(page)
    assert_focused(attrs)
    assert attrs["role"] == "alert"
    assert links == ["v-REV"]
    elements = parse(page)
    assert elements.by_id["v-REV"]["aria-invalid"] == "true"
    assert "error-REV" in described_by(elements, "v-REV")
    assert "aria-invalid" not in elements.by_id["v-FIRMS"]
    # One alert: the summary; the row's own error is its input's description.
    assert elements.by_id["error-REV"].get("role") != "alert"
    # Only one element takes the focus on load.
    assert sum(1 for _t, a in elements.elements if "autofocus" in a) == 1


def test_returning_without_a_note_attaches_the_error_to_the_note(client, personas, cat):
    services.values_set_many(
        user=personas.officer, unit_code="26743", period=P, values={"REV": "100", "FIRMS": "12"}
    )
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    client.force_login(personas.leader)
    review = reverse("indicators_entry:review", args=["G01", "26743", P])
    assert "aria-invalid" not in parse(client.get(review)).by_id["note"]
    page = client.post(review, {"action": "return", "note": "  ", "version": "2"})
    assert page.status_code == 400
    elements = parse(page)
    assert elements.by_id["note"]["aria-invalid"] == "true"
    assert described_by(elements, "note") == ["err-note"]
    attrs, links = summary(page)
    assert_focused(attrs)
    assert links == ["note"]
    assert Submission.objects.get().state == SubmissionState.SUBMITTED

    stale = client.post(review, {"action": "approve", "version": "1"})  # not the note's fault
    assert stale.status_code == 409
    assert "aria-invalid" not in parse(stale).by_id["note"]
    assert_focused(summary(stale)[0])


def test_the_entry_pages_style_the_summary_and_invalid_inputs():
    css = Path(finders.find("indicators/entry.css")).read_text(encoding="utf-8")
    assert re.search(r"\.error-summary\s*\{[^}]*border:[^}]*var\(--red\)", css)
    assert re.search(r"\[aria-invalid=true\]\s*\{[^}]*border-color:\s*var\(--red\)[^}]*2px", css)
    # I4: the hidden labels are positioned against the scroller, not the page.
    assert re.search(r"\.table-scroll\s*\{[^}]*position:\s*relative", css)


# --- I3: unit of measure, warnings and flags describe the value input ----------------------------------


def test_the_value_input_is_described_by_its_unit_and_warning(client, personas, history):  # noqa: F811
    _retail, abnormal = history
    form = reverse("indicators_entry:form", args=["G1", "26743", P])
    client.force_login(personas.officer)
    plain = client.get(form)
    html = plain.content.decode()
    assert '<th scope="row">Tổng mức bán lẻ</th>' in html
    elements = parse(plain)
    assert described_by(elements, "v-RETAIL") == ["u-RETAIL"]
    assert re.search(r'<td id="u-RETAIL"[^>]*>tỷ đồng</td>', html)

    warned = client.post(form, {"v_RETAIL": str(abnormal), "action": "submit"})
    elements = parse(warned)
    assert described_by(elements, "v-RETAIL") == ["u-RETAIL", "warn-RETAIL"]
    assert 'data-testid="warn-RETAIL"' in warned.content.decode()


def test_stored_flags_describe_the_value_input(client, personas, data):  # noqa: F811
    finding = data["finding"]
    data["retail"].reporting_units.set([personas.ward])
    client.force_login(personas.officer)
    page = client.get(reverse("indicators_entry:form", args=["ECO", "26743", "2026-03"]))
    assert page.status_code == 200
    elements = parse(page)
    ids = described_by(elements, "v-RETAIL")
    assert "flags-RETAIL" in ids and "u-RETAIL" in ids
    assert finding.state == FindingState.FLAGGED


# --- I5: the progress page ---------------------------------------------------------------------------


def test_progress_period_field_actions_column_and_row_names(client, personas, cat):
    client.force_login(personas.leader)
    page = client.get(reverse("indicators_entry:progress"), {"period": "2025-01"})
    html = page.content.decode()
    elements = parse(page)
    assert elements.by_id["p-period"]["name"] == "period"
    assert '<label for="p-period">' in html
    assert described_by(elements, "p-period") == ["p-period-hint"]
    assert "Q2/2026" in re.search(r'id="p-period-hint">([^<]*)<', html).group(1)
    assert "<th></th>" not in html
    assert re.search(r'<th><span class="visually-hidden">[^<]+</span></th>', html)
    buttons = [a for t, a in elements.elements if a.get("data-testid") == "remind"]
    names = [b["aria-label"] for b in buttons]
    assert len(names) == 2 and len(set(names)) == 2  # both wards overdue, each named
    assert any("Phường Bến Thành" in n and "Kinh tế" in n for n in names)
    for name in names:  # the visible word starts the name (WCAG 2.5.3)
        assert name.startswith("Nhắc") or name.startswith("Remind")
    rows = [a for t, a in elements.elements if t == "tr" and a.get("id", "").startswith("progress-")]
    assert rows and all(r["tabindex"] == "-1" for r in rows)


def test_review_links_on_the_progress_page_name_their_report(client, personas, cat):
    services.values_set_many(
        user=personas.officer, unit_code="26743", period=P, values={"REV": "100", "FIRMS": "12"}
    )
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    client.force_login(personas.leader)
    elements = parse(client.get(reverse("indicators_entry:progress"), {"period": P}))
    (link,) = [a for t, a in elements.elements if a.get("data-testid") == "review"]
    assert "Phường Bến Thành" in link["aria-label"] and "Kinh tế" in link["aria-label"]


def test_remind_returns_to_its_row(client, personas, cat):
    client.force_login(personas.leader)
    post = client.post(
        reverse("indicators_entry:remind"), {"group": "G01", "unit": "26740", "period": "2025-01"}
    )
    assert post.status_code == 302
    assert post["Location"] == reverse("indicators_entry:progress") + "?period=2025-01#progress-G01-26740"
    page = client.get(post["Location"].split("#")[0])
    elements = parse(page)
    row = elements.by_id["progress-G01-26740"]
    assert row["tabindex"] == "-1"
    # The row says it was reminded (where the reader is, not at the top of the page).
    html = page.content.decode()
    row_html = html[html.index('id="progress-G01-26740"') :].split("</tr>")[0]
    assert 'data-testid="reminded"' in row_html
    # A refused second reminder also returns to the row.
    again = client.post(
        reverse("indicators_entry:remind"), {"group": "G01", "unit": "26740", "period": "2025-01"}
    )
    assert again.status_code == 302 and again["Location"].endswith("#progress-G01-26740")


def test_remind_keeps_a_strange_period_in_the_query(client, personas, cat):
    client.force_login(personas.leader)
    post = client.post(
        reverse("indicators_entry:remind"), {"group": "G01", "unit": "26740", "period": "2025-01&x=1#y"}
    )
    assert post.status_code in (302, 400)
    if post.status_code == 302:
        assert "&x=1" not in post["Location"] and "period=2025-01%26x%3D1%23y" in post["Location"]


# --- I6: findings: the note names its finding; an empty note stays on the page -----------------------


def test_finding_notes_and_buttons_name_their_finding(client, personas, data):  # noqa: F811
    finding = data["finding"]
    client.force_login(personas.officer)
    page = client.get(reverse("indicators_entry:findings"))
    elements = parse(page)
    title = f"finding-title-{finding.pk}"
    assert title in elements.by_id
    ids = described_by(elements, f"note-{finding.pk}")
    assert ids == [title, f"note-hint-{finding.pk}"]
    buttons = [a for t, a in elements.elements if a.get("data-testid", "").startswith("action-")]
    assert buttons and all(b["aria-describedby"] == title for b in buttons)


def test_an_empty_note_returns_to_the_finding_with_the_error_next_to_it(client, personas, data):  # noqa: F811
    finding = data["finding"]
    client.force_login(personas.officer)
    back = reverse("indicators_entry:findings")
    url = reverse("indicators:finding_action", args=[finding.pk, "explain"])
    response = client.post(url, {"note": "  ", "version": 1, "next": back})
    assert response.status_code == 302
    assert response["Location"] == f"{back}#finding-{finding.pk}"
    finding.refresh_from_db()
    assert finding.state == FindingState.FLAGGED and finding.version == 1

    page = client.get(back)
    elements = parse(page)
    note = elements.by_id[f"note-{finding.pk}"]
    assert note["aria-invalid"] == "true" and "autofocus" in note
    assert described_by(elements, f"note-{finding.pk}")[0] == f"note-error-{finding.pk}"
    assert sum(1 for _t, a in elements.elements if "autofocus" in a) == 1
    # Once: the next visit is a clean page.
    assert "aria-invalid" not in parse(client.get(back)).by_id[f"note-{finding.pk}"]


def test_an_empty_note_on_the_group_page_stays_there_too(client, personas, data):  # noqa: F811
    finding = data["finding"]
    client.force_login(personas.head)
    group = "/chi-tieu-ktxh/nhom/ECO/?period=2026-03"
    url = reverse("indicators:finding_action", args=[finding.pk, "correct"])
    response = client.post(url, {"note": "", "version": 1, "next": group}, follow=True)
    assert response.redirect_chain[-1][0] == f"{group}#finding-{finding.pk}"
    assert parse(response).by_id[f"note-{finding.pk}"]["aria-invalid"] == "true"


# --- E2: English month names ----------------------------------------------------------------------------


def test_english_pages_name_the_months(client, personas, cat):
    with translation.override("en"):
        assert periods.period_label("M", date(2026, 10, 1)) == "October 2026"
        text = anomaly_text.explain_seasonal(value=300, expected=100, uom="t", month=10, unit="X")
        assert "usual level of October in X" in text
        assert "month" not in anomaly_text.explain_peer(value=3, expected=1, uom="t", month=1, unit="X")
    with translation.override("vi"):
        assert periods.period_label("M", date(2026, 10, 1)) == "Tháng 10/2026"
        assert anomaly_text.month_label(10) == "tháng 10"
    client.force_login(personas.officer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("indicators_entry:form", args=["G01", "26743", P]))
    assert "March 2026" in page.content.decode() and "Month 3/2026" not in page.content.decode()


def test_the_units_vietnamese_explanation_is_marked_on_english_pages(client, personas, history):  # noqa: F811
    """What the unit wrote is read with a Vietnamese voice on English pages (WCAG 3.1.2)."""
    _retail, abnormal = history
    form = reverse("indicators_entry:form", args=["G1", "26743", P])
    client.force_login(personas.officer)
    note = "Khai trương siêu thị mới trong tháng"
    sent = client.post(form, {"v_RETAIL": str(abnormal), "action": "submit_anyway", "explanation": note})
    assert sent.status_code == 302
    for user, path in (
        (personas.officer, form),
        (personas.leader, reverse("indicators_entry:review", args=["G1", "26743", P])),
    ):
        client.force_login(user)
        english = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert re.search(rf'lang="vi">[^<]*{note}', english), path
        vietnamese = client.get(path, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
        assert not re.search(rf'lang="vi">[^<]*{note}', vietnamese), path
