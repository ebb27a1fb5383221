"""Follow-up directives: a leader flags a report or a unit, the unit's head acknowledges and reports back.
Who may issue and answer, the audit trail, the notifications, bad input (400 naming the field, nothing
stored), the state machine (409 from a finished directive) and the pages, including the case page."""

import unicodedata
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from citydesk.core.errors import Conflict, DomainError, NotAllowed, NotFound
from citydesk.core.models import AuditEntry, Membership, Organisation, OrgKind, User
from citydesk.ioc.directives import (
    directive_acknowledge,
    directive_cancel,
    directive_complete,
    directive_follow_up,
    directive_issue,
    directives_for,
    may_issue,
)
from citydesk.ioc.models import Directive
from citydesk.notifications.models import Notification
from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db

LIST = "/dieu-hanh/chi-dao/"
NEW = "/dieu-hanh/chi-dao/moi/"


@pytest.fixture
def report(personas, categories):
    report = submit_report()
    assert report.unit == personas.ward  # road damage at Bến Thành goes to the ward
    return report


def _audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_type="directive").order_by("id"))


def _notes(user, channel: str = "in_app") -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, channel=channel).order_by("id"))


def _ack(pk: int) -> str:
    return f"{LIST}{pk}/nhan/"


def _done(pk: int) -> str:
    return f"{LIST}{pk}/xong/"


# --- The whole round, through the services -------------------------------------------------------


def test_leader_flags_a_ward_report_and_the_head_follows_it_up(personas, report):
    p = personas
    before_head = len(_notes(p.head))
    directive = directive_issue(p.leader, report_code=report.code, text="Khắc phục ngay ổ gà trước chợ")

    directive.refresh_from_db()
    assert directive.organisation == p.ward and directive.report == report
    assert directive.issued_by == p.leader and directive.status == Directive.Status.OPEN
    [issued] = _audit("directive.issue")
    assert issued.actor_id == p.leader.pk and issued.object_id == str(directive.pk)
    assert issued.after["report"] == report.code and issued.after["organisation"] == p.ward.code
    head_notes = _notes(p.head)[before_head:]
    assert len(head_notes) == 1 and report.code in head_notes[0].subject
    assert "Khắc phục ngay ổ gà" in head_notes[0].body
    assert any(n.address == p.head.email for n in _notes(p.head, "email"))
    # Only the unit's head is told, not its officers nor the heads of other wards.
    for someone in (p.officer, p.other_head, p.department_head):
        assert not any(report.code in n.subject for n in _notes(someone))

    leader_before = len(_notes(p.leader))
    directive = directive_acknowledge(p.head, directive.pk)
    assert directive.status == Directive.Status.ACKNOWLEDGED and directive.acknowledged_at is not None
    [ack] = _audit("directive.acknowledge")
    assert ack.actor_id == p.head.pk
    assert ack.before["status"] == "open" and ack.after["status"] == "acknowledged"
    assert len(_notes(p.leader)) == leader_before + 1

    directive = directive_complete(p.head, directive.pk, response="Đã vá  xong lúc 9 giờ")
    directive.refresh_from_db()
    assert directive.status == Directive.Status.DONE and directive.done_at is not None
    assert directive.response == "Đã vá xong lúc 9 giờ"  # NFC, spaces collapsed
    [done] = _audit("directive.complete")
    assert done.actor_id == p.head.pk and done.after["response"] == directive.response
    last = _notes(p.leader)[-1]
    assert len(_notes(p.leader)) == leader_before + 2 and "Đã vá xong" in last.body


def test_deputy_of_the_unit_may_answer(personas, report):
    directive = directive_issue(
        personas.leader, unit_code=personas.ward.code, text="Rà soát các phản ánh tồn"
    )
    assert directive.report is None and directive.organisation == personas.ward
    directive_complete(personas.deputy, directive.pk, response="Đã rà soát")
    assert Directive.objects.get(pk=directive.pk).status == Directive.Status.DONE


@pytest.mark.parametrize("who", ["officer", "other_head", "leader", "department_head", "citizen"])
def test_only_the_units_head_or_deputy_answer(personas, report, who):
    directive = directive_issue(personas.leader, report_code=report.code, text="Xử lý dứt điểm")
    with pytest.raises(NotAllowed):
        directive_acknowledge(getattr(personas, who), directive.pk)
    with pytest.raises(NotAllowed):
        directive_complete(getattr(personas, who), directive.pk, response="Xong")
    assert Directive.objects.get(pk=directive.pk).status == Directive.Status.OPEN
    assert _audit("directive.acknowledge") == [] and _audit("directive.complete") == []


