"""RowWriter stores exactly what the ORM would store, on every model that uses it."""

from datetime import UTC, datetime

import pytest
from django.forms.models import model_to_dict

from citydesk.core.models import AuditEntry
from citydesk.core.rows import RowWriter
from citydesk.notifications.models import Notification
from citydesk.reports.models import Follower, Report, ReportEvent

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 3, 2, 8, 30, 15, 123456, tzinfo=UTC)


def _stored(model, pk):
    return model_to_dict(model.objects.get(pk=pk))


def _same_as_orm(model, make, *, ignore=("id",), writer=None):
    writer = writer or RowWriter(model)
    ours, theirs = make(1), make(2)
    writer.insert([ours])
    theirs.save(force_insert=True)
    assert ours.pk is not None and not ours._state.adding
    a, b = _stored(model, ours.pk), _stored(model, theirs.pk)
    for name in ignore:
        a.pop(name, None), b.pop(name, None)
    assert a == b
    return ours


def _report(categories, personas, n):
    return Report(
        code=f"PA-26-9{n:05d}",
        category=categories["road"],
        description="Ổ gà “sâu” <b>nguy hiểm</b>",
        lon=106.6946,
        lat=10.7714,
        ward_id="26743",
        province_code="79",
        unit=personas.ward,
        channel="web",
        contact_phone="0901234567",
        answers={"depth_cm": 12.5, "ghi_chú": "Đường Lê Lợi"},
        created_at=WHEN,
        updated_at=WHEN,
        due_at=WHEN,
        citizen_token=f"token-{n}",
    )


def test_report_and_its_rows(categories, personas):
    report = _same_as_orm(
        Report, lambda n: _report(categories, personas, n), ignore=("id", "code", "citizen_token")
    )
    _same_as_orm(
        ReportEvent,
        lambda n: ReportEvent(report=report, at=WHEN, kind="status", to_status="received", note="Đã nhận"),
    )
    _same_as_orm(
        Follower,
        ignore=("id", "email"),
        make=lambda n: Follower(report=report, email=f"dan{n}@example.vn", created_at=WHEN),
    )


def test_several_rows_in_one_statement_get_their_ids_in_order(categories, personas):
    report = _report(categories, personas, 7)
    RowWriter(Report).insert([report])
    events = [ReportEvent(report=report, kind="note", note=f"ghi chú {i}") for i in range(3)]
    RowWriter(ReportEvent).insert(events)
    assert [ReportEvent.objects.get(pk=e.pk).note for e in events] == ["ghi chú 0", "ghi chú 1", "ghi chú 2"]


def test_notification_defaults(personas):
    _same_as_orm(
        Notification,
        lambda n: Notification(channel="in_app", recipient=personas.citizen, subject="Cập nhật", body="…"),
        ignore=("id", "created_at", "next_attempt_at"),
    )


def test_audit_entry_with_an_explicit_id(personas):
    from citydesk.core.audit import Actor, audit_record

    entry = audit_record(actor=Actor.system(), action="probe", object_type="x", object_id=1, after={"a": "ư"})
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.hash == entry.hash and stored.after == {"a": "ư"}
    assert RowWriter(AuditEntry, explicit_pk=True).sql().count("%s") == len(AuditEntry._meta.concrete_fields)


def _through_the_fields(writer: RowWriter, obj) -> list:
    from django.db import connection

    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in writer.fields]


@pytest.mark.parametrize(
    "model_path",
    [
        "citydesk.reports.models.Report",
        "citydesk.reports.models.ReportEvent",
        "citydesk.reports.models.Follower",
        "citydesk.notifications.models.Notification",
        "citydesk.core.models.AuditEntry",
        "citydesk.dossiers.models.Dossier",
        "citydesk.dossiers.models.DossierStep",
        "citydesk.dossiers.models.DossierDocument",
        "citydesk.dossiers.models.DossierEvent",
    ],
)
def test_values_passed_through_are_what_the_fields_would_store(model_path, categories, personas):
    """Values stored as they are (str, int, float, bool, None) equal what the field itself would give;
    the rest (dates, JSON, enum members, a bool or a str in an integer column) still go through it."""
    from django.utils.module_loading import import_string

    model = import_string(model_path)
    writer = RowWriter(model)
    obj = model()
    samples = {
        "CharField": "Bến Thành",
        "TextField": "Ổ gà <b>sâu</b>",
        "EmailField": "dan@example.vn",
        "BooleanField": True,
        "FloatField": 10.5,
        "IntegerField": 7,
        "PositiveIntegerField": True,  # a bool where an int goes: the field makes it 1
        "PositiveSmallIntegerField": "3",  # a str where an int goes: the field makes it 3
        "PositiveBigIntegerField": 2**40,
        "BigAutoField": 12,
        "DateTimeField": WHEN,
        "JSONField": {"đường": "Lê Lợi", "n": [1, 2]},
    }
    for field in writer.fields:
        kind = field.get_internal_type()
        if field.is_relation:
            target = field.target_field.get_internal_type()
            value = "26743" if target == "CharField" else 5
        elif field.choices:
            value = _Member(field.choices[0][0])  # as a TextChoices member is: a str subclass
        else:
            value = samples.get(kind)
        setattr(obj, field.attname, value)
    assert _typed(writer.values(obj)) == _typed(_through_the_fields(writer, obj))
    for field in writer.fields:  # and every nullable column left empty
        if field.null:
            setattr(obj, field.attname, None)
    assert _typed(writer.values(obj)) == _typed(_through_the_fields(writer, obj))


class _Member(str):
    pass


def _typed(values: list) -> list:
    # True == 1 in Python: the types tell them apart. PostgreSQL's JSON comes wrapped in an adapter
    # object (psycopg's Jsonb), a new one each time: compared by what it wraps.
    return [(type(v), getattr(v, "obj", v)) for v in values]
