"""Benchmark point → unit lookup (citydesk.lib.geo.UnitLocator).

Usage (from the repo root): .venv/bin/python bench/units.py [--points N] [--seed S]

Builds 200 ward-like polygons (Voronoi cells of random centres over a Hanoi-sized extent, densified and
bent by a smooth displacement field so shared edges stay shared), draws N random points over their
extent and prints throughput, best of 3 runs each:

  (a) reference: bare shapely.STRtree(polys).query(shapely.points(x, y), predicate="intersects")
  (b) ours:      UnitLocator(...).locate(x, y)
  (c) ratio ours / reference (target >= 0.5)
  (d) per-point Python loop (UnitLocator.locate_one) on a sample, extrapolated
  (e) nearest-centre-only mode over 3,321 centres (no polygons)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from citydesk.lib.geo import UnitLocator, approximate_cells

EXTENT = (105.60, 20.85, 106.05, 21.20)  # lon0, lat0, lon1, lat1 (roughly Hanoi's core)
VIETNAM = (102.1, 8.5, 109.5, 23.4)
N_WARDS = 200
N_CENTRES = 3321
RUNS = 3
LOOP_SAMPLE = 20_000


def best_of(fn: Callable[[], Any], runs: int = RUNS) -> tuple[float, Any]:
    best = float("inf")
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def ward_polygons(
    rng: np.random.Generator,
) -> tuple[list[str], np.ndarray, np.ndarray, list[shapely.Polygon]]:
    lon0, lat0, lon1, lat1 = EXTENT
    cx = rng.uniform(lon0, lon1, N_WARDS)
    cy = rng.uniform(lat0, lat1, N_WARDS)
    codes = [f"{i:05d}" for i in range(N_WARDS)]
    cells = approximate_cells(codes, cx, cy, margin_deg=0.01)
    polys = shapely.segmentize(np.array([cells[c] for c in codes], dtype=object), 0.004)

    # Same smooth displacement for every polygon: boundaries wiggle but stay shared (no gaps/overlaps).
    def bend(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0], xy[:, 1]
        dx = 0.0012 * np.sin(x * 310.0 + 1.3) * np.cos(y * 270.0)
        dy = 0.0012 * np.cos(x * 290.0) * np.sin(y * 330.0 + 0.7)
        return np.column_stack([x + dx, y + dy])

    polys = shapely.transform(polys, bend)
    return codes, cx, cy, list(polys)


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:>14,.0f} points/s  ({seconds * 1000:,.1f} ms for {n:,})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--points", type=int, default=1_000_000, help="random points per run (default 1,000,000)"
    )
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args(argv)
    n = args.points
    rng = np.random.default_rng(args.seed)

    codes, cx, cy, polys = ward_polygons(rng)
    vertices = shapely.get_num_coordinates(np.array(polys, dtype=object))
    valid = all(shapely.is_valid(p) for p in polys)
    print(
        f"wards: {len(polys)} polygons, vertices min/mean/max {vertices.min()}/{vertices.mean():.1f}/"
        f"{vertices.max()}, all valid: {valid}"
    )
    x0, y0, x1, y1 = shapely.total_bounds(np.array(polys, dtype=object))
    x = rng.uniform(x0, x1, n)
    y = rng.uniform(y0, y1, n)
    print(f"points: {n:,} uniform over the wards' extent; best of {RUNS} runs each")
    print()

    # (a) reference
    tree = shapely.STRtree(polys)
    ref_t, (ref_in, ref_tree) = best_of(lambda: tree.query(shapely.points(x, y), predicate="intersects"))
    print(f"(a) reference STRtree.query(points(x, y), 'intersects'): {rate(n, ref_t)}")

    # (b) ours
    build_t, locator = best_of(lambda: UnitLocator(codes, cx, cy, dict(zip(codes, polys, strict=True))))
    ours_t, ours = best_of(lambda: locator.locate(x, y))
    print(f"(b) ours UnitLocator.locate(x, y):                       {rate(n, ours_t)}")
    print(f"    (UnitLocator build with {len(polys)} polygons: {build_t * 1000:.1f} ms)")

    # (c) ratio, plus agreement with the reference (lowest unit index among hits, else -1)
    ratio = (n / ours_t) / (n / ref_t)
    print(f"(c) ratio ours / reference:                              {ratio:>14.2f}  (target >= 0.5)")
    expected = np.full(n, np.iinfo(np.intp).max, dtype=np.intp)
    np.minimum.at(expected, ref_in, ref_tree)
    expected[expected == np.iinfo(np.intp).max] = -1
    agree = np.array_equal(ours, expected)
    print(f"    agreement with reference: {agree}; points in no polygon: {(ours < 0).sum():,}")

    # (d) per-point Python loop baseline
    m = min(LOOP_SAMPLE, n)
    loop_t, loop_codes = best_of(
        lambda: [locator.locate_one(a, b) for a, b in zip(x[:m], y[:m], strict=True)]
    )
    print(
        f"(d) per-point loop locate_one on {m:,}, extrapolated:     {m / loop_t:>14,.0f} points/s  "
        f"(~{n * loop_t / m:,.1f} s for {n:,}); vectorised speed-up {(n / ours_t) / (m / loop_t):.0f}x"
    )
    if loop_codes != locator.locate_codes(x[:m], y[:m]):
        print("    WARNING: per-point loop disagrees with vectorised locate")

    # (e) nearest-centre-only mode
    lon0, lat0, lon1, lat1 = VIETNAM
    ccodes = [f"{i:05d}" for i in range(N_CENTRES)]
    ncx = rng.uniform(lon0, lon1, N_CENTRES)
    ncy = rng.uniform(lat0, lat1, N_CENTRES)
    nx = rng.uniform(lon0, lon1, n)
    ny = rng.uniform(lat0, lat1, n)
    nbuild_t, nearest = best_of(lambda: UnitLocator(ccodes, ncx, ncy))
    near_t, _ = best_of(lambda: nearest.locate(nx, ny))
    print(f"(e) nearest-centre only, {N_CENTRES:,} centres, locate(x, y): {rate(n, near_t)}")
    print(f"    (UnitLocator build with {N_CENTRES:,} centres: {nbuild_t * 1000:.1f} ms)")
    m = min(LOOP_SAMPLE, n)
    agree = np.array_equal(nearest.locate(nx[:m], ny[:m]), brute_nearest(ncx, ncy, nx[:m], ny[:m]))
    print(f"    agreement with brute-force nearest on {m:,} points: {agree}")


def brute_nearest(cx: np.ndarray, cy: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    k = np.cos(np.radians(cy.mean()))
    out = np.empty(px.size, dtype=np.intp)
    for start in range(0, px.size, 2000):
        dx = (px[start : start + 2000, None] - cx[None, :]) * k
        dy = py[start : start + 2000, None] - cy[None, :]
        out[start : start + 2000] = np.argmin(dx * dx + dy * dy, axis=1)
    return out


if __name__ == "__main__":
    main()
