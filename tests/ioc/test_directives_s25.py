"""Follow-up directives, review 25: refusals that do not tell outsiders which unit handles a report or a
directive; the withdrawal asks for a ticked box; each directive on its own card; a refused directive from a
case page keeps its way back (`next`); the exchange as a dated history (and "still to be done" only while
it is); subjects cut after a whole word, and "to" a unit rather than "about" it."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from citydesk.core.errors import NotAllowed, NotFound
from citydesk.core.models import AuditEntry, Membership, Organisation, OrgKind, User
from citydesk.ioc.directives import (
    directive_acknowledge,
    directive_cancel,
    directive_complete,
    directive_follow_up,
    directive_issue,
    excerpt,
)
from citydesk.ioc.models import Directive
from citydesk.notifications.models import Notification
from tests.conftest import make_unit
from tests.reports.conftest import submit_report

pytestmark = pytest.mark.django_db

LIST = "/dieu-hanh/chi-dao/"
NEW = "/dieu-hanh/chi-dao/moi/"


@pytest.fixture
def report(personas, categories):
    report = submit_report()
    assert report.unit == personas.ward
    return report


@pytest.fixture
def hanoi_report(personas, categories):
    """A report of Hà Nội's Ba Đình ward: another city, outside the HCMC leader's operations center."""
    hanoi = make_unit("01", "Thành phố Hà Nội")
    make_unit("00004", "Phường Ba Đình", hanoi)
    city = Organisation.objects.create(
        code="01", name="UBND Thành phố Hà Nội", kind=OrgKind.PEOPLES_COMMITTEE
    )
    ba_dinh = Organisation.objects.create(
        code="00004", name="UBND Phường Ba Đình", kind=OrgKind.PEOPLES_COMMITTEE, parent=city
    )
    head = User.objects.create_user(username="ba_dinh_head", password="pw", full_name="Trưởng Ba Đình")
    Membership.objects.create(user=head, organisation=ba_dinh, role="head")
    report = submit_report()
    report.unit = ba_dinh
    report.save(update_fields=["unit"])
    return report


def _summary(html: str) -> str:
    """The text of the page's error summary, tags removed."""
    start = html.index('class="error-summary"')
    block = html[start : html.index("</div>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", block).split())


# --- 1. Refusals name nothing outside one's scope --------------------------------------------------


def test_a_report_of_another_city_is_answered_as_one_that_does_not_exist(client, personas, hanoi_report):
    client.force_login(personas.leader)
    response = client.post(NEW, {"report": hanoi_report.code, "text": "Xử lý ngay"})
    html = response.content.decode()
    assert response.status_code == 400 and '<li data-field="report">' in html
    assert "Ba Đình" not in html and "Hà Nội" not in html
    missing = client.post(NEW, {"report": "PA-26-999999", "text": "Xử lý ngay"})
    assert missing.status_code == 400
    assert _summary(html) == _summary(missing.content.decode()).replace("PA-26-999999", hanoi_report.code)
    # With a unit of the leader's city chosen too: the report is still unknown, not "handled by Ba Đình".
    response = client.post(NEW, {"unit": personas.ward.code, "report": hanoi_report.code, "text": "Xử lý"})
    assert response.status_code == 400 and "Ba Đình" not in response.content.decode()
    with pytest.raises(NotFound) as info:
        directive_issue(personas.leader, report_code=hanoi_report.code, text="Xử lý ngay")
    assert info.value.field == "report" and "Ba Đình" not in info.value.message
    assert Directive.objects.count() == 0


def test_a_department_head_is_not_told_which_ward_handles_a_report(client, personas, report):
    client.force_login(personas.department_head)
    response = client.post(NEW, {"report": report.code, "text": "Chỉ đạo"})
    html = response.content.decode()
    assert response.status_code == 400 and '<li data-field="report">' in html
    assert "Bến Thành" not in _summary(html)
    assert Directive.objects.count() == 0