def test_text_is_nfc_normalised(personas, report):
    decomposed = unicodedata.normalize("NFD", "Khẩn trương xử lý")
    directive = directive_issue(personas.leader, report_code=report.code, text=decomposed)
    assert Directive.objects.get(pk=directive.pk).text == unicodedata.normalize("NFC", "Khẩn trương xử lý")


def test_text_of_2000_characters_is_accepted(personas, report):
    directive = directive_issue(personas.leader, report_code=report.code, text="a" * 2000)
    assert len(Directive.objects.get(pk=directive.pk).text) == 2000


# --- Who may issue --------------------------------------------------------------------------------


def test_a_ward_head_cannot_direct_another_ward_nor_their_own(personas, report):
    p = personas
    for code in (p.other_ward.code, p.ward.code, p.city.code):
        with pytest.raises(NotAllowed):
            directive_issue(p.head, unit_code=code, text="Chỉ đạo")
    other_report = submit_report(lon=106.703, lat=10.7788)
    assert other_report.unit == p.other_ward
    with pytest.raises(NotAllowed):
        directive_issue(p.head, report_code=other_report.code, text="Chỉ đạo")
    assert not may_issue(p.head, p.other_ward) and not may_issue(p.head, p.ward)
    assert Directive.objects.count() == 0 and _audit("directive.issue") == []


def test_a_ward_head_directs_a_unit_below_the_ward(personas, report):
    desk = Organisation.objects.create(
        code="26743.MC", name="Bộ phận Một cửa", kind=OrgKind.ONE_STOP_DESK, parent=personas.ward
    )
    desk_head = User.objects.create_user(username="desk_head", password="pw", full_name="Trưởng bộ phận")
    Membership.objects.create(user=desk_head, organisation=desk, role="head")
    directive = directive_issue(personas.head, unit_code=desk.code, text="Rút ngắn thời gian chờ")
    assert directive.organisation == desk
    assert [
        n.recipient for n in Notification.objects.filter(channel="in_app", subject__contains="Bộ phận")
    ] == [desk_head]


def test_a_unit_nobody_heads_is_refused_and_not_offered(client, personas, report):
    """A directive to a unit without a head or deputy would reach nobody and nobody could answer it:
    refused, naming the field, and the unit is not in the form's list."""
    desk = Organisation.objects.create(
        code="26743.MC", name="Bộ phận Một cửa", kind=OrgKind.ONE_STOP_DESK, parent=personas.ward
    )
    for user, code in ((personas.head, desk.code), (personas.leader, personas.city.code)):
        with pytest.raises(DomainError) as info:
            directive_issue(user, unit_code=code, text="Rút ngắn thời gian chờ")
        assert info.value.field == "unit" and not isinstance(info.value, NotAllowed)
        assert not may_issue(user, Organisation.objects.get(code=code))
    desk_report = submit_report()
    desk_report.unit = desk
    desk_report.save(update_fields=["unit"])
    with pytest.raises(DomainError) as info:
        directive_issue(personas.head, report_code=desk_report.code, text="Xử lý ngay")
    assert info.value.field == "report"
    assert Directive.objects.count() == 0 and _audit("directive.issue") == []

    client.force_login(personas.head)
    response = client.post(NEW, {"unit": desk.code, "text": "Rút ngắn thời gian chờ"})
    html = response.content.decode()
    assert response.status_code == 400 and '<li data-field="unit">' in html
    assert "Bộ phận Một cửa" in html and Directive.objects.count() == 0
    client.force_login(personas.leader)
    html = client.get(LIST).content.decode()
    assert f'<option value="{personas.ward.code}"' in html
    assert f'<option value="{personas.city.code}"' not in html and f'<option value="{desk.code}"' not in html


def test_a_deputy_alone_answers_and_is_told(personas, report):
    Membership.objects.filter(user=personas.head, organisation=personas.ward).update(is_active=False)
    directive = directive_issue(personas.leader, unit_code=personas.ward.code, text="Rà soát")
    assert _notes(personas.deputy)[-1].subject.endswith(personas.ward.name)
    directive_acknowledge(personas.deputy, directive.pk)


