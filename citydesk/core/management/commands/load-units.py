from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.admin_audit import snapshot
from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import DomainError
from citydesk.core.management.commands._output import TranslatedCommand, count_text, number
from citydesk.core.models import AdminUnit, DivisionLevel, Organisation, OrgKind
from citydesk.core.units import load_units, normalize_code


def _province_key(province_code: str) -> str:
    """The code as the units carry it: 79, 01 ("1" -> "01")."""
    code = province_code.strip()
    return code.zfill(2) if code.isdigit() else code


def _no_such_province(province_code: str) -> DomainError:
    return DomainError(
        _(
            "There is no province-level unit with the code “%(code)s” (79 is Ho Chi Minh City, 01 "
            "Hanoi; the units page /don-vi-hanh-chinh/ lists them)."
        )
        % {"code": province_code.strip()},
        field="city",
    )


def check_province_codes(province_codes: list[str]) -> None:
    """Every --city code checked against the official list (the one load_units loads) before anything is
    written: `--city 79 --city abc` refuses at once, instead of loading the units and HCMC's committees and
    then stopping on abc."""
    from vietnam_provinces import Province

    official = {normalize_code(p.code.value, level=DivisionLevel.PROVINCE) for p in Province.iter_all()}
    for code in province_codes:
        if _province_key(code) not in official:
            raise _no_such_province(code)


@transaction.atomic
def committees_create(*, actor: Actor, province_code: str) -> tuple[AdminUnit, int, int]:
    """The People's Committee of a province-level unit and those of each of its communes and wards (coded
    as their units: 79, 26743), made where missing (an existing one, an administrator's edits included, is
    left as it is), each audited. Returns the province and how many were made and already there."""
    province = AdminUnit.objects.filter(
        code=_province_key(province_code), level=DivisionLevel.PROVINCE
    ).first()
    if province is None:
        raise _no_such_province(province_code)
    made = kept = 0

    def ensure(unit: AdminUnit, parent: Organisation | None) -> Organisation:
        nonlocal made, kept
        organisation, created = Organisation.objects.get_or_create(
            code=unit.code,
            defaults={
                "name": f"UBND {unit.name}",
                "kind": OrgKind.PEOPLES_COMMITTEE,
                "parent": parent,
                "admin_unit": unit,
            },
        )
        if created:
            made += 1
            audit_record(
                actor=actor,
                action="organisation.create",
                object_type="organisation",
                object_id=organisation.pk,
                after=snapshot(organisation),
            )
        else:
            kept += 1
        return organisation

    city = ensure(province, None)
    for ward in AdminUnit.objects.filter(province=province, level=DivisionLevel.WARD).order_by("code"):
        ensure(ward, city)
    return province, made, kept


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Load (or refresh) the official administrative units, legacy units and approximate boundaries. With "
        "--city, also create the People's Committees of that province or city and of each of its communes "
        "and wards, so that accounts can be given to them (citydesk load-units --city 79 for Ho Chi Minh "
        "City): on a new installation, before the first citydesk create-user."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-legacy", action="store_true", help=gettext_lazy("skip pre-2025 units and their mapping")
        )
        parser.add_argument(
            "--city",
            action="append",
            default=[],
            metavar="CODE",
            help=gettext_lazy(
                "the code of a province or city (79 Ho Chi Minh City, 01 Hanoi) whose People's Committee "
                "and those of its communes and wards are created where missing; may be repeated"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        check_province_codes(options["city"])
        counts = load_units(legacy=not options["no_legacy"])
        self.stdout.write(count_text(counts))
        actor = self.cli_actor()
        for code in options["city"]:
            province, made, kept = committees_create(actor=actor, province_code=code)
            self.stdout.write(
                _(
                    "People's Committees of %(province)s and its communes and wards: %(made)s created, "
                    "%(kept)s already there."
                )
                % {"province": province.name, "made": number(made), "kept": number(kept)}
            )
