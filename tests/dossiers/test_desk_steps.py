"""The one-stop desk's steps (performer "desk"): handing the result back stays where the applicant filed,
also when a commune's desk received a department's procedure (inter-level one-stop)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from citydesk.core.errors import NotAllowed
from citydesk.dossiers.catalog import is_inter_agency
from citydesk.dossiers.catalog_values import choice_code
from citydesk.dossiers.models import Authority, Performer, ProcedureStep, Status
from citydesk.dossiers.services import dossier_transition
from tests.dossiers.conftest import make_procedure

pytestmark = pytest.mark.django_db

R, M = Performer.RECEIVING_UNIT, Performer.DESK


def licence(code: str = "TM-05", last: str = M) -> Any:
    return make_procedure(
        code,
        "Cấp Giấy phép bán buôn sản phẩm thuốc lá",
        authority=Authority.DEPARTMENT,
        department_code="SXD",
        days=15,
        steps=[
            ("Tiếp nhận hồ sơ", R, "", "officer", 10),
            ("Thẩm định hồ sơ", R, "", "officer", 60),
            ("Lãnh đạo Sở ký kết quả", R, "", "head", 25),
            ("Trả kết quả", last, "", "officer", 5),
        ],
    )


def test_the_result_goes_back_at_the_ward_that_received_it(personas, catalog, receive):
    dossier = receive(licence())
    units = list(dossier.steps.order_by("position").values_list("unit_id", flat=True))
    assert units == [personas.ward.pk, personas.department.pk, personas.department.pk, personas.ward.pk]

    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="forward")
    dossier = dossier_transition(user=catalog.department_officer, code=dossier.code, action="forward")
    dossier = dossier_transition(user=personas.department_head, code=dossier.code, action="forward")
    assert dossier.current_step.unit_id == personas.ward.pk
    with pytest.raises(NotAllowed):  # the department signed; the ward's desk hands it over
        dossier_transition(user=catalog.department_officer, code=dossier.code, action="finish", note="Xong")
    dossier = dossier_transition(
        user=personas.officer, code=dossier.code, action="finish", note="Đã có giấy phép"
    )
    assert dossier.status == Status.RESULT_READY
    dossier = dossier_transition(user=personas.officer, code=dossier.code, action="return_result")
    assert dossier.status == Status.RETURNED


def test_the_receiving_units_last_step_still_follows_the_department(personas, catalog, receive):
    dossier = receive(licence("TM-06", last=R))  # a process that says nothing of the desk
    units = list(dossier.steps.order_by("position").values_list("unit_id", flat=True))
    assert units == [personas.ward.pk] + [personas.department.pk] * 3


def test_at_the_department_itself_every_step_is_the_departments(personas, catalog, receive):
    dossier = receive(licence(), user=catalog.department_officer, unit_code=personas.department.code)
    assert set(dossier.steps.values_list("unit_id", flat=True)) == {personas.department.pk}


def test_the_desk_is_the_receiving_unit_in_the_catalog(personas, catalog, client):
    procedure = licence()
    assert not is_inter_agency(procedure.steps.all())  # one unit: the receiving one and its desk
    page = client.get(f"/thu-tuc/{procedure.code}/").content.decode()
    assert "Bộ phận Một cửa nơi tiếp nhận hồ sơ" in page
    assert page.count("liên thông") == 0
    # Typed in a catalog sheet, with or without accents, or its short form.
    for text in ("Bộ phận Một cửa nơi tiếp nhận", "bo phan mot cua noi tiep nhan", "Một cửa", "desk"):
        assert choice_code("performer", text) == Performer.DESK


def test_the_upgrade_gives_the_last_return_step_to_the_desk(personas, catalog):
    procedure = licence("TM-07", last=R)
    other = make_procedure(
        "TM-08",
        "Thủ tục kết thúc bằng bước thẩm định",
        authority=Authority.WARD,
        days=3,
        steps=[("Trả kết quả kiểm tra sơ bộ", R, "", "officer", 50), ("Thẩm định", R, "", "officer", 50)],
    )
    migration = importlib.import_module("citydesk.dossiers.migrations.0012_step_performer_desk")
    migration.mark_return_steps(apps, None)
    performers = dict(ProcedureStep.objects.filter(procedure=procedure).values_list("position", "performer"))
    assert performers == {1: R, 2: R, 3: R, 4: M}
    # Only a process's last step, and only one named so: the other procedure is unchanged.
    assert set(ProcedureStep.objects.filter(procedure=other).values_list("performer", flat=True)) == {R}
    migration.unmark_return_steps(apps, None)
    assert not ProcedureStep.objects.filter(performer=M).exists()
