"""The formula language, catalog checks, definition checks and the demo catalog and data."""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pytest

from citydesk.core.errors import DomainError
from citydesk.core.models import Organisation, OrgKind
from citydesk.indicators.catalog import (
    PLATFORM_KEYS,
    check_catalog,
    check_indicator,
    evaluate,
    evaluate_arrays,
    formula_order,
    parse_formula,
)
from citydesk.indicators.demo import PLANTED, catalog_specs, seed_indicators, synthetic_series
from citydesk.indicators.models import DataValue, Indicator, IndicatorGroup, Plan, Submission

# ---------------------------------------------------------------- formulas


def test_parse_formula_returns_codes():
    assert parse_formula("GRDP_CUR * 1000 / POP_CITY") == {"GRDP_CUR", "POP_CITY"}
    assert parse_formula("(A + B2) / (C_1 - 3.5)") == {"A", "B2", "C_1"}
    assert parse_formula("42") == set()


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("8 / 4 / 2", 1),
        ("-A + 5", 3),
        ("-(A + 1) * 2", -6),
        ("A * 100 / B", 50),
        ("2 * -A", -4),
        ("+A", 2),
    ],
)
def test_evaluate_precedence_and_parentheses(formula, expected):
    assert evaluate(formula, {"A": 2, "B": 4}) == pytest.approx(expected)


def test_evaluate_missing_value_and_division_by_zero_give_none():
    assert evaluate("A / B", {"A": 1, "B": 0}) is None
    assert evaluate("A / (B - B)", {"A": 1, "B": 3}) is None
    assert evaluate("A + B", {"A": 1}) is None
    assert evaluate("A + B", {"A": 1, "B": None}) is None
    assert evaluate("A + B", {"A": 1, "B": float("nan")}) is None


def test_evaluate_arrays_matches_evaluate():
    a = np.array([1.0, 2.0, np.nan, 4.0])
    b = np.array([2.0, 0.0, 1.0, 8.0])
    out = evaluate_arrays("A * 100 / B", {"A": a, "B": b})
    assert out[0] == 50 and np.isnan(out[1]) and np.isnan(out[2]) and out[3] == 50
    assert np.isnan(evaluate_arrays("A + C", {"A": a})).all()


@pytest.mark.parametrize(
    "formula",
    [
        "__import__('os')",
        "__import__('os').system('true')",
        "A.real",
        "abs(A)",
        "a + b",
        "A ** 2",
        "A + 'x'",
        "A +",
        "(A + 1",
        "A + 1)",
        "A B",
        "1e3",
        "",
        "   ",
        "A; B",
        "[A]",
        "lambda: 1",
        "(" * 60 + "1" + ")" * 60,
        "A" + " + A" * 300,
    ],
)
def test_formula_refuses_anything_else(formula):
    with pytest.raises(DomainError) as exc:
        parse_formula(formula)
    assert exc.value.field == "formula"


# ---------------------------------------------------------------- catalog checks


def _f(code: str, formula: str = "") -> dict:
    return {"code": code, "source": "formula" if formula else "entry", "formula": formula}


def test_check_catalog_accepts_a_good_catalog_and_orders_formulas():
    items = [_f("A"), _f("B"), _f("C", "A + B"), _f("D", "C * 2"), _f("E", "D / A")]
    check_catalog(items)
    order = formula_order(items)
    assert order.index("C") < order.index("D") < order.index("E")


def test_check_catalog_unknown_code():
    with pytest.raises(DomainError) as exc:
        check_catalog([_f("A"), _f("C", "A + NOPE")])
    assert exc.value.field == "formula" and "NOPE" in exc.value.message


def test_check_catalog_names_the_cycle():
    with pytest.raises(DomainError) as exc:
        check_catalog([_f("A", "B + 1"), _f("B", "A * 2")])
    assert exc.value.field == "formula" and "A → B → A" in exc.value.message
    with pytest.raises(DomainError) as exc:
        check_catalog([_f("X"), _f("A", "B"), _f("B", "C + X"), _f("C", "A")])
    assert "A → B → C → A" in exc.value.message
    with pytest.raises(DomainError) as exc:
        check_catalog([_f("S", "S + 1")])
    assert "S → S" in exc.value.message


