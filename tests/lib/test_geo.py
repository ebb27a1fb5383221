"""Unit tests for citydesk.lib.geo (pure module, no Django)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citydesk.lib.geo import (
    CODE_PROPERTY_FALLBACKS,
    BoundaryError,
    LocateMethod,
    UnitLocator,
    approximate_cells,
    parse_boundaries,
)

# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


def ring(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def square(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [ring(x0, y0, x1, y1)]}


def feature(code: object, geometry: dict | None, prop: str = "code") -> dict:
    return {"type": "Feature", "properties": {prop: code}, "geometry": geometry}


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


def brute_nearest(cx: np.ndarray, cy: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Squared equirectangular distances, shape (points, centres)."""
    k = math.cos(math.radians(float(np.mean(cy))))
    dx = (px[:, None] - cx[None, :]) * k
    dy = py[:, None] - cy[None, :]
    return dx * dx + dy * dy


# --------------------------------------------------------------------------------------------------
# parse_boundaries
# --------------------------------------------------------------------------------------------------


def test_parse_accepts_polygon_multipolygon_and_int_codes():
    multi = {
        "type": "MultiPolygon",
        "coordinates": [[ring(2, 0, 3, 1)], [ring(4, 0, 5, 1), ring(4.2, 0.2, 4.4, 0.4)[::-1]]],
    }
    result = parse_boundaries(collection(feature(101, square(0, 0, 1, 1)), feature("B7", multi)))
    assert [code for code, _ in result] == ["101", "B7"]
    assert isinstance(result[0][1], shapely.Polygon)
    assert isinstance(result[1][1], shapely.MultiPolygon)
    assert result[1][1].area == pytest.approx(2 - 0.04)


def test_parse_accepts_single_feature():
    assert [c for c, _ in parse_boundaries(feature("X", square(0, 0, 1, 1)))] == ["X"]


@pytest.mark.parametrize("prop", CODE_PROPERTY_FALLBACKS)
def test_parse_falls_back_to_common_code_properties(prop):
    result = parse_boundaries(collection(feature("W1", square(0, 0, 1, 1), prop=prop)), code_property="id")
    assert result[0][0] == "W1"


def test_parse_custom_code_property_wins_and_fallbacks_can_be_disabled():
    feat = {"type": "Feature", "properties": {"code": "a", "ma_tinh": "01"}, "geometry": square(0, 0, 1, 1)}
    assert parse_boundaries(feat, code_property="ma_tinh")[0][0] == "01"
    with pytest.raises(BoundaryError, match="no code property"):
        parse_boundaries(feat, code_property="other", code_fallbacks=())


def test_parse_int_code_maps_to_zero_padded_known_code():
    result = parse_boundaries(
        collection(feature(4, square(0, 0, 1, 1)), feature(26734, square(1, 0, 2, 1))),
        known_codes={"00004", "26734"},
    )
    assert [c for c, _ in result] == ["00004", "26734"]