def test_a_short_report_code_is_understood(client, personas, report):
    prefix, year, number = report.code.split("-")
    short = f"{prefix.lower()}-{year}-{int(number)}"  # "pa-26-1" for PA-26-000001
    assert short != report.code
    directive = directive_issue(personas.leader, report_code=short, text="Theo dõi")
    assert directive.report == report
    client.force_login(personas.leader)
    response = client.post(NEW, {"report": short, "text": "Theo dõi tiếp"})
    assert response.status_code == 302 and Directive.objects.filter(report=report).count() == 2


def test_the_city_leader_directs_the_city_itself_and_a_department_head_not_a_ward(personas, report):
    city_head = User.objects.create_user(username="city_head", password="pw", full_name="Chánh văn phòng")
    Membership.objects.create(user=city_head, organisation=personas.city, role="head")
    assert directive_issue(
        personas.leader, unit_code=personas.city.code, text="Họp giao ban"
    ).organisation == (personas.city)
    with pytest.raises(NotAllowed):
        directive_issue(personas.department_head, report_code=report.code, text="Chỉ đạo")


def test_a_deputy_sees_the_page_but_does_not_issue(client, personas, report):
    with pytest.raises(NotAllowed):
        directive_issue(personas.deputy, report_code=report.code, text="Chỉ đạo")
    client.force_login(personas.deputy)
    assert client.get(LIST).status_code == 200


@pytest.mark.parametrize("role", ["officer", "citizen", "outsider"])
def test_officers_citizens_and_outsiders_are_refused(client, personas, report, role):
    user = getattr(personas, role)
    with pytest.raises(NotAllowed):
        directive_issue(user, report_code=report.code, text="Chỉ đạo")
    with pytest.raises(NotAllowed):
        directive_issue(user, unit_code=personas.ward.code, text="Chỉ đạo")
    client.force_login(user)
    assert client.get(LIST).status_code == 403
    assert client.post(NEW, {"report": report.code, "text": "Chỉ đạo"}).status_code == 403
    directive = directive_issue(personas.leader, report_code=report.code, text="Chỉ đạo thật")
    assert client.post(_ack(directive.pk)).status_code == 403
    assert client.post(_done(directive.pk), {"response": "Xong"}).status_code == 403
    assert Directive.objects.get().status == Directive.Status.OPEN
    assert len(_audit("directive.issue")) == 1


def test_anonymous_is_sent_to_log_in(client, personas):
    response = client.get(LIST)
    assert response.status_code == 302