def _ind(**kw) -> dict:
    base = {"code": "X", "source": "entry", "periodicity": "M", "over_units": "sum", "over_time": "sum"}
    return {**base, **kw}


def test_check_indicator_accepts_good_definitions():
    check_indicator(_ind())
    check_indicator(_ind(over_units="ratio", over_time="ratio", numerator="N", denominator="D"))
    check_indicator(_ind(over_units="weighted", weight="POP"))
    check_indicator(_ind(source="formula", formula="A / B"), known_codes={"A", "B"})
    check_indicator(_ind(source="platform", platform_key="reports.received"))


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        (_ind(code="bad code"), "code"),
        (_ind(code="1X"), "code"),
        (_ind(periodicity="W"), "periodicity"),
        (_ind(over_units="median"), "over_units"),
        (_ind(over_units="ratio", denominator="D"), "numerator"),
        (_ind(over_time="ratio", numerator="N"), "denominator"),
        (_ind(over_units="ratio", numerator="N", denominator="N"), "denominator"),
        (_ind(over_units="weighted"), "weight"),
        (_ind(over_units="weighted", weight="X"), "weight"),
        (_ind(min_value=10, max_value=1), "min_value"),
        (_ind(source="formula"), "formula"),
        (_ind(source="formula", formula="X + 1"), "formula"),
        (_ind(source="formula", formula="A + NOPE"), "formula"),
        (_ind(source="formula", formula="os.system('x')"), "formula"),
        (_ind(source="platform"), "platform_key"),
        (_ind(source="platform", platform_key="reports.everything"), "platform_key"),
        (_ind(source="magic"), "source"),
    ],
)
def test_check_indicator_refuses_bad_definitions(definition, field):
    with pytest.raises(DomainError) as exc:
        check_indicator(definition, known_codes={"A", "X"})
    assert exc.value.field == field


def test_platform_keys_include_the_contracted_ones():
    for key in ["reports.received", "reports.on_time_pct", "dossiers.received", "dossiers.online_pct"]:
        assert key in PLATFORM_KEYS
    assert {"dossiers.on_time_pct", "ratings.satisfied_pct"} <= set(PLATFORM_KEYS)


# ---------------------------------------------------------------- demo catalog and data


def test_demo_catalog_has_20_groups_and_110_valid_indicators():
    groups, specs = catalog_specs()
    assert len(groups) == 20 and len({g[0] for g in groups}) == 20
    assert len(specs) == 110 and len({s.code for s in specs}) == 110
    assert {s.group for s in specs} == {g[0] for g in groups}
    names = {s.name for s in specs}
    for name in [
        "Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng",
        "Tỷ lệ thất nghiệp",
        "Số hộ nghèo",
    ]:
        assert name in names
    sources = {s.source for s in specs}
    assert sources == {"entry", "platform", "formula"}
    assert {s.periodicity for s in specs} == {"M", "Q", "Y"}
    assert {s.over_units for s in specs} == {"sum", "avg", "weighted", "ratio", "last"} - {"last"} | (
        {s.over_units for s in specs} & {"last"}
    )


def test_synthetic_series_shape_and_planted_mask():
    values, planted = synthetic_series(5, 7, 60, seed=1, anomaly_rate=0.02)
    assert values.shape == planted.shape == (5, 7, 60)
    assert (values > 0).all() and planted.dtype == bool
    assert not planted[:, :, :24].any() and 0 < planted.sum() < values.size * 0.05
    again, again_planted = synthetic_series(5, 7, 60, seed=1, anomaly_rate=0.02)
    assert np.array_equal(values, again) and np.array_equal(planted, again_planted)


@pytest.fixture
def demo_units(db):
    made = {}
    for city_code, wards in {"79": ["26743", "26824", "26740"], "01": ["00070", "00004"]}.items():
        city = Organisation.objects.create(
            code=city_code, name=f"UBND {city_code}", kind=OrgKind.PEOPLES_COMMITTEE
        )
        made[city_code] = city
        for suffix in ["SCT", "SNNMT", "SXD", "SNV", "SGDDT", "SYT"]:
            code = f"{city_code}.{suffix}"
            made[code] = Organisation.objects.create(
                code=code, name=suffix, kind=OrgKind.DEPARTMENT, parent=city
            )
        for ward in wards:
            made[ward] = Organisation.objects.create(
                code=ward, name=f"UBND Phường {ward}", kind=OrgKind.PEOPLES_COMMITTEE, parent=city
            )
            Organisation.objects.create(
                code=f"{ward}.MC", name="Một cửa", kind=OrgKind.ONE_STOP_DESK, parent=made[ward]
            )
    return made


