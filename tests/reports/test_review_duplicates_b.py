"""Review (b): two callers reporting the same pothole at the same address, in their own words, are likely
duplicates (a report without a point is compared in its ward); another house of the street is not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from citydesk.reports.duplicates import WARD_MIN_SIMILARITY, find_in_ward, text_similarity
from citydesk.reports.models import Report
from citydesk.reports.selectors import duplicate_candidates

from .conftest import submit_report

pytestmark = pytest.mark.django_db

FIRST = "Ổ gà lớn giữa đường trước số 45 Lê Lợi, sâu khoảng 20 cm, nước đọng sau mưa"
SECOND = "Ổ gà to trước nhà 45 Lê Lợi, đã có người té xe"


def _by_ward(description: str, address: str, **overrides) -> Report:
    return submit_report(
        description=description, address=address, ward_code="26743", lon=None, lat=None, **overrides
    )


def _found(categories, description: str, address: str, ward: str = "26743", category: str = "road", **more):
    return find_in_ward(category=categories[category], ward_id=ward, text=f"{description} {address}", **more)


def test_the_same_address_in_other_words_is_a_likely_duplicate(personas, categories):
    first = _by_ward(FIRST, "45 Lê Lợi")
    second = _by_ward(SECOND, "45 Lê Lợi")
    # The words alone are not alike enough: the address is what says it is the same pothole.
    assert text_similarity(f"{SECOND} 45 Lê Lợi", f"{FIRST} 45 Lê Lợi") < WARD_MIN_SIMILARITY
    assert [row.code for row in duplicate_candidates(personas.officer, second)] == [first.code]
    [candidate] = _found(categories, SECOND, "45 Lê Lợi", exclude_id=second.pk)
    assert candidate.report == first and candidate.same_address and candidate.distance_m is None
    assert candidate.score >= 0.7
    # Still the same category, ward and window only.
    assert _found(categories, SECOND, "45 Lê Lợi", category="lighting") == []
    assert _found(categories, SECOND, "45 Lê Lợi", ward="26740") == []
    Report.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=60))
    assert _found(categories, SECOND, "45 Lê Lợi", exclude_id=second.pk) == []


@pytest.mark.parametrize(
    "address", ["Số 45 Lê Lợi", "45 Le Loi", "45 đường Lê Lợi", "45 Đ. Lê Lợi", "45 LÊ LỢI, P. Bến Thành"]
)
def test_the_same_address_written_otherwise(personas, categories, address):
    first = _by_ward(FIRST, "45 Lê Lợi, Phường Bến Thành")
    assert [c.report for c in _found(categories, "Ổ gà to, đã có người té xe", address)] == [first]


@pytest.mark.parametrize(
    "address", ["47 Lê Lợi", "145 Lê Lợi", "45/2 Lê Lợi", "Hẻm 45 Lê Lợi", "45 Lê Lai", "Lê Lợi"]
)
def test_another_house_or_street_is_not_the_same_place(personas, categories, address):
    first = _by_ward(FIRST, "45 Lê Lợi")
    assert [c.report for c in _found(categories, "Ổ gà to, đã có người té xe", "45 Lê Lợi")] == [first]
    assert _found(categories, "Ổ gà to, đã có người té xe", address) == []


def test_an_alley_is_its_own_place(personas, categories):
    alley = _by_ward("Hố ga mất nắp, rất nguy hiểm cho người đi bộ ban đêm", "Hẻm 12 Lý Tự Trọng")
    assert [c.report for c in _found(categories, "Nắp cống bị mất từ tuần trước", "hẻm 12 Ly Tu Trong")] == [
        alley
    ]
    assert _found(categories, "Nắp cống bị mất từ tuần trước", "12 Lý Tự Trọng") == []


def test_the_same_address_ranks_first_and_the_query_count_stays_one(
    personas, categories, django_assert_num_queries
):
    for number in range(6):
        _by_ward(f"Ổ gà trước số {50 + number} Lê Lợi, xe máy phải tránh", f"{50 + number} Lê Lợi")
    same = _by_ward(FIRST, "45 Lê Lợi")
    with django_assert_num_queries(1):
        found = _found(categories, "Ổ gà giữa đường, xe máy phải tránh", "45 Lê Lợi")
    assert found[0].report == same and found[0].same_address
    assert all(not c.same_address for c in found[1:])