# --- Bad input: 400 naming the field, nothing stored -----------------------------------------------


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"text": ""}, "text"),
        ({"text": "   \n  "}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"report": "", "unit": "khong-co"}, "unit"),
        ({"report": "PA-99-999999"}, "report"),
        ({"report": "", "unit": ""}, "unit"),
        ({"unit": "26740"}, "unit"),  # the report is not that ward's
        ({"due": "hôm qua"}, "due"),
        ({"due": "2020-01-01"}, "due"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(client, personas, report, changes, field):
    client.force_login(personas.leader)
    head_before = Notification.objects.filter(recipient=personas.head).count()
    data = {"unit": "", "report": report.code, "text": "Xử lý ngay", "due": "", **changes}
    response = client.post(NEW, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<li data-field="{field}">' in html
    assert f'id="err-directive-{field}"' in html  # and next to the field itself
    assert Directive.objects.count() == 0 and _audit("directive.issue") == []
    assert Notification.objects.filter(recipient=personas.head).count() == head_before


def test_bad_input_in_the_services_names_the_field(personas, report):
    with pytest.raises(DomainError) as empty:
        directive_issue(personas.leader, report_code=report.code, text="  ")
    assert empty.value.field == "text"
    with pytest.raises(DomainError) as long, translation.override("vi"):
        directive_issue(personas.leader, report_code=report.code, text="x" * 2001)
    assert long.value.field == "text"
    assert "2.000" in long.value.message and "2.001" in long.value.message  # as the form's hint writes it
    with pytest.raises(NotFound) as unit:
        directive_issue(personas.leader, unit_code="khong-co", text="Chỉ đạo")
    assert unit.value.field == "unit"
    with pytest.raises(NotFound) as missing:
        directive_issue(personas.leader, report_code="PA-99-999999", text="Chỉ đạo")
    assert missing.value.field == "report"
    directive = directive_issue(personas.leader, report_code=report.code, text="Chỉ đạo")
    with pytest.raises(DomainError) as response:
        directive_complete(personas.head, directive.pk, response=" ")
    assert response.value.field == "response"
    with pytest.raises(NotFound):
        directive_acknowledge(personas.head, 999_999)
    assert Directive.objects.count() == 1


# --- The state machine ----------------------------------------------------------------------------


def test_complete_from_open_is_allowed_and_a_finished_directive_is_a_conflict(client, personas, report):
    p = personas
    directive = directive_issue(p.leader, report_code=report.code, text="Chỉ đạo")
    directive = directive_complete(p.head, directive.pk, response="Đã xử lý")  # without acknowledging
    assert directive.status == Directive.Status.DONE and directive.acknowledged_at is None
    with pytest.raises(Conflict):
        directive_complete(p.head, directive.pk, response="Lần nữa")
    with pytest.raises(Conflict):
        directive_acknowledge(p.head, directive.pk)
    with pytest.raises(Conflict):
        directive_cancel(p.leader, directive.pk)

    cancelled = directive_issue(p.leader, report_code=report.code, text="Chỉ đạo khác")
    with pytest.raises(NotAllowed):
        directive_cancel(p.head, cancelled.pk)  # only the issuer withdraws it
    directive_cancel(p.leader, cancelled.pk)
    assert len(_audit("directive.cancel")) == 1
    with pytest.raises(Conflict):
        directive_complete(p.head, cancelled.pk, response="Xong")

    client.force_login(p.head)
    response = client.post(_done(cancelled.pk), {"response": "Xong"})
    assert response.status_code == 409
    assert 'data-testid="action-error"' in response.content.decode()
    assert client.post(_ack(directive.pk)).status_code == 409
    assert Directive.objects.get(pk=cancelled.pk).status == Directive.Status.CANCELLED
    assert len(_audit("directive.complete")) == 1


# --- Pages ----------------------------------------------------------------------------------------


def test_the_round_through_the_pages(personas, report):
    p = personas
    leader, head = Client(enforce_csrf_checks=True), Client()
    leader.force_login(p.leader)
    head.force_login(p.head)
    case = f"/xu-ly/{report.code}/"
    # CSRF: a post without the token is refused and stores nothing.
    assert leader.post(NEW, {"report": report.code, "text": "Chỉ đạo"}).status_code == 403
    assert Directive.objects.count() == 0

    page = leader.get(case)
    token = page.cookies["csrftoken"].value
    response = leader.post(
        NEW,
        {"report": report.code, "text": "Báo cáo tiến độ", "next": case, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302 and response["Location"] == case
    directive = Directive.objects.get()
    assert directive.organisation == p.ward and len(_audit("directive.issue")) == 1

    html = head.get(LIST).content.decode()
    assert f'id="directive-{directive.pk}"' in html and "Báo cáo tiến độ" in html
    assert f'href="/xu-ly/{report.code}/"' in html  # link to the report
    assert head.post(_ack(directive.pk)).status_code == 302
    response = head.post(_done(directive.pk), {"response": ""})
    assert response.status_code == 400 and 'data-field="response"' in response.content.decode()
    assert head.post(_done(directive.pk), {"response": "Đã hoàn thành"}).status_code == 302

    html = leader.get(LIST).content.decode()
    assert 'data-status="done"' in html and "Đã hoàn thành" in html
    assert [e.action for e in AuditEntry.objects.filter(object_type="directive").order_by("id")] == [
        "directive.issue",
        "directive.acknowledge",
        "directive.complete",
    ]


def test_a_ward_head_posting_for_another_ward_gets_403(client, personas, report):
    client.force_login(personas.head)
    response = client.post(NEW, {"unit": personas.other_ward.code, "text": "Chỉ đạo"})
    assert response.status_code == 403
    assert Directive.objects.count() == 0


def test_lists_and_overdue_marker(client, personas, report):
    p = personas
    first = directive_issue(p.leader, report_code=report.code, text="Thứ nhất", due=timezone.localdate())
    second = directive_issue(p.leader, unit_code=p.ward.code, text="Thứ hai")
    Directive.objects.filter(pk=first.pk).update(due=timezone.localdate() - timedelta(days=2))
    assert list(directives_for(p.leader)) == [second, first]  # newest first
    assert list(directives_for(p.head)) == [second, first]
    assert list(directives_for(p.deputy)) == [second, first]
    for nobody in (p.other_head, p.officer, p.department_head):
        assert list(directives_for(nobody)) == []

    client.force_login(p.head)
    html = client.get(LIST).content.decode()
    assert html.count('data-testid="directive-overdue"') == 1
    assert html.index("Thứ hai") < html.index("Thứ nhất")
    client.force_login(p.other_head)
    html = client.get(LIST).content.decode()
    assert "Thứ nhất" not in html and "Thứ hai" not in html
    # Done: no longer overdue.
    directive_complete(p.head, first.pk, response="Xong")
    client.force_login(p.head)
    assert 'data-testid="directive-overdue"' not in client.get(LIST).content.decode()


def test_case_page_shows_the_flag_form_to_the_leader_not_the_officer(client, personas, report):
    case = f"/xu-ly/{report.code}/"
    client.force_login(personas.leader)
    html = client.get(case).content.decode()
    assert 'data-testid="directive-form"' in html
    assert f'name="report" value="{report.code}"' in html
    for who in ("officer", "deputy", "head"):
        client.force_login(getattr(personas, who))
        response = client.get(case)
        assert response.status_code == 200
        assert 'data-testid="directive-form"' not in response.content.decode(), who

    directive_issue(personas.leader, report_code=report.code, text="Theo dõi sát vụ này")
    client.force_login(personas.officer)
    html = client.get(case).content.decode()
    assert 'data-testid="report-directive"' in html and "Theo dõi sát vụ này" in html


def test_directives_page_offers_only_the_units_one_may_direct(client, personas, report):
    client.force_login(personas.leader)
    html = client.get(LIST).content.decode()
    assert f'<option value="{personas.ward.code}"' in html
    assert f'<option value="{personas.city.code}"' not in html  # nobody heads the city's committee here
    client.force_login(personas.head)
    html = client.get(LIST).content.decode()
    assert 'data-testid="directive-form"' not in html  # nothing below the ward in this tree
    Membership.objects.filter(user=personas.head).update(is_active=False)
    assert client.get(LIST).status_code == 403


# --- A reported completion that does not settle it -------------------------------------------------


def test_the_issuer_sends_a_completion_back_with_what_is_still_to_be_done(client, personas):
    p = personas
    directive = directive_issue(
        p.leader, unit_code=p.ward.code, text="Rà soát toàn bộ điểm ngập trên địa bàn"
    )
    assert directive.get_status_display() == "Chưa tiếp nhận"  # not "Đang thực hiện" before anyone saw it
    directive = directive_complete(p.head, directive.pk, response="Đã rà soát")
    done_subject = _notes(p.leader)[-1].subject
    assert "“Rà soát toàn bộ điểm ngập trên địa bàn”" in done_subject and p.ward.name in done_subject
    # Only the issuer may send it back, only once it is reported done, and with a reason.
    with pytest.raises(NotAllowed):
        directive_follow_up(p.head, directive.pk, note="x")
    with pytest.raises(DomainError) as empty:
        directive_follow_up(p.leader, directive.pk, note="  ")
    assert empty.value.field == "note"
    assert Directive.objects.get(pk=directive.pk).status == Directive.Status.DONE
    heads_before = len(_notes(p.head))
    client.force_login(p.leader)
    page = client.get(LIST).content.decode()
    assert 'data-testid="follow-up-form"' in page
    response = client.post(
        f"{LIST}{directive.pk}/yeu-cau-tiep/", {"note": "Còn thiếu danh sách điểm ngập ở khu phố 3"}
    )
    assert response.status_code == 302
    directive.refresh_from_db()
    assert directive.status == Directive.Status.ACKNOWLEDGED and directive.done_at is None
    assert (
        directive.follow_up == "Còn thiếu danh sách điểm ngập ở khu phố 3"
        and directive.response == "Đã rà soát"
    )
    [audit] = _audit("directive.follow_up")
    assert audit.before["status"] == "done" and audit.after["follow_up"] == directive.follow_up
    told = _notes(p.head)[heads_before:]
    assert len(told) == 1 and "khu phố 3" in told[0].body
    # The unit sees what is still to be done, and answers again.
    client.force_login(p.head)
    page = client.get(LIST).content.decode()
    assert 'data-testid="directive-follow-up"' in page and "khu phố 3" in page
    directive = directive_complete(p.head, directive.pk, response="Đã bổ sung danh sách khu phố 3")
    assert directive.status == Directive.Status.DONE
    # Sent back again before it is done: refused, 409.
    directive_follow_up(p.leader, directive.pk, note="Cần ảnh hiện trường")
    with pytest.raises(Conflict):
        directive_follow_up(p.leader, directive.pk, note="Lần nữa")
