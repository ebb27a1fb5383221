"""Duplicate candidates: same category, within the category's radius and time window, ranked by text."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from citydesk.core.models import ServiceCategory
from citydesk.lib.text import search_key
from citydesk.reports.models import OPEN_STATUSES, Report, Status

EARTH_RADIUS_M = 6_371_000.0


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Haversine distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _tokens(text: str) -> set[str]:
    words = search_key(text).split()
    return set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}


def text_similarity(a: str, b: str) -> float:
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


# A house number as addresses write it ("45", "45A", "45/2" — a house of alley 45 —, after "số", "nhà"), with
# what may stand before it and makes it another thing than a house on the street: an alley ("hẻm 12 Lý Tự
# Trọng" is not "12 Lý Tự Trọng"), a hamlet, a plot, a floor, a room, a ward or district number.
_QUALIFIERS = ("hem", "ngo", "ngach", "kiet", "kp", "to", "ap", "lo", "km", "tang", "phong", "p", "q", "quan")
_HOUSE = re.compile(
    rf"(?<![a-z0-9/])(?:({'|'.join(_QUALIFIERS)}) )?(\d+[a-z]?(?:/\d+[a-z]?)*) (?:(?:duong|d|pho) )?(?=[a-z])"
)
# Where a street's name ends in an address written without commas ("45 Lê Lợi P. Bến Thành", "45 Lê Lợi
# gần chợ"): a division word, or a word saying where from the house.
_STREET_END = {"phuong", "p", "quan", "q", "xa", "tp", "tinh", "huyen", "gan", "truoc", "canh", "doi", "sau"}


def _address_words(text: str) -> str:
    """Lower case, without accents, words of letters and digits ("45/2" kept whole), one space apart."""
    return " ".join(re.sub(r"[^a-z0-9/]+", " ", search_key(text)).split())


def house_key(address: str) -> tuple[str, str, str] | None:
    """(what stands before the number, the house number, the street) of an address's first part that has
    a house number on a street ("Số 45 đường Lê Lợi, Phường Bến Thành" → ("", "45", "le loi")); None for
    an address without one ("Cổng Nam chợ Bến Thành"): a place in words is compared by its words only."""
    for part in re.split(r"[,;\n]", address or ""):
        words = _address_words(part)
        found = _HOUSE.search(words)
        if found is None:
            continue
        street = []
        for word in words[found.end() :].split():
            if street and word in _STREET_END:
                break
            street.append(word)
        return found.group(1) or "", found.group(2), " ".join(street)
    return None


def names_house(text: str, key: tuple[str, str, str]) -> bool:
    """Does `text` name the house `key` (`house_key`): the same number, with the same thing before it (an
    alley's number is not a house's), then the same street; accents, case, "số", "đường"/"Đ." aside.
    "145 Lê Lợi", "45/2 Lê Lợi", "Hẻm 45 Lê Lợi" and "45 Lê Lai" are other places."""
    qualifier, number, street = key
    words = _address_words(text) + " "
    for found in _HOUSE.finditer(words):
        if (found.group(1) or "", found.group(2)) == (qualifier, number) and words[found.end() :].startswith(
            street + " "
        ):
            return True
    return False


@dataclass(frozen=True)
class Candidate:
    report: Report
    distance_m: float | None  # None: found by its commune/ward (a report without a point)
    similarity: float
    score: float
    same_address: bool = False  # found by its commune/ward, at the house number and street given


# Without a point, the place is the commune/ward: a candidate there must also say much the same thing
# (share this part of its words and word pairs, description and address together), or a busy ward would
# list every pothole of the month. Or be at the same house number of the same street: two callers describe
# the same pothole in their own words ("Ổ gà lớn giữa đường trước số 45 Lê Lợi", "Ổ gà to trước nhà 45 Lê
# Lợi, đã có người té xe"), but give the same address.
WARD_MIN_SIMILARITY = 0.25
# The same address weighs as a point at the same place does in `find_candidates`; the text breaks ties.
SAME_ADDRESS_WEIGHT = 0.7


def find_in_ward(
    *,
    category: ServiceCategory,
    ward_id: str,
    text: str,
    limit: int = 5,
    exclude_id: int | None = None,
    around: datetime | None = None,
) -> list[Candidate]:
    """Candidates for a report given by its commune/ward and address only (the hotline, e-mail): the same
    category and ward within the category's window, whose description and address resemble `text`, or
    whose address (a house number on a street) `text` names. One query, whatever is found."""
    since = (around or timezone.now()) - timedelta(days=category.duplicate_window_days)
    qs = Report.objects.filter(
        category=category,
        ward_id=ward_id,
        created_at__gte=since,
        status__in=[*OPEN_STATUSES, Status.RESOLVED],
        duplicate_of__isnull=True,
    ).only("id", "code", "description", "address", "status", "created_at", "unit_id", "is_public")
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    found = []
    for report in qs.order_by("-created_at")[:200]:
        similarity = text_similarity(text, f"{report.description} {report.address}")
        key = house_key(report.address)
        same_address = key is not None and names_house(text, key)
        if similarity >= WARD_MIN_SIMILARITY or same_address:
            score = (
                SAME_ADDRESS_WEIGHT + similarity * (1 - SAME_ADDRESS_WEIGHT) if same_address else similarity
            )
            found.append(
                Candidate(
                    report=report,
                    distance_m=None,
                    similarity=round(similarity, 3),
                    score=round(score, 3),
                    same_address=same_address,
                )
            )
    found.sort(key=lambda c: -c.score)
    return found[:limit]


def find_candidates(
    *,
    category: ServiceCategory,
    lon: float,
    lat: float,
    description: str = "",
    limit: int = 5,
    exclude_id: int | None = None,
    around: datetime | None = None,
) -> list[Candidate]:
    """Candidates received within the category's window before `around` (default: now) or since."""
    radius = category.duplicate_radius_m
    since = (around or timezone.now()) - timedelta(days=category.duplicate_window_days)
    dlat = math.degrees(radius / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    qs = Report.objects.filter(
        category=category,
        created_at__gte=since,
        lat__range=(lat - dlat, lat + dlat),
        lon__range=(lon - dlon, lon + dlon),
        status__in=[*OPEN_STATUSES, Status.RESOLVED],
        duplicate_of__isnull=True,
    ).only(
        "id",
        "code",
        "description",
        "lon",
        "lat",
        "status",
        "created_at",
        "category_id",
        "unit_id",
        "is_public",
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    found = []
    for report in qs[:200]:
        distance = distance_m(lon, lat, report.lon, report.lat)
        if distance > radius:
            continue
        similarity = text_similarity(description, report.description) if description else 0.0
        # Place matters most (the same pothole); the text breaks ties between close candidates.
        score = (1 - distance / radius) * 0.7 + similarity * 0.3
        found.append(
            Candidate(
                report=report,
                distance_m=round(distance, 1),
                similarity=round(similarity, 3),
                score=round(score, 3),
            )
        )
    found.sort(key=lambda c: -c.score)
    return found[:limit]