@pytest.mark.parametrize(
    ("geojson", "fragments"),
    [
        ([1, 2], ["expected a GeoJSON object"]),
        (
            {"type": "GeometryCollection", "geometries": []},
            ["FeatureCollection or Feature", "GeometryCollection"],
        ),
        (collection(), ["no features"]),
        (
            collection(feature("A", square(0, 0, 1, 1)), feature("B", None)),
            ["feature 1", "'B'", "no geometry"],
        ),
        (
            collection(feature("A", {"type": "LineString", "coordinates": [[0, 0], [1, 1]]})),
            ["feature 0", "'LineString'", "not Polygon or MultiPolygon"],
        ),
        (collection(feature("A", BOWTIE)), ["feature 0", "invalid", "Self-intersection"]),
        (
            collection(feature("A", square(0, 0, 1, 1)), feature("B", square(0, 100, 1, 101))),
            ["feature 1", "outside"],
        ),
        (collection(feature("A", square(181, 0, 182, 1))), ["feature 0", "outside", "181"]),
        (
            collection(feature("A", square(0, 0, 1, 1)), feature("A", square(1, 0, 2, 1))),
            ["feature 1", "duplicate code", "feature 0"],
        ),
        (
            collection(feature("A", {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]})),
            ["feature 0", "malformed"],
        ),
        (collection(feature(None, square(0, 0, 1, 1))), ["feature 0", "no code property"]),
        (collection(feature(True, square(0, 0, 1, 1))), ["feature 0", "boolean"]),
        (collection(feature(1.5, square(0, 0, 1, 1))), ["feature 0", "not an integer"]),
        (collection(feature("  ", square(0, 0, 1, 1))), ["feature 0", "empty"]),
        (collection({"type": "Point"}), ["feature 0", "not a GeoJSON Feature"]),
        (
            collection(
                feature(
                    "A", {"type": "Polygon", "coordinates": [[[0, 0], [float("nan"), 0], [1, 1], [0, 0]]]}
                )
            ),
            ["feature 0", "non-finite"],
        ),
    ],
)
def test_parse_rejects_bad_input_with_clear_message(geojson, fragments):
    with pytest.raises(BoundaryError) as info:
        parse_boundaries(geojson)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message
    assert isinstance(info.value, ValueError)


def test_parse_rejects_unknown_codes():
    with pytest.raises(BoundaryError) as info:
        parse_boundaries(
            collection(feature("A", square(0, 0, 1, 1)), feature("Z", square(1, 0, 2, 1))),
            known_codes=["A", "B"],
        )
    assert info.value.problems == ["feature 1 (code 'Z'): code is not a known unit code"]


def test_parse_collects_all_problems():
    geojson = collection(
        feature("A", square(0, 0, 1, 1)),
        feature("B", None),
        feature("C", BOWTIE),
        feature("A", square(2, 0, 3, 1)),
        feature("D", {"type": "Point", "coordinates": [0, 0]}),
    )
    with pytest.raises(BoundaryError) as info:
        parse_boundaries(geojson)
    problems = info.value.problems
    assert len(problems) == 4
    assert problems[0].startswith("feature 1") and "no geometry" in problems[0]
    assert problems[1].startswith("feature 2") and "Self-intersection" in problems[1]
    assert problems[2].startswith("feature 3") and "duplicate" in problems[2]
    assert problems[3].startswith("feature 4") and "Point" in problems[3]
    assert str(info.value).startswith("4 problems in boundary GeoJSON")


def test_parse_message_lists_first_ten_problems_only():
    geojson = collection(*(feature(f"U{i}", None) for i in range(15)))
    with pytest.raises(BoundaryError) as info:
        parse_boundaries(geojson)
    assert len(info.value.problems) == 15
    message = str(info.value)
    assert "feature 9 " in message and "feature 10 " not in message
    assert "... and 5 more" in message


# --------------------------------------------------------------------------------------------------
# UnitLocator
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def mixed_locator() -> UnitLocator:
    # A and B have polygons (two unit squares side by side); C and D only centres.
    codes = ["A", "B", "C", "D"]
    lons = np.array([0.5, 1.5, 5.0, 0.5])
    lats = np.array([0.5, 0.5, 0.5, 5.0])
    polygons = {"A": shapely.box(0, 0, 1, 1), "B": shapely.box(1, 0, 2, 1)}
    return UnitLocator(codes, lons, lats, polygons)


def test_locate_point_inside_polygon(mixed_locator):
    idx, method = mixed_locator.locate(np.array([0.2, 1.7]), np.array([0.3, 0.9]), return_method=True)
    assert idx.tolist() == [0, 1]
    assert method.tolist() == [LocateMethod.POLYGON, LocateMethod.POLYGON]
    assert mixed_locator.locate_one(0.2, 0.3) == "A"
    assert mixed_locator.has_polygons
    assert mixed_locator.polygon_codes == {"A", "B"}