END = date(2026, 10, 1)


def test_seed_indicators_creates_catalog_data_plans_and_planted_anomalies(demo_units):
    started = time.perf_counter()
    counts = seed_indicators(years=2, end=END)
    elapsed = time.perf_counter() - started
    assert counts["indicator_groups"] == 20 and counts["indicators"] == 110
    assert IndicatorGroup.objects.count() == 20 and Indicator.objects.count() == 110
    # Entered history is generated; the platform's own values are computed from the demo's real data.
    assert counts["indicator_values"] + counts["indicator_platform_values"] == DataValue.objects.count()
    assert counts["indicator_values"] > 4_000
    assert DataValue.objects.filter(source="platform").count() == counts["indicator_platform_values"]
    assert counts["indicator_plans"] == Plan.objects.count() > 400
    assert elapsed < 20
    # every stored definition passes the checks
    indicators = list(Indicator.objects.select_related("numerator", "denominator", "weight"))
    for indicator in indicators:
        check_indicator(indicator, known_codes={i.code for i in indicators})
    check_catalog(indicators)
    # reporting units: wards, departments, the city
    retail = Indicator.objects.get(code="RETAIL")
    assert set(retail.reporting_units.values_list("code", flat=True)) == {
        "26743",
        "26824",
        "26740",
        "00070",
        "00004",
    }
    assert set(Indicator.objects.get(code="IIP").reporting_units.values_list("code", flat=True)) == {
        "79.SCT",
        "01.SCT",
    }
    assert set(Indicator.objects.get(code="BUD_REV").reporting_units.values_list("code", flat=True)) == {
        "79",
        "01",
    }
    # The demo's reports are mostly sent on time, some late: not every unit late everywhere.
    from citydesk.indicators.services.submissions import is_late

    sent = [s for s in Submission.objects.exclude(submitted_at=None) if s.due_at is not None]
    late = sum(is_late(s) for s in sent)
    assert sent and 0 < late < len(sent) * 0.25, (late, len(sent))
    assert Indicator.objects.get(code="DOS_ONLINE_PCT").platform_key == "dossiers.online_pct"
    assert Indicator.objects.get(code="POOR_RATE").numerator.code == "POOR_HH"
    # monthly values cover the window; no value outside its valid range
    months = DataValue.objects.filter(indicator=retail, unit=demo_units["26740"]).values_list(
        "period", flat=True
    )
    assert min(months) == date(2024, 11, 1) and max(months) == END
    # Every entered value comes with its unit's report, sent (only those reach the leaders' figures):
    # the last month's submitted and awaiting approval, this year's approved, last year's locked.
    entered = set(
        DataValue.objects.filter(source="entry").values_list(
            "indicator__group_id", "unit_id", "period_type", "period"
        )
    )
    reports = set(Submission.objects.values_list("group_id", "unit_id", "period_type", "period"))
    assert entered == reports

    def states(period: date) -> set[str]:
        return set(Submission.objects.filter(period_type="M", period=period).values_list("state", flat=True))

    assert states(END) == {"submitted"}
    assert states(date(2026, 9, 1)) == {"approved"}
    assert states(date(2025, 9, 1)) == {"locked"}
    for indicator in indicators:
        values = DataValue.objects.filter(indicator=indicator).values_list("value", flat=True)
        if not values:
            assert indicator.source in ("platform", "formula"), indicator.code  # platform-derived values
            continue
        if indicator.min_value is not None:
            assert min(values) >= indicator.min_value, indicator.code
        if indicator.max_value is not None and indicator.code not in {p[0] for p in PLANTED}:
            assert max(values) <= indicator.max_value, indicator.code
    # formulas and ratios agree with their parts
    trade = DataValue.objects.get(indicator__code="TRADE_BAL", unit__code="79", period=date(2026, 5, 1))
    exp = DataValue.objects.get(indicator__code="EXPORT", unit__code="79", period=date(2026, 5, 1))
    imp = DataValue.objects.get(indicator__code="IMPORT", unit__code="79", period=date(2026, 5, 1))
    assert trade.value == pytest.approx(exp.value - imp.value, abs=0.2)
    # planted anomalies stand out from the same month of the other year / neighbours
    for code, unit_code, month, factor, _what in PLANTED:
        row = DataValue.objects.get(indicator__code=code, unit__code=unit_code, period_type="M", period=month)
        neighbours = DataValue.objects.filter(
            indicator__code=code,
            unit__code=unit_code,
            period_type="M",
            period__in=[date(month.year - 1, month.month, 1)],
        ).values_list("value", flat=True)
        usual = next(iter(neighbours))
        ratio = row.value / usual
        assert ratio == pytest.approx(factor, rel=0.35), (code, ratio)
    # plans: revision 1 everywhere, revision 2 for a few, newest in force
    assert (
        Plan.objects.filter(indicator__code="BUD_REV", unit__code="79", period=date(2026, 1, 1)).count() == 2
    )
    assert (
        not Plan.objects.filter(revision=2)
        .exclude(indicator__code__in=["BUD_REV", "FDI_REG", "EXPORT", "RETAIL", "ENT_NEW"])
        .exists()
    )
    # idempotent
    again = seed_indicators(years=2, end=END)
    assert again["indicator_values"] == 0 and again["indicator_plans"] == 0
    # (the platform's values are recomputed in place, never duplicated)
    assert DataValue.objects.count() == counts["indicator_values"] + counts["indicator_platform_values"]
    assert Indicator.objects.count() == 110