@pytest.mark.parametrize("path", ["nhan/", "xong/", "huy/", "yeu-cau-tiep/"])
def test_another_wards_head_gets_the_answer_for_a_directive_that_does_not_exist(
    client, personas, report, path
):
    directive = directive_issue(personas.leader, report_code=report.code, text="Xử lý dứt điểm")
    client.force_login(personas.other_head)
    data = {"response": "Xong", "note": "Thêm", "confirm": "yes"}
    response = client.post(f"{LIST}{directive.pk}/{path}", data)
    html = response.content.decode()
    assert response.status_code == 404
    assert "Bến Thành" not in html and report.code not in html
    assert "Phân công" not in html and "Assign" not in html
    missing = client.post(f"{LIST}99999/{path}", data)
    assert missing.status_code == 404
    assert _summary(html) == _summary(missing.content.decode()).replace("99999", str(directive.pk))
    assert Directive.objects.get().status == Directive.Status.OPEN
    assert not AuditEntry.objects.filter(object_type="directive").exclude(action="directive.issue").exists()


def test_inside_the_scope_the_refusal_says_who_answers_not_the_power_to_assign(client, personas, report):
    directive = directive_issue(personas.leader, report_code=report.code, text="Xử lý dứt điểm")
    client.force_login(personas.leader)  # the city's leader sees the ward, but does not answer for it
    response = client.post(f"{LIST}{directive.pk}/nhan/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "UBND Phường Bến Thành" in _summary(html) and "Phân công" not in html
    with pytest.raises(NotAllowed) as info:
        directive_complete(personas.leader, directive.pk, response="Xong")
    assert not isinstance(info.value, NotFound)
    # The issuer's own moves are refused to the unit's head by name too (they see the directive).
    with pytest.raises(NotAllowed) as info:
        directive_cancel(personas.head, directive.pk)
    assert not isinstance(info.value, NotFound)


# --- 2. Withdrawing asks for a ticked box; each directive on its own card ------------------------------


def test_withdrawing_needs_the_box_ticked(client, personas, report):
    directive = directive_issue(personas.leader, report_code=report.code, text="Xử lý dứt điểm")
    heads_before = Notification.objects.filter(recipient=personas.head).count()
    client.force_login(personas.leader)
    page = client.get(LIST).content.decode()
    form = page[page.index('data-testid="withdraw-form"') :]
    form = form[: form.index("</form>")]
    assert 'type="checkbox"' in form and 'name="confirm"' in form
    assert f'<article class="card directive" id="directive-{directive.pk}"' in page
    assert " style=" not in page and "onclick" not in page and "<script>" not in page

    response = client.post(f"{LIST}{directive.pk}/huy/")
    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="err-withdraw-{directive.pk}"' in html and 'data-field="confirm"' in html
    assert 'aria-invalid="true"' in html
    assert Directive.objects.get().status == Directive.Status.OPEN
    assert not AuditEntry.objects.filter(action="directive.cancel").exists()
    assert Notification.objects.filter(recipient=personas.head).count() == heads_before

    response = client.post(f"{LIST}{directive.pk}/huy/", {"confirm": "yes"})
    assert response.status_code == 302
    assert Directive.objects.get().status == Directive.Status.CANCELLED
    # The services without a page's box (None): as before.
    other = directive_issue(personas.leader, unit_code=personas.ward.code, text="Rà soát")
    assert directive_cancel(personas.leader, other.pk).status == Directive.Status.CANCELLED


# --- 3. `next` carried through a refused directive -----------------------------------------------------


def test_a_refused_directive_from_a_case_page_goes_back_to_it_once_sent(client, personas, report):
    case = f"/xu-ly/{report.code}/"
    client.force_login(personas.leader)
    response = client.post(NEW, {"report": report.code, "text": "", "next": case})
    html = response.content.decode()
    assert response.status_code == 400
    assert f'<input type="hidden" name="next" value="{case}">' in html
    assert f'href="{case}" data-testid="directive-back"' in html
    response = client.post(NEW, {"report": report.code, "text": "Báo cáo tiến độ", "next": case})
    assert response.status_code == 302 and response["Location"] == case

    # A refusal by the services (a report that does not exist) keeps it too.
    html = client.post(NEW, {"report": "PA-26-999999", "text": "Xử lý", "next": case}).content.decode()
    assert f'name="next" value="{case}"' in html


def test_a_foreign_next_is_not_carried_nor_followed(client, personas, report):
    client.force_login(personas.leader)
    html = client.post(
        NEW, {"report": report.code, "text": "", "next": "https://evil.example/"}
    ).content.decode()
    assert "evil.example" not in html
    response = client.post(NEW, {"report": report.code, "text": "Xử lý", "next": "//evil.example/x"})
    assert response.status_code == 302 and response["Location"].startswith(LIST)


# --- 4. The exchange as a dated history --------------------------------------------------------------


def _steps(html: str, pk: int) -> list[tuple[str, str]]:
    """(kind, text) of each step of directive `pk`'s history on the page."""
    start = html.index(f'id="directive-{pk}"')
    article = html[start : html.index("</article>", start)]
    found = re.findall(r'data-kind="([a-z_]+)">(.*?)</li>', article, re.S)
    return [(kind, " ".join(re.sub(r"<[^>]+>", " ", body).split())) for kind, body in found]


def test_the_history_keeps_every_response_and_who_sent_it(client, personas):
    p = personas
    directive = directive_issue(p.leader, unit_code=p.ward.code, text="Rà soát điểm ngập")
    directive_acknowledge(p.head, directive.pk)
    directive_complete(p.head, directive.pk, response="Đã rà soát 12 điểm")
    directive_follow_up(p.leader, directive.pk, note="Còn thiếu khu phố 3")

    client.force_login(p.head)
    html = client.get(LIST).content.decode()
    assert 'data-testid="directive-follow-up"' in html  # still to be done, while it is

    directive_complete(p.deputy, directive.pk, response="Đã bổ sung khu phố 3")
    client.force_login(p.leader)
    html = client.get(LIST).content.decode()
    steps = _steps(html, directive.pk)
    assert [kind for kind, _text in steps] == ["issue", "acknowledge", "complete", "follow_up", "complete"]
    assert p.leader.full_name in steps[0][1] and p.head.full_name in steps[1][1]
    assert "Đã rà soát 12 điểm" in steps[2][1] and p.head.full_name in steps[2][1]
    assert "Còn thiếu khu phố 3" in steps[3][1] and p.leader.full_name in steps[3][1]
    assert "Đã bổ sung khu phố 3" in steps[4][1] and p.deputy.full_name in steps[4][1]
    assert all(re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", text) for _kind, text in steps)
    # Done: what was still to be done is history, not a standing request.
    assert 'data-testid="directive-follow-up"' not in html

    other = directive_issue(p.leader, unit_code=p.ward.code, text="Báo cáo tuần")
    directive_cancel(p.leader, other.pk, confirmed=True)
    html = client.get(LIST).content.decode()
    assert [kind for kind, _text in _steps(html, other.pk)] == ["issue", "cancel"]


def test_the_list_reads_the_histories_in_one_query(client, personas):
    p = personas
    client.force_login(p.leader)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    first = directive_issue(p.leader, unit_code=p.ward.code, text="Một")
    directive_complete(p.head, first.pk, response="Xong một")
    one = queries()
    for n in range(4):
        d = directive_issue(p.leader, unit_code=p.ward.code, text=f"Chỉ đạo {n}")
        directive_acknowledge(p.head, d.pk)
        directive_complete(p.head, d.pk, response=f"Xong {n}")
        directive_follow_up(p.leader, d.pk, note=f"Thêm {n}")
    assert queries() == one


# --- 5. Wording ---------------------------------------------------------------------------------------


def test_excerpt_cuts_after_a_whole_word():
    text = "Yêu cầu UBND phường kiểm tra, báo cáo trước ngày 15 về tình hình xử lý các điểm ngập"
    cut = excerpt(text)
    assert cut.endswith("…") and len(cut) <= 61
    assert text.startswith(cut[:-1]) and text[len(cut) - 1] == " "  # a whole word, then the cut
    assert excerpt("ngắn gọn") == "ngắn gọn"
    assert excerpt("x" * 100) == "x" * 60 + "…"  # one word longer than the limit: cut where it must


def test_subjects_quote_whole_words_and_a_unit_is_directed_to(personas):
    p = personas
    text = "Yêu cầu UBND phường kiểm tra, báo cáo trước ngày 15 về tình hình xử lý các điểm ngập"
    directive = directive_issue(p.leader, unit_code=p.ward.code, text=text)
    subject = Notification.objects.filter(recipient=p.head, channel="in_app").latest("id").subject
    assert subject in (
        f"Chỉ đạo của {p.leader.full_name} gửi {p.ward.name}",
        f"Directive from {p.leader.full_name} to {p.ward.name}",  # until the translation is in
    )
    directive_complete(p.head, directive.pk, response="Đã kiểm tra")
    subject = Notification.objects.filter(recipient=p.leader, channel="in_app").latest("id").subject
    quoted = re.search(r"“(.*)”", subject).group(1)
    assert quoted.endswith("…") and text.startswith(quoted[:-1]) and text[len(quoted) - 1] == " "