def test_locate_outside_polygons_goes_to_nearest_centre_without_polygon(mixed_locator):
    # (0.5, 1.6) is closest to A's centre, but A has a polygon: only C and D are candidates.
    codes = mixed_locator.locate_codes([0.5, 4.0, 3.0], [1.6, 1.0, 3.5])
    assert codes == ["D", "C", "D"]
    _, method = mixed_locator.locate([0.5], [1.6], return_method=True)
    assert method.tolist() == [LocateMethod.NEAREST_CENTRE]
    assert LocateMethod(method[0]).label == "nearest_centre"
    assert LocateMethod.POLYGON.label == "polygon"
    assert LocateMethod.NONE.label is None


def test_locate_shared_edge_resolves_to_lowest_index(mixed_locator):
    assert mixed_locator.locate([1.0, 1.0], [0.5, 0.0]).tolist() == [0, 0]
    assert mixed_locator.locate_one(1.0, 0.5) == "A"


def test_locate_all_units_have_polygons_outside_is_minus_one():
    locator = UnitLocator(
        ["A", "B"],
        np.array([0.5, 1.5]),
        np.array([0.5, 0.5]),
        {"A": shapely.box(0, 0, 1, 1), "B": shapely.box(1, 0, 2, 1)},
    )
    idx, method = locator.locate([0.5, 3.0, 1.5], [0.5, 3.0, -0.5], return_method=True)
    assert idx.tolist() == [0, -1, -1]
    assert method.tolist() == [LocateMethod.POLYGON, LocateMethod.NONE, LocateMethod.NONE]
    assert locator.locate_one(3.0, 3.0) is None


def test_locate_multipolygon_with_hole():
    donut = shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 3, 3))
    island = shapely.box(10, 10, 11, 11)
    locator = UnitLocator(
        ["D", "H"], np.array([0.5, 2.0]), np.array([0.5, 2.0]), {"D": shapely.MultiPolygon([donut, island])}
    )
    assert locator.locate_codes([0.5, 2.0, 10.5, 20.0], [0.5, 2.0, 10.5, 20.0]) == ["D", "H", "D", "H"]


def test_locate_invalid_input_is_minus_one(mixed_locator):
    lons = np.array([np.nan, 0.5, 181.0, -181.0, 0.5, np.inf])
    lats = np.array([0.5, np.nan, 0.5, 0.5, 91.0, 0.5])
    idx, method = mixed_locator.locate(lons, lats, return_method=True)
    assert idx.tolist() == [-1] * 6
    assert method.tolist() == [LocateMethod.NONE] * 6
    assert [mixed_locator.locate_one(x, y) for x, y in zip(lons, lats, strict=True)] == [None] * 6


def test_locate_preserves_shape_and_handles_empty(mixed_locator):
    result = mixed_locator.locate(np.array([[0.2, 1.2], [5.0, 0.5]]), np.array([[0.2, 0.2], [0.5, 5.0]]))
    assert result.shape == (2, 2)
    assert result.tolist() == [[0, 1], [2, 3]]
    empty = mixed_locator.locate(np.array([]), np.array([]))
    assert empty.shape == (0,) and empty.dtype == np.intp
    assert mixed_locator.locate_codes([], []) == []


def test_locate_max_distance():
    locator = UnitLocator(["A", "B"], np.array([0.0, 1.0]), np.array([0.0, 0.0]), max_distance_deg=0.2)
    assert locator.locate_codes([0.1, 0.5, 1.15], [0.0, 0.0, 0.0]) == ["A", None, "B"]
    assert locator.locate_one(0.5, 0.0) is None


def test_locator_rejects_bad_construction():
    with pytest.raises(ValueError, match="duplicate"):
        UnitLocator(["A", "A"], np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="length"):
        UnitLocator(["A", "B"], np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="unknown codes"):
        UnitLocator(["A"], np.zeros(1), np.zeros(1), {"Z": shapely.box(0, 0, 1, 1)})
    with pytest.raises(ValueError, match="LineString"):
        UnitLocator(["A"], np.zeros(1), np.zeros(1), {"A": shapely.LineString([(0, 0), (1, 1)])})


