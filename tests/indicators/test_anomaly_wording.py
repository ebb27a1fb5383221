"""How a finding reads: a value below the usual level as a share of it (not “0,5 lần”), and counts'
usual levels as whole numbers (not “88,6 hộ kinh doanh”)."""

from __future__ import annotations

from django.utils import translation

from citydesk.indicators.anomaly_text import explain_seasonal


def test_a_value_below_the_usual_level_reads_as_a_share_of_it():
    with translation.override("vi"):
        text = explain_seasonal(
            value=45, expected=88.6, uom="hộ kinh doanh", month=9, unit="Phường Bến Thành", decimals=0
        )
    assert "chỉ bằng khoảng 51% mức thường thấy" in text and "khoảng 89 hộ kinh doanh" in text
    assert "lần" not in text and "88,6" not in text
    with translation.override("en"):
        text = explain_seasonal(
            value=45, expected=88.6, uom="household businesses", month=9, unit="X", decimals=0
        )
    assert "only about 51% of the usual level of September" in text and "about 89 household" in text


def test_a_value_above_reads_as_times_the_usual_level():
    with translation.override("vi"):
        text = explain_seasonal(
            value=380, expected=100, uom="dự án", month=3, unit="Phường Bến Thành", decimals=0
        )
    assert "3,8 lần mức thường thấy" in text and "khoảng 100 dự án" in text
