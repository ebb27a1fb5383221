"""Seasonality-aware anomaly detection of indicator values, and the findings' life cycle.

Method (vectorised over all series at once, arrays shaped (series, months), NaN = missing):
trend = centred 12-month rolling median; seasonal index of a calendar month = median of value/trend
for that month over the *other* years (so an anomaly never hides inside its own norm); expected =
trend × index; robust z = relative residual / (1.4826 · MAD of the series' residuals). A value is
flagged when |z| ≥ threshold (default 4), the series has at least `min_history` values (default 24),
and the value is off the expected one by at least a quarter (`MIN_RATIO`; a 10 % wobble of a very
smooth series is rare but nobody needs to act on it).
Counts (whole numbers) are scored on the square-root scale, where chance variation is about one unit
whatever the level: 5 against a usual 0.4 is chance, 2 against 20 is not.
Tết moves between January and February, shifting activity from one to the other: a January or February
value is flagged only when the two months together are abnormal too, when it is more than twice or less
than half the expected value (`TET_SHIFT`: no move of Tết explains that), or when the other month is missing.
Peer check: the unit's residual against the other units' residuals in the same month. Jump check for
quarterly and yearly series: change against the comparable period, robust z of the changes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor
from citydesk.core.models import Organisation
from citydesk.indicators import anomaly_text as text
from citydesk.indicators.display import uom_of
from citydesk.indicators.findings import MOVES, EntryHit, finding_transition, stored_text
from citydesk.indicators.findings import event as _event
from citydesk.indicators.findings import same_value as _same
from citydesk.indicators.measures import month_date, month_index
from citydesk.indicators.models import DataValue, Finding, FindingState, Indicator

__all__ = [
    "MOVES",
    "EntryHit",
    "check_entry",
    "detect",
    "detect_jumps",
    "entry_hits",
    "finding_transition",
    "scan",
]

THRESHOLD = 4.0
MIN_HISTORY = 24
K = 1.4826


@dataclass
class Detection:
    z: np.ndarray  # robust z of the seasonal residual (series, months)
    expected: np.ndarray
    flags: np.ndarray  # bool: seasonal flags
    peer_z: np.ndarray
    peer_flags: np.ndarray


def _rolling_median(v: np.ndarray, window: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Centred rolling median along the last axis (NaN-aware; needs half a window of values)."""
    s, t = v.shape
    half = window // 2
    padded = np.concatenate([np.full((s, half), np.nan), v, np.full((s, window - half - 1), np.nan)], axis=1)
    win = np.lib.stride_tricks.sliding_window_view(padded, window, axis=1)[:, :t]
    srt = np.sort(win, axis=2)  # NaN last
    n = (~np.isnan(win)).sum(axis=2)
    lo = np.take_along_axis(srt, np.maximum((n - 1) // 2, 0)[..., None], 2)[..., 0]
    hi = np.take_along_axis(srt, np.maximum(n // 2, 0)[..., None], 2)[..., 0]
    med = np.where(n >= half, (lo + hi) / 2, np.nan)
    # Where the window is incomplete (the series' ends, gaps) the median is biased by the season:
    # carry the nearest complete trend on, along its slope over the last year.
    complete = n >= window
    pos = np.arange(t)[None, :]
    before = np.maximum.accumulate(np.where(complete, pos, -1), axis=1)
    after = np.flip(np.minimum.accumulate(np.flip(np.where(complete, pos, t), 1), axis=1), 1)
    full = np.where(complete, med, np.nan)

    def at(i: np.ndarray) -> np.ndarray:
        ok = (i >= 0) & (i < t)
        return np.where(ok, np.take_along_axis(full, np.clip(i, 0, t - 1), 1), np.nan)

    def slope(i: np.ndarray, sign: int) -> np.ndarray:
        other = at(i - sign * window)
        return np.nan_to_num((at(i) - other) / window * sign)

    right = at(before) + slope(before, 1) * (pos - before)
    left = at(after) - slope(after, -1) * (after - pos)
    filled = np.where(before >= 0, right, left)
    return np.where(complete, med, np.where(np.isnan(filled), med, filled)), complete


def _loo_median(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median over axis 1 of (series, years, 12) leaving each element's own year out; and the count."""
    present = ~np.isnan(x)
    n = present.sum(axis=1, keepdims=True)  # per series × month
    order = np.argsort(x, axis=1, kind="stable")  # NaN last
    srt = np.take_along_axis(x, order, 1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(x.shape[1])[None, :, None], axis=1)
    m = np.where(present, n - 1, n)  # how many values remain when the own year is left out

    def at(j: np.ndarray) -> np.ndarray:
        j = np.where(present & (j >= rank), j + 1, j)  # skip the own element
        j = np.clip(j, 0, x.shape[1] - 1)
        return np.take_along_axis(srt, j, 1)

    lo, hi = at(np.maximum((m - 1) // 2, 0)), at(np.maximum(m // 2, 0))
    return np.where(m > 0, (lo + hi) / 2, np.nan), np.broadcast_to(m, x.shape)


MIN_RATIO = 1.25  # the smallest deviation worth a finding: 25 % above or 20 % below the expected value
TET_SHIFT = 2.0  # what Tết moving between January and February can explain: at most half or double


def _mad(a: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Median and median absolute deviation along `axis`; NaN where a slice has no value at all."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an empty series is NaN, as meant
        med = np.nanmedian(a, axis=axis, keepdims=True) if a.size else a
        return med, np.nanmedian(np.abs(a - med), axis=axis, keepdims=True)


def detect(
    values: np.ndarray,
    *,
    first_month: int = 0,
    threshold: float = THRESHOLD,
    min_history: int = MIN_HISTORY,
    groups: np.ndarray | None = None,
) -> Detection:
    """Seasonal robust detection on monthly series `values` (series, months); `first_month` is the
    calendar month (0–11) of column 0; `groups` (series,) gives the peer group of each series."""
    v = np.asarray(values, dtype=float)
    s, t = v.shape
    lead = first_month % 12
    years = -(-(t + lead) // 12)
    full = np.full((s, years * 12), np.nan)
    full[:, lead : lead + t] = v
    trend, complete = _rolling_median(full)
    positive = np.nanmin(np.where(np.isnan(full), np.inf, full), axis=1, keepdims=True) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(positive, full / trend, full - trend)
    season, others = _loo_median(rel.reshape(s, years, 12))
    season = season.reshape(s, -1)
    others = others.reshape(s, -1)
    expected = np.where(positive, trend * season, trend + season)
    whole = np.all(np.isnan(full) | (full == np.round(full)), axis=1, keepdims=True)
    counts = whole & (np.nanmin(np.where(np.isnan(full), np.inf, full), axis=1, keepdims=True) >= 0)
    resid = _residuals(full, expected, positive, counts)
    centre, mad = _mad(resid, 1)
    level = np.nanmedian(np.abs(full), axis=1, keepdims=True)
    floor = np.where(counts, 1.0 / K, np.where(positive, 0.01, 0.01 * np.maximum(level, 1e-9)))
    scale = K * np.maximum(mad, floor)
    z = (resid - centre) / scale
    big = _big(full, expected, positive, counts, level)
    history = (~np.isnan(full)).sum(axis=1, keepdims=True)
    ok = (history >= min_history) & (others >= 2) & ~np.isnan(full) & np.isfinite(z) & big
    # An extrapolated trend (the series' first and last half-year) is less sure: ask for more.
    limit = np.where(complete, threshold, threshold * 1.25)
    tet = (full, expected, positive, counts, centre, scale, level)
    flags = ok & (np.abs(z) >= limit) & _tet_confirms(*tet, threshold)
    peer_z = np.full_like(z, np.nan)
    if groups is not None:
        groups = np.asarray(groups)
        for g in np.unique(groups):
            rows = np.flatnonzero(groups == g)
            if rows.size < 4:
                continue
            r = z[rows]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # months no peer reported stay NaN
                centre = np.nanmedian(r, axis=0, keepdims=True)
                spread = K * np.nanmedian(np.abs(r - centre))
            peer_z[rows] = (r - centre) / max(float(spread), 0.25)
    peer_flags = (
        ok
        & ~flags
        & (np.abs(np.nan_to_num(peer_z)) >= limit)
        # Counts vary by chance month to month: a peer comparison does not make a small one stand out.
        & (np.abs(z) >= np.where(counts, threshold, threshold * 0.75))
        & _tet_confirms(*tet, threshold * 0.75)
    )
    cut = slice(lead, lead + t)
    return Detection(z[:, cut], expected[:, cut], flags[:, cut], peer_z[:, cut], peer_flags[:, cut])


def _residuals(
    full: np.ndarray, expected: np.ndarray, positive: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """Multiplicative series: log ratio. Counts: difference of square roots (variance-stabilised)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        resid = np.where(positive, np.log(full / expected), full - expected)
        # Anscombe's transform: about N(0, 1) for Poisson counts, even small ones.
        root = 2.0 * (np.sqrt(np.maximum(full, 0.0) + 0.375) - np.sqrt(np.maximum(expected, 0.0) + 0.375))
    return np.where(counts, root, resid)


def _big(
    full: np.ndarray, expected: np.ndarray, positive: np.ndarray, counts: np.ndarray, level: np.ndarray
) -> np.ndarray:
    """Is the value off the expected one by at least MIN_RATIO (counts: and by at least one)?"""
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.abs(full - expected)
        ratio = np.abs(np.log(full / expected))
        big = np.where(
            counts,
            gap >= np.maximum((MIN_RATIO - 1) * np.abs(expected), 1.0),
            np.where(positive, ratio >= np.log(MIN_RATIO), gap >= (MIN_RATIO - 1) * np.maximum(level, 1e-9)),
        )
    return big & ~np.isnan(full)


def _tet_confirms(
    full: np.ndarray,
    expected: np.ndarray,
    positive: np.ndarray,
    counts: np.ndarray,
    centre: np.ndarray,
    scale: np.ndarray,
    level: np.ndarray,
    threshold: float,
) -> np.ndarray:
    """False for a January or February value that Tết moving can explain: the two months together look
    normal, and the value is within TET_SHIFT of the expected one. The pair is scored with the series'
    monthly scale (a sum of two months varies less, not more)."""
    s, t = full.shape
    pair = full.reshape(s, -1, 12)[:, :, :2].sum(axis=2)  # NaN when either month is missing
    pair_expected = expected.reshape(s, -1, 12)[:, :, :2].sum(axis=2)
    z = (_residuals(pair, pair_expected, positive, counts) - centre) / scale
    abnormal = (np.abs(z) >= threshold) & _big(pair, pair_expected, positive, counts, 2 * level)
    with np.errstate(invalid="ignore", divide="ignore"):
        beyond = np.where(
            positive | counts,
            np.abs(np.log(full / expected)) >= np.log(TET_SHIFT),
            np.abs(full - expected) >= (TET_SHIFT - 1) * np.maximum(level, 1e-9),
        )
    out = np.ones((s, t), dtype=bool)
    january = np.arange(0, t, 12)
    for month in (0, 1):
        cols = january + month
        out[:, cols] = np.isnan(pair) | abnormal | beyond[:, cols]
    return out


def detect_jumps(
    values: np.ndarray, *, lag: int, threshold: float = THRESHOLD, min_history: int = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Quarterly (lag 4: same quarter last year) or yearly (lag 1) series: robust z of the change."""
    v = np.asarray(values, dtype=float)
    prev = np.concatenate([np.full((v.shape[0], lag), np.nan), v[:, :-lag]], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(prev > 0, np.log(np.maximum(v, 1e-12) / prev), v - prev)
    med, mad = _mad(change, 1)
    z = (change - med) / (K * np.maximum(mad, 0.01))
    history = (~np.isnan(v)).sum(axis=1, keepdims=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a series with no value at all: NaN, as meant
        level = np.nanmedian(np.abs(v), axis=1, keepdims=True) if v.size else v
    with np.errstate(invalid="ignore"):
        # As for monthly values: a change that is rare for a very steady series but small is no finding.
        big = np.where(
            prev > 0,
            np.abs(change - med) >= np.log(MIN_RATIO),
            np.abs(change - med) >= (MIN_RATIO - 1) * np.maximum(level, 1e-9),
        )
    flags = (history >= min_history) & np.isfinite(z) & (np.abs(z) >= threshold) & big
    return z, flags


# --- Database side -------------------------------------------------------------------------------


_unit_name = text.unit_name


def _history(indicator: Indicator, unit_ids: list[int]) -> tuple[np.ndarray, int, list[int]]:
    rows = list(
        DataValue.objects.filter(
            indicator=indicator, unit_id__in=unit_ids, period_type=indicator.periodicity
        ).values_list("unit_id", "period", "value")
    )
    if not rows:
        return np.full((len(unit_ids), 0), np.nan), 0, unit_ids
    months = [month_index(p) for _u, p, _v in rows]
    m0, m1 = min(months), max(months) + 1
    row_of = {u: i for i, u in enumerate(unit_ids)}
    arr = np.full((len(unit_ids), m1 - m0), np.nan)
    for (u, _p, value), m in zip(rows, months, strict=True):
        arr[row_of[u], m - m0] = value
    return arr, m0, unit_ids


def entry_hits(*, indicator: Any, unit: Any, period_type: str, period: date, value: float) -> list[EntryHit]:
    """The abnormal values the check at entry finds (one at most): what `check_entry` warns about, with
    what a finding on it records. Empty when the value looks normal or the unit has too little history."""
    ind = indicator if isinstance(indicator, Indicator) else Indicator.objects.get(code=indicator)
    org = (
        unit
        if isinstance(unit, Organisation)
        else Organisation.objects.select_related("admin_unit").get(pk=unit)
    )
    arr, m0, _units = _history(ind, [org.pk])
    m = month_index(period)
    if arr.shape[1] == 0:
        return []
    lo, hi = min(m0, m), max(m0 + arr.shape[1], m + 1)
    series = np.full((1, hi - lo), np.nan)
    series[:, m0 - lo : m0 - lo + arr.shape[1]] = arr
    series[0, m - lo] = float(value)
    col = m - lo
    found = {
        "indicator": ind,
        "unit": org,
        "period_type": period_type,
        "period": period,
        "value": float(value),
    }
    if ind.periodicity == "M":
        seasonal = detect(series, first_month=lo % 12)
        if not seasonal.flags[0, col]:
            return []
        expected = float(seasonal.expected[0, col])

        def seasonal_text() -> str:
            return text.explain_seasonal(
                value=float(value),
                expected=expected,
                uom=uom_of(ind),
                month=period.month,
                unit=_unit_name(org),
            )

        return [
            EntryHit(
                **found,
                expected=expected,
                score=float(seasonal.z[0, col]),
                method="seasonal",
                explanation=stored_text(seasonal_text),
            )
        ]
    step = 3 if ind.periodicity == "Q" else 12
    compact = series[:, col % step :: step]
    lag = 4 if step == 3 else 1
    z, flags = detect_jumps(compact, lag=lag, min_history=8 if step == 3 else 5)
    k = col // step
    if not flags[0, k] or k < lag:
        return []
    from citydesk.indicators.periods import period_label

    previous = float(compact[0, k - lag])

    def jump_text() -> str:
        return text.explain_jump(
            value=float(value),
            previous=previous,
            uom=uom_of(ind),
            period=period_label(ind.periodicity, period),
            unit=_unit_name(org),
        )

    return [
        EntryHit(
            **found,
            expected=previous,
            score=float(z[0, k]),
            method="jump",
            explanation=stored_text(jump_text),
        )
    ]


def check_entry(*, indicator: Any, unit: Any, period_type: str, period: date, value: float) -> list[str]:
    """Warnings (plain words, in the page's language) about a value before it is submitted; empty when it
    looks normal or when the unit has too little history to judge."""
    hits = entry_hits(indicator=indicator, unit=unit, period_type=period_type, period=period, value=value)
    return [text.describe(h) for h in hits]


def _series_findings(ind: Indicator, orgs: dict[int, Organisation], since: date | None) -> list[dict]:
    unit_ids = sorted(orgs)
    arr, m0, _ = _history(ind, unit_ids)
    if arr.shape[1] == 0:
        return []
    start = month_index(since) - m0 if since else 0
    out: list[dict] = []
    if ind.periodicity == "M":
        parents = np.array([orgs[u].parent_id or 0 for u in unit_ids])
        found = detect(arr, first_month=m0 % 12, groups=parents)
        for method, mask in (("seasonal", found.flags), ("peer", found.peer_flags)):
            for r, c in zip(*np.nonzero(mask), strict=True):
                if c < start:
                    continue
                org, m = orgs[unit_ids[r]], m0 + int(c)
                args = {
                    "value": float(arr[r, c]),
                    "expected": float(found.expected[r, c]),
                    "uom": uom_of(ind),
                    "month": m % 12 + 1,
                    "unit": _unit_name(org),
                }
                explain = text.explain_seasonal if method == "seasonal" else text.explain_peer
                score = float(found.z[r, c] if method == "seasonal" else found.peer_z[r, c])
                out.append(
                    {
                        "unit": org,
                        "m": m,
                        "value": args["value"],
                        "expected": args["expected"],
                        "score": score,
                        "method": method,
                        "explanation": explain(**args),
                    }
                )
        return out
    from citydesk.indicators.periods import period_label

    step = 3 if ind.periodicity == "Q" else 12
    cols = np.arange(0, arr.shape[1], step)  # values sit on period starts, m0 is one
    compact = arr[:, cols]
    lag = 4 if step == 3 else 1
    z, flags = detect_jumps(compact, lag=lag, min_history=8 if step == 3 else 5)
    for r, k in zip(*np.nonzero(flags), strict=True):
        c = int(cols[k])
        if c < start or k < lag:
            continue
        org, m = orgs[unit_ids[r]], m0 + c
        prev = float(compact[r, k - lag])
        out.append(
            {
                "unit": org,
                "m": m,
                "value": float(arr[r, c]),
                "expected": prev,
                "score": float(z[r, k]),
                "method": "jump",
                "explanation": text.explain_jump(
                    value=float(arr[r, c]),
                    previous=prev,
                    uom=uom_of(ind),
                    period=period_label(ind.periodicity, month_date(m)),
                    unit=_unit_name(org),
                ),
            }
        )
    return out


@transaction.atomic
def scan(*, indicator_codes: list[str] | None = None, since: date | None = None) -> dict[str, int]:
    """Batch check: creates Finding rows for new anomalies, keeps open ones, re-checks corrected ones
    (closed with a recorded event when the corrected value is normal, flagged again otherwise)."""
    inds = Indicator.objects.filter(is_active=True).exclude(source="formula")
    if indicator_codes:
        inds = inds.filter(code__in=indicator_codes)
    orgs_all = {o.pk: o for o in Organisation.objects.select_related("admin_unit")}
    system = Actor.system("anomaly-scan")
    stats = {"series": 0, "flagged": 0, "created": 0, "kept": 0, "reflagged": 0, "closed": 0}
    for ind in inds:
        unit_ids = set(DataValue.objects.filter(indicator=ind).values_list("unit_id", flat=True).distinct())
        if not unit_ids:
            continue
        orgs = {u: orgs_all[u] for u in unit_ids}
        stats["series"] += len(orgs)
        with translation.override(settings.LANGUAGE_CODE):  # the explanations are stored
            hits = _series_findings(ind, orgs, since)
        stats["flagged"] += len(hits)
        existing: dict[tuple, list[Finding]] = {}
        for f in Finding.objects.filter(indicator=ind).order_by("found_at", "id"):
            existing.setdefault((f.unit_id, month_index(f.period), f.method), []).append(f)
        hit_keys = set()
        for h in hits:
            key = (h["unit"].pk, h["m"], h["method"])
            hit_keys.add(key)
            rows = existing.get(key, [])
            open_ = [f for f in rows if f.state != FindingState.CLOSED]
            if open_:
                f = open_[0]
                if f.state == FindingState.CORRECTED:
                    before = f.state
                    f.state, f.value, f.explanation, f.score = (
                        FindingState.FLAGGED,
                        h["value"],
                        h["explanation"],
                        h["score"],
                    )
                    f.version += 1
                    f.save()
                    _event(f, system, before, _("The corrected value is still abnormal."))
                    stats["reflagged"] += 1
                else:
                    stats["kept"] += 1
                continue
            if any(_same(f.value, h["value"]) for f in rows):
                continue  # closed with this very value: not recreated
            f = Finding.objects.create(
                indicator=ind,
                unit=h["unit"],
                period_type=ind.periodicity,
                period=month_date(h["m"]),
                value=h["value"],
                expected=h["expected"],
                score=h["score"],
                method=h["method"],
                explanation=h["explanation"],
            )
            _event(f, system, "", "")
            stats["created"] += 1
        for key, rows in existing.items():
            for f in rows:
                if f.state == FindingState.CORRECTED and key not in hit_keys:
                    f.state, f.resolved_at = FindingState.CLOSED, timezone.now()
                    f.version += 1
                    f.save()
                    _event(
                        f,
                        system,
                        FindingState.CORRECTED,
                        _("The corrected value was re-checked and is normal."),
                    )
                    stats["closed"] += 1
    return stats