def test_locator_without_any_usable_unit_returns_minus_one():
    locator = UnitLocator(["A"], np.array([np.nan]), np.array([np.nan]))
    assert not locator.has_polygons
    assert locator.locate([1.0], [1.0]).tolist() == [-1]


def test_nearest_centre_mode_matches_brute_force_seeded():
    rng = np.random.default_rng(20240601)
    n_centres, n_points = 500, 5000
    cx = rng.uniform(102.0, 109.5, n_centres)
    cy = rng.uniform(8.5, 23.4, n_centres)
    codes = [f"{i:05d}" for i in range(n_centres)]
    locator = UnitLocator(codes, cx, cy)
    assert not locator.has_polygons
    px = rng.uniform(101.0, 110.0, n_points)
    py = rng.uniform(8.0, 24.0, n_points)
    idx, method = locator.locate(px, py, return_method=True)
    expected = np.argmin(brute_nearest(cx, cy, px, py), axis=1)
    assert np.array_equal(idx, expected)
    assert (method == LocateMethod.NEAREST_CENTRE).all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    centres=st.lists(st.tuples(st.floats(100.0, 110.0), st.floats(-60.0, 60.0)), min_size=1, max_size=40),
    points=st.lists(st.tuples(st.floats(95.0, 115.0), st.floats(-70.0, 70.0)), min_size=1, max_size=40),
)
def test_nearest_centre_property(centres, points):
    cx, cy = np.array(centres).T
    px, py = np.array(points).T
    locator = UnitLocator([str(i) for i in range(len(cx))], cx, cy)
    idx = locator.locate(px, py)
    single = np.array([locator.locate_one_index(x, y)[0] for x, y in zip(px, py, strict=True)])
    d2 = brute_nearest(cx, cy, px, py)
    best = d2.min(axis=1)
    rows = np.arange(len(px))
    for found in (idx, single):
        assert (found >= 0).all()
        # Ties may resolve to any of the tied centres; the distance must be the minimum.
        np.testing.assert_allclose(d2[rows, found], best, rtol=1e-9, atol=1e-12)
    # Where the nearest centre is clearly unique, vectorised and per-point answers are identical.
    clear = (d2 > best[:, None] * (1 + 1e-6) + 1e-12).sum(axis=1) == len(cx) - 1
    assert np.array_equal(idx[clear], single[clear])


def test_nearest_centre_ties_and_duplicates_resolve_to_lowest_index():
    locator = UnitLocator(["A", "B", "C"], np.array([0.0, 2.0, 2.0]), np.array([0.0, 0.0, 0.0]))
    # (1, 0) is equidistant from A and B/C; B and C share a centre.
    assert locator.locate_codes([1.0, 3.0], [0.0, 0.0]) == ["A", "B"]
    assert [locator.locate_one(1.0, 0.0), locator.locate_one(3.0, 0.0)] == ["A", "B"]
    reverse = UnitLocator(["B", "A"], np.array([2.0, 0.0]), np.array([0.0, 0.0]))
    assert reverse.locate_codes([1.0], [0.0]) == ["B"] and reverse.locate_one(1.0, 0.0) == "B"


def test_nearest_centre_single_candidate_and_exact_fallback():
    single = UnitLocator(["A", "B"], np.array([5.0, 5.0]), np.array([5.0, 5.0]))
    assert single.locate_codes([-170.0, 170.0], [-80.0, 80.0]) == ["A", "A"]
    rng = np.random.default_rng(5)
    cx, cy = rng.uniform(100, 110, 300), rng.uniform(5, 25, 300)
    locator = UnitLocator([str(i) for i in range(300)], cx, cy)
    px, py = rng.uniform(90, 120, 2000), rng.uniform(-10, 40, 2000)
    fast = locator.locate(px, py)
    locator._cell_tree = None  # force the exact STRtree.query_nearest fallback path
    assert np.array_equal(locator.locate(px, py), fast)
    assert np.array_equal(fast, np.argmin(brute_nearest(cx, cy, px, py), axis=1))


