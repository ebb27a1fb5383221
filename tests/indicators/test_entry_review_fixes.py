"""What a ward statistics officer and the ward head found on the entry, import, review and findings pages:
a plan column read as values, numbers guessed, "corrected" without a correction, stale flags, the return
reason shown as the unit's explanation, nobody told of a return or a submission, no way to take a sent
report back, the submit check titled as an error, the reminder button after a reminder, and the rest."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from citydesk.core.errors import Conflict, DomainError, NotAllowed
from citydesk.core.models import AuditEntry
from citydesk.indicators import imports, services
from citydesk.indicators.findings import finding_transition
from citydesk.indicators.models import (
    DataValue,
    Finding,
    FindingState,
    IndicatorGroup,
    Plan,
    Submission,
    SubmissionState,
)
from citydesk.notifications.models import Notification
from tests.indicators.entry_fixtures import make_catalog
from tests.indicators.test_qa_round3 import history  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
P = "2026-03"
IMPORT = "/chi-tieu-ktxh/nhap/tai-len/"


@pytest.fixture
def cat(personas):
    return make_catalog(personas)


def form_url(group="G01", period=P) -> str:
    return reverse("indicators_entry:form", args=[group, "26743", period])


def review_url(group="G01", period=P) -> str:
    return reverse("indicators_entry:review", args=[group, "26743", period])


def xlsx(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, kind: str = "values", name: str = "v.xlsx"):
    return client.post(IMPORT, {"kind": kind, "file": SimpleUploadedFile(name, data)})


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- 1. A values import takes only the column of actual values -------------------------------------


@pytest.mark.parametrize("header", ["Kế hoạch", "Target", "Số liệu"])
def test_a_values_file_does_not_take_a_plan_column_as_its_values(personas, cat, header):
    data = xlsx(["Mã chỉ tiêu", "Mã đơn vị", "Kỳ", header], ["REV", "26743", "03/2026", 5])
    with pytest.raises(imports.ImportRejected) as info:
        imports.values_import(user=personas.officer, file=data, filename="v.xlsx")
    assert DataValue.objects.count() == 0
    [error] = [e for e in info.value.errors if e.key == "value"]
    assert error.column == header and "Giá trị" in error.message
    if header != "Số liệu":  # said to be the plans' column, with the kind that takes it
        assert _("Targets (plans)") in error.message
    if header == "Số liệu":  # unclear in a plans file too
        with pytest.raises(imports.ImportRejected):
            imports.plans_import(user=personas.leader, file=data, filename="p.xlsx")
        return
    # The same file is a plans file: its targets go in as targets.
    imports.plans_import(user=personas.leader, file=data, filename="p.xlsx")
    assert Plan.objects.filter(indicator=cat.revenue, value=5).exists()


def test_every_missing_column_is_said_at_once_with_the_columns_not_read(client, personas, cat):
    client.force_login(personas.officer)
    page = upload(client, xlsx(["Code", "Ward", "Month", "Amount"], ["REV", "26743", "03/2026", 5]))
    assert page.status_code == 400
    html = page.content.decode()
    errors = re.findall(r'data-testid="import-error"', html)
    assert len(errors) == 5  # four missing columns, and the columns not recognised
    heading = re.search(r'data-testid="import-errors">\s*<h2>(.*?)</h2>', html, re.S).group(1)
    for column in ("Mã chỉ tiêu", "Mã đơn vị", "Kỳ", "Giá trị"):
        assert column in heading
    assert "“Amount”" in html and "“Ward”" in html


def test_the_import_says_what_it_filled_in_and_that_the_report_is_still_to_send(client, personas, cat):
    client.force_login(personas.officer)
    data = xlsx(
        ["Mã chỉ tiêu", "Mã đơn vị", "Kỳ", "Giá trị"],
        ["REV", "26743", "03/2026", 5],
        ["FIRMS", "26743", "2026-03", 7],  # the key is read too
    )
    page = upload(client, data)
    assert page.status_code == 200
    done = re.search(r'data-testid="import-done".*?</div>', page.content.decode(), re.S).group(0)
    assert "Kinh tế" in done and "UBND Phường Bến Thành" in done and "3/2026" in done
    assert 'data-testid="import-unsent"' in done and f'href="{form_url()}"' in done
    assert _("Submit") in done
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    Submission.objects.update(state=SubmissionState.RETURNED)
    page = upload(client, xlsx(["Mã chỉ tiêu", "Mã đơn vị", "Kỳ", "Giá trị"], ["REV", "26743", "03/2026", 6]))
    assert 'data-testid="import-unsent"' in page.content.decode()  # returned: to be sent again


def test_the_template_writes_the_period_as_the_pages_do(client, personas, cat):
    client.force_login(personas.officer)
    response = client.get(
        reverse("indicators_entry:template"), {"group": "G01", "unit": "26743", "period": "03/2026"}
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][4] == "03/2026"
    page = client.get(IMPORT).content.decode()
    assert "Q2/2026" in page  # the period hint


# --- 2. Numbers: one documented rule, ambiguous input refused -----------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1.234,5", 1234.5),
        ("1234", 1234),
        ("2.5", 2.5),
        ("1,234", 1.234),
        ("1.000.000", 1000000),
        ("0,4", 0.4),
    ],
)
def test_the_form_reads_numbers_by_one_rule(client, personas, cat, typed, stored):
    client.force_login(personas.officer)
    response = client.post(form_url(), {"v_REV": typed, "v_FIRMS": "", "action": "save"})
    assert response.status_code == 302
    assert DataValue.objects.get(indicator=cat.revenue).value == stored
    # The box shows the value as it was read, in a form that reads back the same.
    page = client.get(form_url()).content.decode()
    shown = re.search(r'id="v-REV"[^>]*value="([^"]*)"', page).group(1)
    assert services.parse_number(shown) == stored


@pytest.mark.parametrize(
    ("typed", "whole", "decimal"), [("0.400", "400", "0,400"), ("1.234", "1234", "1,234")]
)
def test_an_ambiguous_number_is_refused_naming_the_field_and_how_to_write_it(
    client, personas, cat, typed, whole, decimal
):
    client.force_login(personas.officer)
    response = client.post(form_url(), {"v_REV": typed, "v_FIRMS": "3", "action": "save"})
    assert response.status_code == 400
    assert DataValue.objects.count() == 0
    html = response.content.decode()
    error = re.search(r'data-testid="error-REV">(.*?)</p>', html).group(1)
    assert whole in error and decimal in error
    summary = re.search(r'data-testid="form-error".*?</div>', html, re.S).group(0)
    assert "Chỉ tiêu REV" in summary  # the field, by its name
    assert 'data-testid="number-hint"' in html


def test_a_csv_import_reads_numbers_by_the_same_rule(personas, cat):
    data = "Mã chỉ tiêu;Mã đơn vị;Kỳ;Giá trị\nREV;26743;03/2026;0.400\n".encode()
    with pytest.raises(imports.ImportRejected) as info:
        imports.values_import(user=personas.officer, file=data, filename="v.csv")
    assert "0,400" in info.value.errors[0].message
    assert DataValue.objects.count() == 0


# --- 3. "Corrected" needs a correction; flags judged on the value stored now -------------------------


def _explained(client, personas, retail, abnormal):
    client.force_login(personas.officer)
    form = form_url("G1")
    client.post(form, {"v_RETAIL": str(abnormal), "action": "submit_anyway", "explanation": "Siêu thị mới"})
    finding = Finding.objects.get(indicator=retail)
    assert finding.state == FindingState.EXPLAINED
    return finding


def test_corrected_is_refused_while_the_value_is_unchanged(client, personas, history):  # noqa: F811
    retail, abnormal = history
    finding = _explained(client, personas, retail, abnormal)
    with pytest.raises(DomainError) as info:
        finding_transition(user=personas.officer, finding_id=finding.pk, action="correct", note="Đã sửa")
    assert info.value.field == "value" and "Giải trình" not in info.value.message
    assert "gửi" in info.value.message.lower() or "sent" in info.value.message  # the report is sent: why
    # Not offered either, on the unit's findings page: the hint says how to correct instead.
    findings = reverse("indicators_entry:findings")
    page = client.get(findings).content.decode()
    assert f'data-testid="action-correct-{finding.pk}"' not in page
    # Pressed anyway (an old page): the refusal is next to the finding, not an error page.
    url = reverse("indicators:finding_action", args=[finding.pk, "correct"])
    response = client.post(url, {"note": "Đã sửa", "version": finding.version, "next": findings}, follow=True)
    assert f'data-testid="note-error-{finding.pk}"' in response.content.decode()
    finding.refresh_from_db()
    assert finding.state == FindingState.EXPLAINED


def test_a_corrected_value_closes_its_finding_and_the_review_judges_the_value_now(
    client,
    personas,
    history,  # noqa: F811
):
    retail, abnormal = history
    finding = _explained(client, personas, retail, abnormal)
    client.force_login(personas.leader)
    client.post(review_url("G1"), {"action": "return", "note": "Kiểm tra lại bán lẻ", "version": 2})
    assert Submission.objects.get().state == SubmissionState.RETURNED
    client.force_login(personas.officer)
    normal = round(DataValue.objects.get(indicator=retail, period=date(2025, 3, 1)).value)
    sent = client.post(form_url("G1"), {"v_RETAIL": str(normal), "action": "submit"})
    assert sent.status_code == 302, text(sent)[:2000]
    finding.refresh_from_db()
    assert finding.state == FindingState.CLOSED  # re-checked on the new value: normal
    assert finding.events.last().actor_label == personas.officer.full_name
    client.force_login(personas.leader)
    page = client.get(review_url("G1")).content.decode()
    assert 'data-testid="flag-RETAIL"' not in page and 'data-testid="flagged-count"' not in page
    # The return reason is said as such, with who and when, not as the unit's explanation.
    returned = re.search(r'data-testid="returned-note">(.*?)</div>', page, re.S).group(1)
    assert "Kiểm tra lại bán lẻ" in returned and personas.leader.full_name in returned
    assert _("The unit's explanation of the unusual values") not in page
    # Approved: the officer's form no longer shows the return reason.
    client.post(review_url("G1"), {"action": "approve", "version": Submission.objects.get().version})
    client.force_login(personas.officer)
    assert 'data-testid="returned-note"' not in client.get(form_url("G1")).content.decode()


def test_a_value_changed_but_still_unusual_is_flagged_again_on_the_new_value(
    client,
    personas,
    history,  # noqa: F811
):
    retail, abnormal = history
    finding = _explained(client, personas, retail, abnormal)
    Submission.objects.update(state=SubmissionState.RETURNED)
    services.values_set_many(
        user=personas.officer, unit_code="26743", period=P, values={"RETAIL": str(abnormal * 2)}
    )
    finding.refresh_from_db()
    assert (finding.state, finding.value, finding.resolution) == (FindingState.FLAGGED, abnormal * 2, "")
    page = client.get(form_url("G1")).content.decode()
    assert 'data-testid="flag-RETAIL"' in page


# --- 4. Returning and submitting tell the people concerned -------------------------------------------


def test_submitting_tells_the_approvers_and_returning_tells_the_unit(personas, cat):
    services.values_set_many(
        user=personas.officer, unit_code="26743", period=P, values={"REV": "5", "FIRMS": "2"}
    )
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    to_leader = Notification.objects.filter(recipient=personas.leader, channel="in_app")
    assert to_leader.count() == 1
    assert review_url() in to_leader.get().body and "Bến Thành" in to_leader.get().body
    assert not Notification.objects.filter(recipient__in=[personas.officer, personas.head]).exists()

    services.submission_return(
        user=personas.leader, group_code="G01", unit_code="26743", period=P, note="Thiếu số doanh nghiệp"
    )
    for person in (personas.officer, personas.deputy, personas.head):  # all who enter the unit's figures
        [message] = Notification.objects.filter(recipient=person, channel="in_app")
        assert "Thiếu số doanh nghiệp" in message.body and form_url() in message.body
        assert personas.leader.full_name in message.body
    assert Notification.objects.filter(recipient=personas.officer, channel="email").exists()
    assert to_leader.count() == 1  # the one who returned it is not told of it
    assert not Notification.objects.filter(recipient=personas.outsider).exists()


# --- 5. A unit takes back a report it sent, while not approved -----------------------------------------


def test_a_sent_report_is_withdrawn_to_correct_it(client, personas, cat):
    client.force_login(personas.officer)
    client.post(form_url(), {"v_REV": "5", "v_FIRMS": "2", "action": "submit"})
    submission = Submission.objects.get()
    assert submission.state == SubmissionState.SUBMITTED
    page = client.get(form_url()).content.decode()
    assert 'data-testid="withdraw"' in page
    stale = client.post(form_url(), {"action": "withdraw", "version": submission.version - 1})
    assert stale.status_code == 409 and Submission.objects.get().state == SubmissionState.SUBMITTED
    with pytest.raises(NotAllowed):
        services.submission_withdraw(user=personas.leader, group_code="G01", unit_code="26743", period=P)
    done = client.post(form_url(), {"action": "withdraw", "version": submission.version})
    assert done.status_code == 302
    submission.refresh_from_db()
    assert (submission.state, submission.submitted_at) == (SubmissionState.DRAFT, None)
    assert DataValue.objects.count() == 2  # the figures stay, to correct
    entry = AuditEntry.objects.filter(
        object_type="indicators.submission", object_id=str(submission.pk)
    ).last()
    assert entry.action == "indicator.submission_withdraw"
    assert entry.before == {"state": "submitted", "version": submission.version - 1}
    assert Notification.objects.filter(recipient=personas.leader, channel="in_app").count() == 2
    assert any(_("Submit") in str(m) for m in get_messages(done.wsgi_request))
    # Once approved, it is no longer the unit's to take back.
    services.submission_submit(user=personas.officer, group_code="G01", unit_code="26743", period=P)
    services.submission_approve(user=personas.leader, group_code="G01", unit_code="26743", period=P)
    assert 'data-testid="withdraw"' not in client.get(form_url()).content.decode()
    with pytest.raises(Conflict):
        services.submission_withdraw(user=personas.officer, group_code="G01", unit_code="26743", period=P)


# --- 6. The check before sending is not an error ---------------------------------------------------------


def test_the_submit_check_says_it_is_a_check_names_the_indicator_and_that_the_draft_is_saved(
    client,
    personas,
    history,  # noqa: F811
):
    retail, abnormal = history
    client.force_login(personas.officer)
    warned = client.post(form_url("G1"), {"v_RETAIL": str(abnormal), "action": "submit"})
    assert warned.status_code == 400
    html = warned.content.decode()
    summary = re.search(r'data-testid="form-error".*?</div>', html, re.S).group(0)
    assert f"<h2>{_('Check before sending')}</h2>" in summary
    assert _("There is a problem") not in summary
    warning = re.search(r'data-testid="warning">(.*?)</li>', summary, re.S).group(1)
    assert "Tổng mức bán lẻ" in warning and "RETAIL" not in re.sub(r'href="[^"]*"', "", warning)
    assert DataValue.objects.get(indicator=retail, period=date(2026, 3, 1)).value == abnormal  # saved
    assert Submission.objects.get().state == SubmissionState.DRAFT


# --- 7. Reminders, the progress rows, the unit's own groups -------------------------------------------


def test_a_unit_reminded_today_has_no_remind_button_and_rows_open_their_forms(client, personas, cat):
    services.value_set(user=personas.officer, indicator_code="REV", unit_code="26743", period=P, value=1)
    Submission.objects.update(due_at=timezone.now() - timezone.timedelta(days=3))
    client.force_login(personas.leader)
    progress = reverse("indicators_entry:progress")
    row = 'data-testid="progress-G01-26743"'
    page = client.get(progress, {"period": P}).content.decode()
    assert 'data-testid="remind"' in page.split(row)[1].split("</tr>")[0]
    client.post(reverse("indicators_entry:remind"), {"group": "G01", "unit": "26743", "period": P})
    page = client.get(progress, {"period": P}).content.decode()
    cells = page.split(row)[1].split("</tr>")[0]
    assert 'data-testid="remind"' not in cells and 'data-testid="reminded"' in cells
    client.force_login(personas.officer)
    page = client.get(progress, {"period": P}).content.decode()
    cells = page.split(row)[1].split("</tr>")[0]
    assert f'href="{form_url()}"' in cells


def test_the_choose_page_lists_and_opens_on_the_units_own_groups(client, personas, cat):
    IndicatorGroup.objects.create(code="A00", name="Nhóm khác", position=0)  # first, but not the ward's
    client.force_login(personas.officer)
    html = client.get(reverse("indicators_entry:choose")).content.decode()
    select = re.search(r'<select name="group".*?</select>', html, re.S).group(0)
    assert 'value="A00"' not in select and re.search(r'value="G01"[^>]*selected', select)
    assert 'value="A00"' not in client.get(IMPORT).content.decode()


# --- 8. Small things --------------------------------------------------------------------------------------


def test_a_finding_is_named_linked_to_its_form_and_its_move_said_plainly(client, personas, history):  # noqa: F811
    retail, abnormal = history
    client.force_login(personas.officer)
    client.post(form_url("G1"), {"v_RETAIL": str(abnormal), "action": "save"})
    finding = Finding.objects.create(
        indicator=retail,
        unit=personas.ward,
        period_type="M",
        period=date(2026, 3, 1),
        value=abnormal,
        expected=10,
        score=9,
        method="seasonal",
        explanation="x",
    )
    findings = reverse("indicators_entry:findings")
    page = client.get(findings).content.decode()
    title = re.search(rf'id="finding-title-{finding.pk}">(.*?)</strong>', page, re.S).group(1)
    assert "Tổng mức bán lẻ" in title and "3/2026" in title
    assert f'data-testid="form-link-{finding.pk}" ' in page or f'href="{form_url("G1")}"' in page
    response = client.post(
        reverse("indicators:finding_action", args=[finding.pk, "explain"]),
        {"note": "Khai trương siêu thị", "version": finding.version, "next": findings},
    )
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Tổng mức bán lẻ" in message and message != _("The finding was updated.")
