"""A tiny catalog for the entry tests: one group, entered, platform and formula indicators."""

from __future__ import annotations

from dataclasses import dataclass

from citydesk.indicators.models import Indicator, IndicatorGroup


@dataclass
class Catalog:
    group: IndicatorGroup
    revenue: Indicator  # monthly, 0…1e6
    firms: Indicator  # monthly, whole numbers
    poor: Indicator  # yearly
    reports: Indicator  # platform
    per_firm: Indicator  # formula


def make_catalog(personas) -> Catalog:
    group = IndicatorGroup.objects.create(code="G01", name="Kinh tế", position=1)
    units = [personas.ward, personas.other_ward]

    def ind(code: str, **kw) -> Indicator:
        kw.setdefault("unit_of_measure", "tỷ đồng")
        indicator = Indicator.objects.create(group=group, code=code, name=f"Chỉ tiêu {code}", **kw)
        indicator.reporting_units.set(units)
        return indicator

    return Catalog(
        group=group,
        revenue=ind("REV", min_value=0, max_value=1_000_000, position=1),
        firms=ind("FIRMS", integer_only=True, min_value=0, unit_of_measure="doanh nghiệp", position=2),
        poor=ind("POOR", periodicity="Y", position=3),
        reports=ind("RPT", source="platform", platform_key="reports.received", position=4),
        per_firm=ind("PERFIRM", source="formula", formula="REV / FIRMS", position=5),
    )