def test_vectorised_locate_equals_locate_one():
    rng = np.random.default_rng(7)
    n = 120
    cx = rng.uniform(105.0, 106.0, n)
    cy = rng.uniform(20.5, 21.5, n)
    codes = [f"W{i}" for i in range(n)]
    cells = approximate_cells(codes, cx, cy, margin_deg=0.02)
    # Official polygons for every other unit only; the rest resolve by nearest centre.
    polygons = {c: cells[c] for c in codes[::2]}
    locator = UnitLocator(codes, cx, cy, polygons)
    px = np.concatenate([rng.uniform(104.9, 106.1, 3000), [np.nan, 200.0], cx[:20]])
    py = np.concatenate([rng.uniform(20.4, 21.6, 3000), [21.0, 21.0], cy[:20]])
    idx, method = locator.locate(px, py, return_method=True)
    singles = [locator.locate_one_index(x, y) for x, y in zip(px, py, strict=True)]
    assert idx.tolist() == [i for i, _ in singles]
    assert method.tolist() == [int(m) for _, m in singles]
    assert locator.locate_codes(px, py) == [locator.locate_one(x, y) for x, y in zip(px, py, strict=True)]
    # Both methods occur, and polygon hits really lie in the polygon of the returned unit.
    assert {LocateMethod.POLYGON, LocateMethod.NEAREST_CENTRE} <= set(method.tolist())
    for i in np.flatnonzero(method == LocateMethod.POLYGON)[:200]:
        assert polygons[codes[idx[i]]].intersects(shapely.Point(px[i], py[i]))
    for i in np.flatnonzero(method == LocateMethod.NEAREST_CENTRE)[:200]:
        assert codes[idx[i]] not in polygons


# --------------------------------------------------------------------------------------------------
# approximate_cells
# --------------------------------------------------------------------------------------------------


def assert_no_overlap(cells: list[shapely.Geometry], tol: float = 1e-9) -> None:
    arr = np.array(cells, dtype=object)
    left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
    pairs = left < right
    areas = shapely.area(shapely.intersection(arr[left[pairs]], arr[right[pairs]]))
    assert (areas < tol).all(), float(areas.max())


def test_cells_contain_their_centre_and_do_not_overlap():
    rng = np.random.default_rng(3)
    n = 300
    lons = rng.uniform(105.0, 107.0, n)
    lats = rng.uniform(20.0, 22.0, n)
    codes = [str(i) for i in range(n)]
    cells = approximate_cells(codes, lons, lats)
    assert list(cells) == codes
    assert all(isinstance(c, shapely.Polygon) and c.is_valid for c in cells.values())
    assert shapely.contains_xy(np.array(list(cells.values())), lons, lats).all()
    assert_no_overlap(list(cells.values()))
    # The cells tile the buffered convex hull of the centres (up to the buffer's arc approximation).
    region = shapely.convex_hull(shapely.multipoints(np.column_stack([lons, lats]))).buffer(0.05)
    assert shapely.union_all(list(cells.values())).area == pytest.approx(region.area, rel=1e-4)


def test_cells_per_group_are_clipped_to_group_hull():
    rng = np.random.default_rng(11)
    codes, lons, lats, groups = [], [], [], []
    for g, (x0, y0) in enumerate([(105.0, 20.0), (106.0, 21.0), (108.0, 16.0)]):
        for i in range(40):
            codes.append(f"{g}-{i}")
            lons.append(x0 + rng.uniform(0, 0.6))
            lats.append(y0 + rng.uniform(0, 0.6))
            groups.append(f"P{g}")
    lons_a, lats_a = np.array(lons), np.array(lats)
    cells = approximate_cells(codes, lons_a, lats_a, groups=groups, margin_deg=0.03)
    assert shapely.contains_xy(np.array([cells[c] for c in codes]), lons_a, lats_a).all()
    for g in range(3):
        members = [i for i, grp in enumerate(groups) if grp == f"P{g}"]
        group_cells = [cells[codes[i]] for i in members]
        assert_no_overlap(group_cells)
        hull = shapely.convex_hull(shapely.multipoints(np.column_stack([lons_a[members], lats_a[members]])))
        allowed = hull.buffer(0.03 * 1.01)  # slack for arc approximation
        assert all(allowed.contains(c) for c in group_cells)


