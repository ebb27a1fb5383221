"""Duplicate candidates: same category, within the category's radius and time window, ranked by text."""

from __future__ import annotations

import itertools
import math
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


@dataclass(frozen=True)
class Candidate:
    report: Report
    distance_m: float | None  # None: found by its commune/ward (a report without a point)
    similarity: float
    score: float


# Without a point, the place is the commune/ward: a candidate there must also say much the same thing
# (share this part of its words and word pairs, description and address together), or a busy ward would
# list every pothole of the month.
WARD_MIN_SIMILARITY = 0.25


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
    category and ward within the category's window, whose description and address resemble `text`."""
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
        if similarity >= WARD_MIN_SIMILARITY:
            found.append(
                Candidate(
                    report=report,
                    distance_m=None,
                    similarity=round(similarity, 3),
                    score=round(similarity, 3),
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
