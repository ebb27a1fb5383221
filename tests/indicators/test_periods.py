"""Periods: parsing, labels, months, neighbours and fiscal years that start in another month."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.utils import translation

from citydesk.core.errors import DomainError
from citydesk.indicators import periods as P


def test_parse_period_accepts_month_quarter_year():
    assert P.parse_period("2026-03") == ("M", date(2026, 3, 1))
    assert P.parse_period(" 2026-3 ") == ("M", date(2026, 3, 1))
    assert P.parse_period("2026-Q2") == ("Q", date(2026, 4, 1))
    assert P.parse_period("2026q4") == ("Q", date(2026, 10, 1))
    assert P.parse_period("2026") == ("Y", date(2026, 1, 1))


def test_parse_period_reads_the_month_first_as_the_pages_write_it():
    assert P.parse_period("03/2026") == ("M", date(2026, 3, 1))
    assert P.parse_period(" 3/2026 ") == ("M", date(2026, 3, 1))
    assert P.parse_period("Q2/2026") == ("Q", date(2026, 4, 1))
    assert P.parse_period("q4/2026") == ("Q", date(2026, 10, 1))


def test_period_typed_is_read_back_as_the_same_period():
    for text in ["2026-03", "2026-Q1", "2026-Q3", "2026", "2025-12"]:
        period = P.parse_period(text)
        typed = P.period_typed(*period)
        assert P.parse_period(typed) == period
    assert [P.period_typed(*P.parse_period(t)) for t in ("2026-03", "2026-Q3", "2026")] == [
        "03/2026",
        "Q3/2026",
        "2026",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-13",
        "2026-00",
        "2026-Q5",
        "26-03",
        "March 2026",
        "2026-03-01",
        "13/2026",
        "0/2026",
        "Q5/2026",
        "03/26",
    ],
)
def test_parse_period_refuses_bad_text(text):
    with pytest.raises(DomainError) as exc:
        P.parse_period(text)
    assert exc.value.field == "period"


def test_period_key_is_the_inverse_of_parse():
    for text in ["2026-03", "2026-Q1", "2026-Q3", "2026", "2025-12"]:
        assert P.period_key(*P.parse_period(text)) == text


VI_LABELS = {"Tháng 3/2026", "Quý II/2026", "Năm 2026"}  # after the translations are merged


def test_labels():
    with translation.override("en"):
        assert P.period_label("M", date(2026, 3, 1)) == "March 2026"  # a month is named in English
        assert P.period_label("Q", date(2026, 4, 1)) == "Q2 2026"
        assert P.period_label("Y", date(2026, 1, 1)) == "Year 2026"
    labels = [P.period_label("M", date(2026, 3, 1)), P.period_label("Q", date(2026, 4, 1))]
    assert labels[0].endswith(" 3/2026") and labels[1].endswith(" II/2026")
    assert P.period_label("Y", date(2026, 1, 1)).endswith(" 2026")


def test_months_of_and_period_end():
    assert P.months_of("M", date(2026, 3, 1)) == [date(2026, 3, 1)]
    assert P.months_of("Q", date(2026, 4, 1)) == [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    assert len(P.months_of("Y", date(2026, 1, 1))) == 12
    assert P.period_end("Y", date(2026, 1, 1)) == date(2026, 12, 1)


def test_previous_and_same_period_last_year():
    assert P.previous("M", date(2026, 1, 1)) == date(2025, 12, 1)
    assert P.previous("Q", date(2026, 1, 1)) == date(2025, 10, 1)
    assert P.previous("Y", date(2026, 1, 1)) == date(2025, 1, 1)
    assert P.following("Q", date(2025, 10, 1)) == date(2026, 1, 1)
    assert P.same_period_last_year("M", date(2026, 3, 1)) == date(2025, 3, 1)
    assert P.same_period_last_year("Q", date(2026, 7, 1)) == date(2025, 7, 1)


def test_year_start_quarter_and_ytd_calendar_year():
    assert P.year_start(date(2026, 8, 17)) == date(2026, 1, 1)
    assert P.quarter_start(date(2026, 8, 17)) == date(2026, 7, 1)
    assert P.quarter_number(date(2026, 12, 1)) == 4
    assert P.period_of("Q", date(2026, 5, 9)) == date(2026, 4, 1)
    assert P.ytd_months("M", date(2026, 3, 1)) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert len(P.ytd_months("Q", date(2026, 4, 1))) == 6
    assert P.periods_between("Q", date(2025, 11, 1), date(2026, 5, 1)) == [
        date(2025, 10, 1),
        date(2026, 1, 1),
        date(2026, 4, 1),
    ]


def test_fiscal_year_starting_in_october(settings):
    settings.CITYDESK_FISCAL_YEAR_START_MONTH = 10
    assert P.year_start(date(2026, 3, 5)) == date(2025, 10, 1)
    assert P.year_start(date(2026, 10, 1)) == date(2026, 10, 1)
    assert P.parse_period("2026") == ("Y", date(2026, 10, 1))
    assert P.parse_period("2026-Q1") == ("Q", date(2026, 10, 1))
    assert P.parse_period("2026-Q2") == ("Q", date(2027, 1, 1))
    assert P.quarter_start(date(2026, 12, 31)) == date(2026, 10, 1)
    assert P.quarter_number(date(2027, 9, 1)) == 4
    assert P.period_label("Q", date(2027, 1, 1)).endswith(" II/2026")
    assert P.period_label("Y", date(2026, 10, 1)).endswith(" 2026")
    assert P.period_key("Q", date(2027, 7, 1)) == "2026-Q4"
    assert P.months_of("Y", date(2026, 10, 1))[-1] == date(2027, 9, 1)
    assert P.ytd_months("M", date(2026, 11, 1)) == [date(2026, 10, 1), date(2026, 11, 1)]
    assert not P.is_period_start("Q", date(2026, 1, 1)) or P.quarter_start(date(2026, 1, 1)) == date(
        2026, 1, 1
    )
    with pytest.raises(DomainError):
        P.check_fits(SimpleNamespace(code="X", periodicity="Y"), "Y", date(2026, 1, 1))


def test_fiscal_year_starting_in_april(settings):
    settings.CITYDESK_FISCAL_YEAR_START_MONTH = 4
    assert P.year_start(date(2026, 3, 31)) == date(2025, 4, 1)
    assert P.periods_between("Q", date(2026, 1, 1), date(2026, 6, 1)) == [date(2026, 1, 1), date(2026, 4, 1)]
    assert P.quarter_number(date(2026, 1, 1)) == 4


def test_bad_fiscal_month_setting(settings):
    settings.CITYDESK_FISCAL_YEAR_START_MONTH = 13
    with pytest.raises(DomainError):
        P.year_start(date(2026, 1, 1))


def test_check_fits():
    monthly = SimpleNamespace(code="RETAIL", periodicity="M")
    quarterly = SimpleNamespace(code="GRDP_CUR", periodicity="Q")
    P.check_fits(monthly, "M", date(2026, 3, 1))
    P.check_fits(quarterly, "Q", date(2026, 4, 1))
    P.check_fits(monthly, "Q", date(2026, 4, 1), derived=True)
    cases = [
        (monthly, "Q", date(2026, 4, 1), False),  # entered monthly, not by quarter
        (quarterly, "M", date(2026, 4, 1), False),
        (quarterly, "M", date(2026, 4, 1), True),  # finer than its periodicity is never derived
        (quarterly, "Q", date(2026, 5, 1), False),  # not the first month of a quarter
        (monthly, "M", date(2026, 3, 2), False),  # not the first day
        (monthly, "W", date(2026, 3, 1), False),
    ]
    for indicator, kind, day, derived in cases:
        with pytest.raises(DomainError) as exc:
            P.check_fits(indicator, kind, day, derived=derived)
        assert exc.value.field == "period"