def test_cells_groups_with_one_and_two_centres():
    codes = ["solo", "p1", "p2", "t1", "t2", "t3"]
    lons = np.array([100.0, 105.0, 105.2, 107.0, 107.1, 107.2])
    lats = np.array([10.0, 21.0, 21.0, 15.0, 15.0, 15.0])  # "t" group is collinear
    groups = ["S", "P", "P", "T", "T", "T"]
    cells = approximate_cells(codes, lons, lats, groups=groups, margin_deg=0.05)
    assert cells["solo"].area == pytest.approx(math.pi * 0.05**2, rel=0.02)
    assert cells["solo"].contains(shapely.Point(100.0, 10.0))
    assert cells["p1"].contains(shapely.Point(105.0, 21.0)) and cells["p2"].contains(
        shapely.Point(105.2, 21.0)
    )
    assert cells["p1"].area == pytest.approx(cells["p2"].area, rel=1e-6)
    assert cells["p1"].bounds[2] == pytest.approx(105.1) and cells["p2"].bounds[0] == pytest.approx(105.1)
    assert_no_overlap([cells["p1"], cells["p2"]])
    assert_no_overlap([cells["t1"], cells["t2"], cells["t3"]])
    for code, x, y in zip(codes, lons, lats, strict=True):
        assert cells[code].contains(shapely.Point(x, y))


def test_cells_duplicate_centres_and_nan_do_not_crash():
    codes = ["a", "b", "c", "d", "e"]
    lons = np.array([105.0, 105.0, 105.3, np.nan, 105.1])
    lats = np.array([21.0, 21.0, 21.2, 21.0, 20.8])
    cells = approximate_cells(codes, lons, lats)
    assert set(cells) == {"a", "b", "c", "e"}
    assert cells["a"].equals(cells["b"])
    assert_no_overlap([cells["a"], cells["c"], cells["e"]])
    # A group made only of duplicates behaves like a single centre.
    only = approximate_cells(["x", "y"], np.array([1.0, 1.0]), np.array([2.0, 2.0]), groups=["G", "G"])
    assert only["x"].equals(only["y"]) and only["x"].contains(shapely.Point(1.0, 2.0))


def test_cells_reject_bad_arguments():
    with pytest.raises(ValueError, match="margin_deg"):
        approximate_cells(["a"], np.array([0.0]), np.array([0.0]), margin_deg=0)
    with pytest.raises(ValueError, match="groups"):
        approximate_cells(["a"], np.array([0.0]), np.array([0.0]), groups=["x", "y"])
    with pytest.raises(ValueError, match="duplicate"):
        approximate_cells(["a", "a"], np.zeros(2), np.zeros(2))


@settings(max_examples=100, deadline=None)
@given(
    grid=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=30),
)
def test_cells_property_on_grid_points(grid):
    # Integer-grid centres produce duplicates, collinear sets and cocircular points.
    xy = np.array(grid, dtype=float) * 0.01 + np.array([105.0, 21.0])
    codes = [str(i) for i in range(len(xy))]
    cells = approximate_cells(codes, xy[:, 0], xy[:, 1], margin_deg=0.005)
    assert set(cells) == set(codes)
    for code, (x, y) in zip(codes, xy, strict=True):
        assert cells[code].contains(shapely.Point(x, y))
    _, first = np.unique(xy, axis=0, return_index=True)
    assert_no_overlap([cells[codes[i]] for i in first])