def test_seed_without_demo_units_still_creates_the_catalog(db):
    counts = seed_indicators(years=1, end=END)
    assert counts["indicators"] == 110 and counts["indicator_values"] == 0


# ---------------------------------------------------------------- command and back office


def test_seed_indicators_command(demo_units):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("seed-indicators", "--years", "1", stdout=out)
    assert "chỉ tiêu: 110" in out.getvalue() and DataValue.objects.exists()
    with pytest.raises(CommandError) as exc:
        call_command("seed-indicators", "--years", "0")
    assert exc.value.returncode == 2


def test_admin_pages_and_indicator_form_checks(demo_units, admin_client):
    from citydesk.indicators.admin import IndicatorForm

    seed_indicators(years=1, end=END)
    for model in ["indicatorgroup", "indicator", "datavalue", "plan", "submission", "finding"]:
        assert admin_client.get(f"/quan-tri/indicators/{model}/").status_code == 200, model
    retail = Indicator.objects.get(code="RETAIL")
    assert admin_client.get(f"/quan-tri/indicators/indicator/{retail.pk}/change/").status_code == 200
    assert (
        admin_client.get(f"/quan-tri/indicators/datavalue/{DataValue.objects.first().pk}/change/").status_code
        == 200
    )

    def form_for(indicator, **changes):
        data = {
            f.name: getattr(indicator, f.attname)
            for f in Indicator._meta.concrete_fields
            if f.name != "id" and getattr(indicator, f.attname) is not None
        }
        data["reporting_units"] = list(indicator.reporting_units.values_list("pk", flat=True))
        data.update(changes)
        return IndicatorForm(data=data, instance=indicator)

    assert form_for(retail).is_valid(), form_for(retail).errors
    trade = Indicator.objects.get(code="TRADE_BAL")
    cyclic = form_for(Indicator.objects.get(code="EXPORT"), source="formula", formula="TRADE_BAL + IMPORT")
    assert not cyclic.is_valid() and "formula" in cyclic.errors
    unknown = form_for(trade, formula="EXPORT - NOPE")
    assert not unknown.is_valid() and "formula" in unknown.errors
    evil = form_for(trade, formula="__import__('os')")
    assert not evil.is_valid() and "formula" in evil.errors
    platform = form_for(retail, source="platform", platform_key="nope")
    assert not platform.is_valid() and "platform_key" in platform.errors
    assert Indicator.objects.get(code="TRADE_BAL").formula == "EXPORT - IMPORT"
