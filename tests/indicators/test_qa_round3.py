"""What a QA round on the demo found on the indicator pages, the API and the commands (fix3-ind)."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from citydesk.indicators import anomalies, imports, panels, services
from citydesk.indicators.models import (
    DataValue,
    Direction,
    Finding,
    FindingState,
    Indicator,
    IndicatorGroup,
    Submission,
    SubmissionState,
)
from citydesk.ioc.panels import Bar, BarChart
from tests.indicators.entry_fixtures import make_catalog
from tests.indicators.test_anomalies import seasonal
from tests.indicators.test_dashboards import (
    GROUP,
    PERIOD,
    SUMMARY,
    data,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.django_db


# --- 1. The explanation given at submission stays with the value it explains ------------------------


@pytest.fixture
def history(personas):
    """Six years of a seasonal monthly series for the ward, entered by the ward (the group G1)."""
    group = IndicatorGroup.objects.create(code="G1", name="Thương mại", position=1)
    retail = Indicator.objects.create(
        group=group, code="RETAIL", name="Tổng mức bán lẻ", unit_of_measure="tỷ đồng", position=1
    )
    retail.reporting_units.set([personas.ward])
    v = seasonal(75)
    DataValue.objects.bulk_create(
        DataValue(
            indicator=retail,
            unit=personas.ward,
            period_type="M",
            period=date(2020 + k // 12, k % 12 + 1, 1),
            value=float(v[k]),
        )
        for k in range(74)  # up to February 2026
    )
    return retail, int(v[74] * 10)  # March 2026: ten times the usual level


def test_the_explanation_at_submission_goes_onto_the_finding_and_the_review_marks_the_value(
    client, personas, history
):
    retail, abnormal = history
    form = reverse("indicators_entry:form", args=["G1", "26743", "2026-03"])
    client.force_login(personas.officer)
    warned = client.post(form, {"v_RETAIL": str(abnormal), "action": "submit"})
    assert warned.status_code == 400 and b'data-testid="warnings"' in warned.content
    done = client.post(
        form,
        {
            "v_RETAIL": str(abnormal),
            "action": "submit_anyway",
            "explanation": "Khai trương trung tâm thương mại",
        },
    )
    assert done.status_code == 302
    assert Submission.objects.get().state == SubmissionState.SUBMITTED

    (finding,) = Finding.objects.filter(indicator=retail, period=date(2026, 3, 1))
    assert finding.state == FindingState.EXPLAINED and finding.value == abnormal
    assert finding.resolution == "Khai trương trung tâm thương mại" and finding.method == "seasonal"
    assert "10" in finding.explanation or "9,9" in finding.explanation  # "bằng 10,0 lần mức thường thấy…"
    assert [e.state_to for e in finding.events.all()] == ["flagged", "explained"]

    # The batch scan finds it already explained: no second finding, no flagged one.
    anomalies.scan(indicator_codes=["RETAIL"])
    (again,) = Finding.objects.filter(indicator=retail, period=date(2026, 3, 1))
    assert again.pk == finding.pk and again.state == FindingState.EXPLAINED

    client.force_login(personas.leader)  # approves the ward's reports
    html = client.get(reverse("indicators_entry:review", args=["G1", "26743", "2026-03"])).content.decode()
    assert 'data-testid="flag-RETAIL"' in html and 'data-testid="flag-row-RETAIL"' in html
    assert "Khai trương trung tâm thương mại" in html


def test_a_report_submitted_before_findings_kept_explanations_is_still_marked(client, personas, history):
    """Reports submitted with an explanation before this change have no finding: the review checks the
    values again and marks the ones the unit was warned about."""
    _retail, abnormal = history
    services.values_set_many(
        user=personas.officer, unit_code="26743", period="2026-03", values={"RETAIL": abnormal}
    )
    submission = Submission.objects.get()
    Submission.objects.filter(pk=submission.pk).update(state=SubmissionState.SUBMITTED, note="Khai trương")
    client.force_login(personas.leader)
    html = client.get(reverse("indicators_entry:review", args=["G1", "26743", "2026-03"])).content.decode()
    assert 'data-testid="flag-RETAIL"' in html


# --- 2. Officers see and explain their unit's findings; the refusal names the indicators -------------


def test_officers_see_and_explain_their_units_findings(client, personas, data):  # noqa: F811
    finding = data["finding"]
    data["retail"].reporting_units.set([personas.ward, personas.other_ward])
    client.force_login(personas.officer)
    refused = client.get(SUMMARY, {"period": PERIOD})
    html = refused.content.decode()
    assert refused.status_code == 403
    message = re.search(r'data-testid="forbidden">([^<]*)<', html).group(1)
    assert "chỉ tiêu" in message.lower() or "indicator" in message.lower()  # the indicators, …
    assert "điều hành" not in message.lower() and "operations" not in message.lower()  # … not the IOC
    assert 'data-testid="findings-link"' in html
    assert reverse("indicators_entry:findings") in html

    choose = client.get(reverse("indicators_entry:choose")).content.decode()
    assert 'data-testid="findings-waiting"' in choose

    page = client.get(reverse("indicators_entry:findings"))
    html = page.content.decode()
    assert page.status_code == 200 and f'data-testid="finding-{finding.pk}"' in html
    assert f'data-testid="action-explain-{finding.pk}"' in html
    assert f'data-testid="action-close-{finding.pk}"' not in html  # a supervisor's move

    url = reverse("indicators:finding_action", args=[finding.pk, "explain"])
    back = reverse("indicators_entry:findings")
    response = client.post(url, {"note": "Khai trương siêu thị", "version": 1, "next": back})
    assert response.status_code == 302 and response["Location"].startswith(back)
    finding.refresh_from_db()
    assert finding.state == FindingState.EXPLAINED and finding.resolution == "Khai trương siêu thị"

    client.force_login(personas.outsider)  # another ward's officer: not their unit's
    assert f'data-testid="finding-{finding.pk}"' not in client.get(back).content.decode()
    client.force_login(personas.citizen)
    assert client.get(back).status_code == 403


# --- 16. Only the moves the finding's state allows ----------------------------------------------------


def test_only_the_moves_the_state_allows_are_offered(client, personas, data):  # noqa: F811
    finding = data["finding"]
    client.force_login(personas.head)
    html = client.get(GROUP, {"period": PERIOD}).content.decode()
    assert f'data-testid="action-explain-{finding.pk}"' in html
    # "Corrected" only once the value was changed: while it is the value found unusual, no such button.
    assert f'data-testid="action-correct-{finding.pk}"' not in html
    assert f'data-testid="action-close-{finding.pk}"' not in html
    DataValue.objects.filter(
        indicator=finding.indicator, unit=finding.unit, period_type="M", period=finding.period
    ).update(value=30)
    html = client.get(GROUP, {"period": PERIOD}).content.decode()
    for action in ("explain", "correct"):
        assert f'data-testid="action-{action}-{finding.pk}"' in html
    assert f'data-testid="hint-{finding.pk}"' in html  # what has to happen first
    finding.state, finding.version = FindingState.EXPLAINED, 2
    finding.save()
    html = client.get(GROUP, {"period": PERIOD}).content.decode()
    assert f'data-testid="action-close-{finding.pk}"' in html
    assert f'data-testid="action-reopen-{finding.pk}"' in html
    assert f'data-testid="action-explain-{finding.pk}"' not in html


# --- 14, 15. No "=" without a comparison; rates change by points -------------------------------------


@pytest.mark.usefixtures("reports_sent")
def test_no_arrow_without_a_value_to_compare_and_rates_change_by_points(personas):
    assert panels.arrow(None) == "" and panels.arrow(0.01) == "=" and panels.arrow(2) == "▲"
    group = IndicatorGroup.objects.create(code="LAB", name="Lao động")
    rate = Indicator.objects.create(
        group=group,
        code="UNEMP",
        name="Tỷ lệ thất nghiệp",
        unit_of_measure="%",
        over_units="avg",
        over_time="avg",
        direction=Direction.DOWN,
    )
    count = Indicator.objects.create(
        group=group, code="FIRMS", name="Doanh nghiệp", unit_of_measure="doanh nghiệp"
    )
    for day, value in ((date(2026, 2, 1), 7.7), (date(2026, 3, 1), 7.8)):
        DataValue.objects.create(indicator=rate, unit=personas.ward, period_type="M", period=day, value=value)
    DataValue.objects.create(
        indicator=count, unit=personas.ward, period_type="M", period=date(2026, 3, 1), value=5
    )
    rate_card, count_card = panels.cards(
        [rate, count], [personas.ward.pk], "M", date(2026, 3, 1), sparks=False
    )
    assert rate_card.change_text == "▲ +0,1 điểm phần trăm"  # not "▲ +1,3%"
    assert rate_card.tone_previous == "bad"  # unemployment up
    assert count_card.change_text == "—" and "=" not in count_card.yoy_text  # nothing to compare with
    with translation.override("en"):
        assert rate_card.change_text == "▲ +0.1 points"


# --- 17. Labels of the entry inputs ------------------------------------------------------------------


def test_every_entry_input_has_a_label(client, personas):
    make_catalog(personas)
    client.force_login(personas.officer)
    html = client.get(reverse("indicators_entry:form", args=["G01", "26743", "2026-03"])).content.decode()
    for code in ("REV", "FIRMS"):
        for kind in ("v", "c"):
            assert re.search(rf'<label class="visually-hidden" for="{kind}-{code}">[^<]*{code}', html), (
                kind,
                code,
            )
            assert f'id="{kind}-{code}" name="{kind}_{code}"' in html


# --- 18. English pages: one number format, the findings' too -----------------------------------------


def test_english_pages_write_the_findings_numbers_the_english_way(client, personas, data):  # noqa: F811
    Finding.objects.filter(pk=data["finding"].pk).update(value=14500, expected=1370)
    client.force_login(personas.leader)
    html = client.get(GROUP, {"period": PERIOD}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    explanation = re.search(r'data-testid="explanation-\d+">([^<]*)<', html).group(1)
    assert "14,500" in explanation and "billion VND" in explanation and "14.500" not in explanation
    vi = client.get(GROUP, {"period": PERIOD}).content.decode()
    assert "14.500 tỷ đồng" in vi


# --- 8, 9. The import page's error table and a file that is not a workbook ---------------------------


def test_import_errors_read_error_and_a_fake_workbook_is_refused_in_plain_words(client, personas):
    make_catalog(personas)
    client.force_login(personas.officer)
    url = reverse("indicators_entry:import")
    bad = SimpleUploadedFile("v.csv", b"indicator,unit,period,value\nREV,26743,2026-03,abc\n")
    html = client.post(url, {"kind": "values", "file": bad}).content.decode()
    assert "<th>Lỗi</th>" in html and "Nội dung phản ánh" not in html
    fake = SimpleUploadedFile("fake.xlsx", b"this is not a workbook at all")
    response = client.post(url, {"kind": "values", "file": fake})
    html = response.content.decode()
    assert response.status_code == 400 and 'data-testid="error-file"' in html
    assert "zip" not in html.lower()


# --- 20. The import names the report's real state -----------------------------------------------------


def test_import_into_an_approved_report_says_approved(personas):
    make_catalog(personas)
    services.values_set_many(
        user=personas.officer, unit_code="26743", period="2026-03", values={"REV": 1, "FIRMS": 2}
    )
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period="2026-03")
    services.submission_approve(user=personas.leader, group_code="G01", unit_code="26743", period="2026-03")
    rows = b"indicator,unit,period,value\nREV,26743,2026-03,5\n"
    with pytest.raises(imports.ImportRejected) as info:
        imports.values_import(user=personas.officer, file=rows, filename="v.csv")
    (error,) = info.value.errors
    assert str(SubmissionState.APPROVED.label).lower() in error.message
    assert str(SubmissionState.SUBMITTED.label).lower() not in error.message


# --- 10. The commands speak the site's language -------------------------------------------------------


def test_indicator_commands_name_their_counts(personas, history):
    out = StringIO()
    with translation.override("en"):
        call_command("scan-indicators", stdout=out)
        call_command("indicator-reminders", stdout=out)
        call_command("indicators-daily", "--schedule", stdout=out)
    text = out.getvalue()
    assert "series checked: 1;" in text and "abnormal values found:" in text and "series=" not in text
    assert re.search(r"Reminded \d+ late reports?\.", text) and "(s)" not in text
    assert "Daily indicator work scheduled." in text
    out = StringIO()
    call_command("rebuild-indicator-totals", stdout=out)  # the test run's language: Vietnamese
    assert re.search(r"\d+,\d giây", out.getvalue()) and not re.search(r"\d+\.\d giây", out.getvalue())


# --- 12. The longest bar leaves room for its value -----------------------------------------------------


def test_the_longest_bar_leaves_room_for_its_value():
    bars = [
        Bar(1, "Phường Bến Thành", 2924.3, "2.924,3 tỷ đồng"),
        Bar(2, "Phường Sài Gòn", 800, "800,0 tỷ đồng"),
    ]
    chart = BarChart("Theo đơn vị", bars).layout()
    longest = chart.bars[0]
    room = chart.width - (longest.x + longest.width)
    assert room >= len(longest.text) * 6.5  # 12 px text: about 6,5 px a character
    assert chart.narrow_width - longest.narrow_width >= len(longest.text) * 6.5
    english = BarChart("By unit", [Bar(1, "Ben Thanh", 2924.3, "2,924.3 billion VND")]).layout()
    assert english.width - (english.bars[0].x + english.bars[0].width) >= len("2,924.3 billion VND") * 6.5


def test_the_moves_offered_cost_no_queries_per_unit(client, personas, data):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas.leader)
    with CaptureQueriesContext(connection) as one:
        client.get(GROUP, {"period": PERIOD})
    other = Finding.objects.get(pk=data["finding"].pk)
    other.pk, other.unit = None, personas.other_ward
    other.save()
    with CaptureQueriesContext(connection) as two:
        html = client.get(GROUP, {"period": PERIOD}).content.decode()
    assert f'id="finding-title-{other.pk}"' in html  # listed (a leader no longer explains for the unit)
    assert len(two) == len(one), [q["sql"][:100] for q in two.captured_queries]
