"""The back office and the audit trail read in the reader's language, find names typed without accents, and
say what they did: a review by the city's IT administrator (English leftovers, raw codes and ids, accent-only
searches, the oldest audit rows first, a user form with three name fields, lists without a hint of how their
rows are made, a day off that moved deadlines without saying so)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.utils import timezone, translation
from django.utils.text import capfirst

from citydesk.core import deadline_follow
from citydesk.core.audit import Actor, audit_record
from citydesk.core.audit_labels import change_rows, entry_action_label
from citydesk.core.models import AuditEntry, ServiceCategory
from citydesk.reports.models import Open311Client, ReportEvent, RoutingRule
from tests.dossiers.conftest import at, catalog, receive  # noqa: F401  (fixtures)
from tests.reports.conftest import categories, submit_report  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
ADMIN = "/quan-tri"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


# --- 1. Names in the reader's language ------------------------------------------------------------------


def test_every_model_is_named_for_translation():
    """A model without a verbose name is named from its class (“audit chain head”, “phone check failuress”):
    English in the permission lists and the audit trail whatever the catalogue says."""
    unnamed = [
        model._meta.label
        for model in apps.get_models()
        if not {"verbose_name", "verbose_name_plural"} <= set(model._meta.original_attrs)
    ]
    assert unnamed == []


def test_djangos_names_without_vietnamese_are_in_the_catalogue():
    from citydesk.core.django_wording import DJANGO_MESSAGES

    marked = set(DJANGO_MESSAGES)
    sessions = apps.get_app_config("sessions")
    session = sessions.get_model("session")._meta
    for name in (sessions.verbose_name, session.verbose_name, session.verbose_name_plural):
        with translation.override(None):
            assert str(name) in marked
    user = apps.get_model("core", "User")._meta
    with translation.override(None):
        assert str(user.get_field("is_superuser").verbose_name) in marked
        assert str(user.get_field("is_staff").help_text) in marked


def test_the_report_history_shows_names_not_codes(staff, personas, categories):  # noqa: F811
    report = submit_report()
    ReportEvent.objects.create(
        report=report, kind="status", actor_label="x", right="delegated", from_status="classified",
        to_status="assigned",
    )  # fmt: skip
    page = staff.get(f"{ADMIN}/reports/report/{report.pk}/change/", **EN).content.decode()
    assert "Report history" in page and "Report events" not in page
    assert "<p>By delegation</p>" in page and "<p>delegated</p>" not in page
    assert "<p>Classified</p>" in page and "<p>Assigned</p>" in page and "<p>assigned</p>" not in page
    assert f"{report.pk} status" not in page  # the rows were named by their codes
    vi = staff.get(f"{ADMIN}/reports/report/{report.pk}/change/").content.decode()
    assert "<p>delegated</p>" not in vi and "<p>classified</p>" not in vi


def test_the_dossier_page_names_its_steps_papers_and_history(staff, personas, receive):  # noqa: F811
    dossier = receive()
    page = staff.get(f"{ADMIN}/dossiers/dossier/{dossier.pk}/change/", **EN).content.decode()
    for heading in ("Dossier steps", "Dossier documents", "Dossier history"):
        assert heading in page
    assert "<p>Received</p>" in page and "<p>received</p>" not in page
    assert f"{dossier.pk}/1 " not in page  # a step's row named “120/1 Tiếp nhận”


def test_desk_transactions_show_their_kind_by_name(staff, personas):
    from citydesk.ratings.models import DeskTransaction
    from citydesk.ratings.services import TRANSACTION_KINDS

    row = DeskTransaction.objects.create(
        code="GD-1", unit=personas.ward, officer=personas.officer, kind="return", expires_at=timezone.now()
    )
    page = staff.get(f"{ADMIN}/ratings/desktransaction/").content.decode()
    assert str(TRANSACTION_KINDS["return"]) in page and ">return<" not in page
    detail = staff.get(f"{ADMIN}/ratings/desktransaction/{row.pk}/change/").content.decode()
    assert str(TRANSACTION_KINDS["return"]) in detail


def test_the_task_page_labels_are_marked_for_translation():
    from django_tasks_db.models import DBTaskResult

    model_admin = admin.site.get_model_admin(DBTaskResult)
    with translation.override("en"):
        assert str(model_admin.display_run_after.short_description) == "Run after"
        assert str(model_admin.formatted_traceback.short_description) == "Traceback"


# --- 1. The audit trail, read -------------------------------------------------------------------------------


def _row(object_type: str, before: dict | None, after: dict | None, action: str = "") -> AuditEntry:
    return audit_record(
        actor=Actor.system("test"),
        action=action or f"{object_type}.change",
        object_type=object_type,
        object_id="1",
        before=before,
        after=after,
    )


def test_changes_read_with_field_names_choice_labels_and_names(personas, categories):  # noqa: F811
    road = ServiceCategory.objects.get(code="road_damage")
    field = ServiceCategory._meta.get_field
    entry = _row(
        "service_category", {"domain": "report", "working_days": 5}, {"domain": "dossier", "working_days": 3}
    )
    assert change_rows(entry) == [
        (
            capfirst(str(field("domain").verbose_name)),
            str(ServiceCategory.Domain.REPORT.label),
            str(ServiceCategory.Domain.DOSSIER.label),
        ),
        (capfirst(str(field("working_days").verbose_name)), "5", "3"),
    ]
    rule = _row(
        "routing_rule",
        {"category": None, "target": 999999},
        {"category": road.pk, "target": personas.ward.pk},
    )
    rows = {name: (old, new) for name, old, new in change_rows(rule)}
    category, target = (
        capfirst(str(RoutingRule._meta.get_field(f).verbose_name)) for f in ("category", "target")
    )
    assert rows[category] == ("—", f"{road.name} ({road.code})")
    assert rows[target] == ("999999", f"{personas.ward.name} ({personas.ward.code})")  # since deleted: its id
    # A service's row names its links by code: shown by the unit's name, with the code stored.
    report = _row(
        "report", {"unit": "26740", "status": "assigned"}, {"unit": "26743", "status": "in_progress"}
    )
    shown = [row[1:] for row in change_rows(report)]
    assert ("UBND Phường Sài Gòn (26740)", "UBND Phường Bến Thành (26743)") in shown
    escalation = _row("report", {}, {"told": ["head"], "auto_close_days": 7})
    names = [row[0] for row in change_rows(escalation)]
    assert "told" not in names and "auto_close_days" not in names, names  # named, not keys
    from citydesk.reports.models import Status

    assert (str(Status.ASSIGNED.label), str(Status.IN_PROGRESS.label)) in shown


def test_the_trail_page_shows_the_fields_by_their_names(personas):
    _row(
        "service_category",
        {"working_days": 5, "due_at": "2026-11-13T10:00:00+00:00"},
        {"working_days": 3, "due_at": "2026-11-16T10:00:00+00:00"},
    )
    client = Client()
    client.force_login(personas.inspector)
    page = client.get("/nhat-ky/").content.decode()
    label = capfirst(str(ServiceCategory._meta.get_field("working_days").verbose_name))
    assert f"{label}</span>: 5 → 3" in page and "working_days" not in page
    assert "due_at</span>: 13/11/2026 17:00 → 16/11/2026 17:00" in page  # no field of a category: as stored


def test_a_moment_reads_at_local_time_day_first_whatever_its_stored_form():
    entry = _row("api_token", {"revoked_at": None}, {"revoked_at": "2026-11-24 13:45:30.275154+00:00"})
    assert change_rows(entry)[0][1:] == ("—", "24/11/2026 20:45")
    iso = _row("kiosk", {"paired_at": "2026-11-13T10:00:00+00:00"}, {"paired_at": None})
    assert change_rows(iso)[0][1:] == ("13/11/2026 17:00", "—")
    day = _row("campaign", {"start_date": "2026-12-04"}, {"start_date": "2026-12-07"})
    assert change_rows(day)[0][1:] == ("04/12/2026", "07/12/2026")


def test_a_revoked_open311_client_reads_as_revoked_on_the_page_and_in_the_api(staff, personas, bearer):
    from citydesk.reports.open311 import open311_client_create

    open311_client_create(actor=Actor.system("test"), name="Ứng dụng thử")
    client = Open311Client.objects.get()
    r = staff.post(f"{ADMIN}/reports/open311client/", {"action": "revoke", "_selected_action": [client.pk]})
    assert r.status_code == 302
    entry = AuditEntry.objects.filter(object_type="open311_client").latest("id")
    assert entry.action == "open311_client.change"  # stored as it was; read as a revocation
    with translation.override("en"):
        assert entry_action_label(entry) == "Open311 client: revoked"
    client.refresh_from_db()
    local = timezone.localtime(client.revoked_at).strftime("%d/%m/%Y %H:%M")
    inspector = Client()
    inspector.force_login(personas.inspector)
    page = inspector.get("/nhat-ky/", {"object_type": "open311_client"}, **EN).content.decode()
    assert "Open311 client: revoked" in page and "Open311 client: changed" not in page
    assert f"{local}</li>" in page and "+00:00" not in page and "revoked_at" not in page
    api = inspector.get(
        "/api/v1/audit", {"object_type": "open311_client"}, **EN, **bearer(personas.inspector)
    )
    assert api.json()[0]["action_label"] == "Open311 client: revoked"
    assert api.json()[0]["after"] == entry.after  # the API still gives the stored values


def test_the_back_office_lists_the_trail_newest_first_with_what_changed(staff, personas):
    first = _row("service_category", {"working_days": 5}, {"working_days": 3})
    last = _row("service_category", {"working_days": 3}, {"working_days": 4})
    page = staff.get(f"{ADMIN}/core/auditentry/").content.decode()
    ids = [int(i) for i in re.findall(r"/quan-tri/core/auditentry/(\d+)/change/", page)]
    assert ids.index(last.pk) < ids.index(first.pk)
    detail = staff.get(f"{ADMIN}/core/auditentry/{last.pk}/change/").content.decode()
    label = capfirst(str(ServiceCategory._meta.get_field("working_days").verbose_name))
    assert f"<li>{label}: 3 → 4</li>" in detail


# --- 2. Searches without accents -------------------------------------------------------------------------


def test_organisations_users_and_categories_are_found_without_accents(staff, personas, categories):  # noqa: F811
    orgs = staff.get(f"{ADMIN}/core/organisation/", {"q": "ben thanh"}).content.decode()
    assert personas.ward.name in orgs and personas.other_ward.name not in orgs
    users = staff.get(f"{ADMIN}/core/user/", {"q": "tran van minh"}).content.decode()
    assert f">{personas.officer.username}<" in users and f">{personas.head.username}<" not in users
    # A word of the name and one of the unit, each without accents.
    both = staff.get(f"{ADMIN}/core/user/", {"q": "hung ben thanh"}).content.decode()
    assert f">{personas.head.username}<" in both and f">{personas.officer.username}<" not in both
    found = staff.get(f"{ADMIN}/core/servicecategory/", {"q": "hu hong"}).content.decode()
    assert "road_damage" in found and "street_lighting" not in found
    # The exact search still works, and finds nothing where nothing matches.
    assert personas.ward.name in staff.get(f"{ADMIN}/core/organisation/", {"q": "Bến Thành"}).content.decode()
    assert "road_damage" not in staff.get(f"{ADMIN}/core/servicecategory/", {"q": "hu xyz"}).content.decode()


def test_the_membership_picker_finds_a_unit_without_accents(staff, personas):
    r = staff.get(
        f"{ADMIN}/autocomplete/",
        {"term": "ben thanh", "app_label": "core", "model_name": "membership", "field_name": "organisation"},
    )
    assert r.status_code == 200, r.content
    texts = [item["text"] for item in r.json()["results"]]
    assert texts == [f"{personas.ward.name} ({personas.ward.code})"]


# --- 4. One name on the user form ---------------------------------------------------------------------


def test_the_user_form_asks_one_name_and_gives_hints_true_for_citydesk(staff, personas):
    page = staff.get(f"{ADMIN}/core/user/{personas.officer.pk}/change/", **EN).content.decode()
    assert 'name="full_name"' in page and 'name="phone"' in page
    assert 'name="first_name"' not in page and 'name="last_name"' not in page
    assert "Required. 150 characters or fewer" not in page
    add = staff.get(f"{ADMIN}/core/user/add/", **EN).content.decode()
    assert "Single Sign-On" not in add and "LDAP" not in add and "citydesk set-password" in add
    password = staff.get(f"{ADMIN}/core/user/{personas.officer.pk}/password/", **EN).content.decode()
    assert "Single Sign-On" not in password and 'id="id_unusable_warning"' in password


# --- 5. Where Open311 clients and API tokens come from -------------------------------------------------


def test_the_key_lists_say_which_command_makes_their_rows(staff, personas):
    clients = staff.get(f"{ADMIN}/reports/open311client/", **EN).content.decode()
    assert "citydesk create-api-key --name NAME" in clients
    tokens = staff.get(f"{ADMIN}/core/apitoken/", **EN).content.decode()
    assert "citydesk issue-token" in tokens


# --- 6. A day off says which deadlines it moved ----------------------------------------------------------


def test_a_day_off_entered_in_the_back_office_says_how_many_deadlines_moved(
    staff,
    personas,
    categories,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr(deadline_follow, "_now", lambda: at(2026, 12, 1, 8, 0))
    submit_report(when=at(2026, 12, 1, 9, 0))  # due Tuesday 8 December
    form = {"date": "04/12/2026", "kind": "day_off", "name": "Nghỉ bù", "legal_basis": ""}
    r = staff.post(f"{ADMIN}/core/calendaroverride/add/", form, follow=True, **EN)
    texts = [str(m) for m in r.context["messages"]]
    assert any("1 open report" in t and "0 open dossiers" in t for t in texts), texts
    entry = r.context["cl"].result_list[0] if "cl" in r.context else None
    assert entry is not None and entry.date == dt.date(2026, 12, 4)
    # Withdrawn: the deadline moves back, and the message says so too.
    r = staff.post(f"{ADMIN}/core/calendaroverride/{entry.pk}/delete/", {"post": "yes"}, follow=True, **EN)
    texts = [str(m) for m in r.context["messages"]]
    assert any("1 open report" in t for t in texts), texts
    # A day that moves nothing says so.
    form["date"] = "25/12/2026"
    r = staff.post(f"{ADMIN}/core/calendaroverride/add/", form, follow=True, **EN)
    assert any("No open report or dossier" in str(m) for m in r.context["messages"])
