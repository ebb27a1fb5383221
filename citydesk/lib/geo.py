"""Point → administrative-unit lookup and boundary handling.

Pure module: no Django import, only numpy and shapely (>= 2.1). All coordinates are WGS84 longitude /
latitude in GeoJSON order (x = lon, y = lat).

Three pieces:

* :func:`parse_boundaries` validates a GeoJSON FeatureCollection of unit boundaries and returns
  ``(code, geometry)`` pairs, or raises :class:`BoundaryError` listing every problem found.
* :func:`approximate_cells` builds stand-in polygons (Voronoi cells of the unit centres) for units
  without official boundaries.
* :class:`UnitLocator` maps points to units: a point inside a loaded polygon belongs to that unit;
  any other point goes to the nearest centre among the units that have no polygon.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
import shapely
from shapely.errors import GEOSException
from shapely.geometry import shape

__all__ = [
    "CODE_PROPERTY_FALLBACKS",
    "BoundaryError",
    "LocateMethod",
    "UnitLocator",
    "approximate_cells",
    "parse_boundaries",
]

#: Property names tried, in this order, when a feature lacks the requested ``code_property``.
#: ``ma`` / ``ma_xa`` are the usual Vietnamese names ("mã", "mã xã"), ``MA`` their upper-case
#: variant in GDAL/Shapefile exports, ``wardCode`` the camel-case name used by many web APIs.
CODE_PROPERTY_FALLBACKS: tuple[str, ...] = ("code", "ma", "ma_xa", "MA", "wardCode")

_MAX_REPORTED_PROBLEMS = 10
_POLYGON_TYPES = ("Polygon", "MultiPolygon")


class BoundaryError(ValueError):
    """Boundary GeoJSON rejected. ``problems`` holds every problem found, one human message each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems: list[str] = list(problems)
        shown = self.problems[:_MAX_REPORTED_PROBLEMS]
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in boundary GeoJSON"
        lines = [head + ":"] + [f"  - {p}" for p in shown]
        if count > len(shown):
            lines.append(f"  ... and {count - len(shown)} more")
        super().__init__("\n".join(lines))


# --------------------------------------------------------------------------------------------------
# parse_boundaries
# --------------------------------------------------------------------------------------------------


def _feature_list(geojson: Any) -> list[Any]:
    if not isinstance(geojson, Mapping):
        raise BoundaryError([f"expected a GeoJSON object, got {type(geojson).__name__}"])
    kind = geojson.get("type")
    if kind == "Feature":
        return [geojson]
    if kind != "FeatureCollection":
        raise BoundaryError([f"expected a GeoJSON FeatureCollection or Feature, got type {kind!r}"])
    features = geojson.get("features")
    if not isinstance(features, list):
        raise BoundaryError(["FeatureCollection has no 'features' list"])
    if not features:
        raise BoundaryError(["FeatureCollection contains no features"])
    return features


def _raw_code(properties: Mapping[str, Any], names: Sequence[str]) -> tuple[str | None, Any]:
    for name in names:
        if name in properties and properties[name] is not None:
            return name, properties[name]
    return None, None


def _normalise_code(value: Any, numeric_known: Mapping[int, str] | None) -> tuple[str | None, str | None]:
    """Return ``(code, problem)``; exactly one of them is None."""
    number: int | None = None
    if isinstance(value, bool):
        return None, f"code {value!r} is a boolean, expected a string or integer"
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            return None, f"code {value!r} is not an integer"
        number = int(value)
    elif isinstance(value, str):
        code = value.strip()
        if not code:
            return None, "code is an empty string"
        return code, None
    else:
        return None, f"code has unsupported type {type(value).__name__}, expected a string or integer"
    # Numeric codes lose their leading zeros ("00004" → 4); map them back onto the known codes.
    if numeric_known is not None and number in numeric_known:
        return numeric_known[number], None
    return str(number), None


def _geometry_problems(geometry: Any) -> tuple[shapely.Geometry | None, list[str]]:
    if geometry is None:
        return None, ["has no geometry"]
    if not isinstance(geometry, Mapping):
        return None, [f"geometry is a {type(geometry).__name__}, expected a GeoJSON geometry object"]
    kind = geometry.get("type")
    if kind not in _POLYGON_TYPES:
        return None, [f"geometry type {kind!r} is not Polygon or MultiPolygon"]
    try:
        with np.errstate(invalid="ignore"):  # NaN coordinates are reported below, not warned about
            geom = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, GEOSException) as exc:
        return None, [f"{kind} coordinates are malformed ({exc})"]
    if geom.is_empty:
        return None, [f"{kind} geometry is empty"]
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        return None, ["geometry has non-finite (NaN or infinite) coordinates"]
    lon_bad = (coords[:, 0] < -180.0) | (coords[:, 0] > 180.0)
    lat_bad = (coords[:, 1] < -90.0) | (coords[:, 1] > 90.0)
    if lon_bad.any() or lat_bad.any():
        first = coords[np.flatnonzero(lon_bad | lat_bad)[0]]
        return None, [
            f"coordinates outside lon [-180, 180] / lat [-90, 90], e.g. ({first[0]:g}, {first[1]:g});"
            " expected WGS84 longitude/latitude in that order"
        ]
    if not shapely.is_valid(geom):
        return None, [f"{kind} is invalid: {shapely.is_valid_reason(geom)}"]
    return geom, []


def parse_boundaries(
    geojson: dict,
    *,
    code_property: str = "code",
    known_codes: Collection[str] | None = None,
    code_fallbacks: Sequence[str] = CODE_PROPERTY_FALLBACKS,
) -> list[tuple[str, shapely.Geometry]]:
    """Validate a boundary FeatureCollection (or single Feature) and return ``[(code, geometry)]``.

    Every feature needs a valid Polygon/MultiPolygon geometry in WGS84 lon/lat and a unit code taken
    from ``code_property`` or, when that property is absent, the first present of ``code_fallbacks``
    (pass ``()`` to disable). Codes may be strings or integers and are returned as strings; an integer
    code equal to the numeric value of a known all-digit code returns that code (4 → "00004").

    Everything is checked before anything is returned: on any problem a :class:`BoundaryError` is
    raised listing all problems (the message shows the first 10), each naming the feature index.
    """
    features = _feature_list(geojson)
    names = [code_property] + [n for n in code_fallbacks if n != code_property]
    known: frozenset[str] | None = None
    numeric_known: dict[int, str] | None = None
    if known_codes is not None:
        known = frozenset(str(c) for c in known_codes)
        numeric_known = {int(c): c for c in sorted(known) if c.isascii() and c.isdigit()}

    problems: list[str] = []
    result: list[tuple[str, shapely.Geometry]] = []
    first_seen: dict[str, int] = {}
    for index, feature in enumerate(features):
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            got = feature.get("type") if isinstance(feature, Mapping) else type(feature).__name__
            problems.append(f"feature {index}: is not a GeoJSON Feature (got {got!r})")
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, Mapping):
            properties = {}
        used, raw = _raw_code(properties, names)
        code: str | None = None
        label = f"feature {index}"
        if used is None:
            problems.append(f"{label}: no code property (looked for {', '.join(repr(n) for n in names)})")
        else:
            code, problem = _normalise_code(raw, numeric_known)
            if problem is not None:
                problems.append(f"{label}: property {used!r}: {problem}")
            else:
                label = f"feature {index} (code {code!r})"
        if code is not None:
            if code in first_seen:
                problems.append(f"{label}: duplicate code, already used by feature {first_seen[code]}")
            else:
                first_seen[code] = index
            if known is not None and code not in known:
                problems.append(f"{label}: code is not a known unit code")

        geom, geom_problems = _geometry_problems(feature.get("geometry"))
        problems.extend(f"{label}: {p}" for p in geom_problems)
        if code is not None and geom is not None:
            result.append((code, geom))

    if problems:
        raise BoundaryError(problems)
    return result


# --------------------------------------------------------------------------------------------------
# approximate_cells
# --------------------------------------------------------------------------------------------------


def _as_float_array(values: Any, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def _check_codes(codes: Sequence[str], lons: np.ndarray, lats: np.ndarray) -> list[str]:
    codes = [str(c) for c in codes]
    if not (len(codes) == len(lons) == len(lats)):
        raise ValueError(f"codes, lons and lats differ in length ({len(codes)}, {len(lons)}, {len(lats)})")
    if len(set(codes)) != len(codes):
        dupes = sorted(c for c, count in Counter(codes).items() if count > 1)
        raise ValueError(f"duplicate unit codes: {', '.join(dupes[:10])}")
    return codes


def _polygon_around(geom: shapely.Geometry, centre: shapely.Point) -> shapely.Polygon:
    """Reduce a clip result to one Polygon: the part containing ``centre``, else the largest."""
    if isinstance(geom, shapely.Polygon):
        return geom
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, shapely.Polygon) and not p.is_empty]
    if not parts:
        return shapely.Polygon()
    for part in parts:
        if part.intersects(centre):
            return part
    return max(parts, key=lambda p: p.area)


def _group_cells(xy: np.ndarray, margin_deg: float) -> list[shapely.Polygon]:
    """Cells for distinct points ``xy`` (shape (n, 2)), clipped to their buffered convex hull."""
    if len(xy) == 1:
        return [shapely.Point(xy[0]).buffer(margin_deg, quad_segs=8)]
    multipoint = shapely.multipoints(xy)
    region = shapely.convex_hull(multipoint).buffer(margin_deg, quad_segs=8)
    voronoi = shapely.voronoi_polygons(multipoint, extend_to=region, ordered=True)
    cells = shapely.intersection(shapely.get_parts(voronoi), region)
    centres = shapely.points(xy)
    return [_polygon_around(cell, centre) for cell, centre in zip(cells, centres, strict=True)]


def approximate_cells(
    codes: Sequence[str],
    lons: np.ndarray,
    lats: np.ndarray,
    groups: Sequence[str] | None = None,
    margin_deg: float = 0.05,
) -> dict[str, shapely.Polygon]:
    """Approximate unit polygons as Voronoi cells of the unit centres.

    Without ``groups`` all centres form one group. With ``groups`` (e.g. the province code of each
    unit) cells are built per group and clipped to that group's centres' convex hull buffered by
    ``margin_deg`` degrees, so border cells do not spill far beyond the group. Cells of one group do
    not overlap; cells of different groups may overlap near group borders.

    A group with a single centre gets a disc of radius ``margin_deg``; two centres split their
    buffered hull in half. Units sharing identical centre coordinates (within a group) all get the same
    cell. Units whose centre is NaN/infinite are left out of the result.
    """
    lons = _as_float_array(lons, "lons")
    lats = _as_float_array(lats, "lats")
    codes = _check_codes(codes, lons, lats)
    if not margin_deg > 0:
        raise ValueError(f"margin_deg must be positive, got {margin_deg!r}")
    if groups is not None and len(groups) != len(codes):
        raise ValueError(f"groups has {len(groups)} entries for {len(codes)} codes")

    finite = np.isfinite(lons) & np.isfinite(lats)
    group_keys = np.zeros(len(codes), dtype=np.intp)
    if groups is not None:
        key_of: dict[str, int] = {}
        group_keys = np.array([key_of.setdefault(str(g), len(key_of)) for g in groups], dtype=np.intp)

    result: dict[str, shapely.Polygon] = {}
    for key in np.unique(group_keys[finite]):
        members = np.flatnonzero(finite & (group_keys == key))
        xy = np.column_stack([lons[members], lats[members]])
        distinct, inverse = np.unique(xy, axis=0, return_inverse=True)
        cells = _group_cells(distinct, margin_deg)
        for member, cell_index in zip(members, inverse.ravel(), strict=True):
            result[codes[member]] = cells[cell_index]
    return {code: result[code] for code in codes if code in result}


# --------------------------------------------------------------------------------------------------
# UnitLocator
# --------------------------------------------------------------------------------------------------


class LocateMethod(enum.IntEnum):
    """How a point was located; values stored in the ``int8`` method array of ``locate``."""

    NONE = 0
    POLYGON = 1
    NEAREST_CENTRE = 2

    @property
    def label(self) -> Literal["polygon", "nearest_centre"] | None:
        if self is LocateMethod.POLYGON:
            return "polygon"
        if self is LocateMethod.NEAREST_CENTRE:
            return "nearest_centre"
        return None


def _valid_lonlat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (x >= -180.0) & (x <= 180.0) & (y >= -90.0) & (y <= 90.0)  # False for NaN


def _lowest_per_point(point_idx: np.ndarray, units: np.ndarray, n: int) -> np.ndarray:
    """Per point the lowest unit among its (point, unit) pairs; -1 for points without a pair."""
    out = np.full(n, -1, dtype=np.intp)
    out[point_idx] = units
    multi = np.bincount(point_idx, minlength=n)[point_idx] > 1
    if multi.any():  # usually rare: points on shared edges, overlapping polygons, equidistant centres
        out[point_idx[multi]] = np.iinfo(np.intp).max
        np.minimum.at(out, point_idx[multi], units[multi])
    return out


def _lowest_hit(
    tree: shapely.STRtree, geoms: np.ndarray, unit_of: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """Lowest unit whose geometry intersects each point (x, y); -1 where none does.

    Same answer as ``tree.query(points, predicate="intersects")``, but the exact test runs on the
    *prepared* tree geometries (indexed point-in-polygon) instead of on un-prepared query points.
    """
    point_idx, geom_idx = tree.query(shapely.points(x, y))
    inside = shapely.intersects_xy(geoms[geom_idx], x[point_idx], y[point_idx])
    return _lowest_per_point(point_idx[inside], unit_of[geom_idx[inside]], x.size)


class UnitLocator:
    """Map lon/lat points to administrative units.

    ``codes``/``lons``/``lats`` describe every unit and its centre; ``polygons`` optionally gives
    boundaries for some or all of them (Polygon or MultiPolygon, e.g. from :func:`parse_boundaries`).

    Rule, per point:

    1. invalid input (NaN, lon outside [-180, 180], lat outside [-90, 90]) → ``-1``;
    2. inside or on the boundary of a loaded polygon → that unit (several hits, e.g. on a shared edge,
       resolve to the lowest unit index);
    3. otherwise → the unit with the nearest centre among units that have *no* polygon, measured
       equirectangularly (longitude scaled by cos of those centres' mean latitude), optionally only
       within ``max_distance_deg`` (in degrees of latitude);
    4. when every unit has a polygon (or no candidate is close enough) → ``-1``.

    All indexes are built once here (STRtrees over the polygon parts, the candidate centres and their
    Voronoi cells); ``locate`` is vectorised over numpy arrays: point-in-prepared-polygon for rule 2,
    point-in-Voronoi-cell for rule 3 (the exact ``STRtree.query_nearest`` search covers any point the
    cells miss). ``locate_one`` is an independent per-point path giving the same answers. Ties and
    points within floating-point rounding of an edge resolve to the lowest unit index. No special
    handling of the antimeridian.
    """

    def __init__(
        self,
        codes: Sequence[str],
        lons: np.ndarray,
        lats: np.ndarray,
        polygons: Mapping[str, shapely.Geometry] | None = None,
        *,
        max_distance_deg: float | None = None,
    ) -> None:
        lons = _as_float_array(lons, "lons")
        lats = _as_float_array(lats, "lats")
        self._codes: tuple[str, ...] = tuple(_check_codes(codes, lons, lats))
        self._index = {code: i for i, code in enumerate(self._codes)}
        self._lookup = np.array([*self._codes, None], dtype=object)  # index -1 → None
        self._unit_lons = lons.copy()
        self._unit_lats = lats.copy()
        if max_distance_deg is not None and not max_distance_deg > 0:
            raise ValueError(f"max_distance_deg must be positive, got {max_distance_deg!r}")
        self._max_distance = max_distance_deg

        # Polygons: exploded into single parts (tighter bounding boxes), sorted by unit index.
        has_polygon = np.zeros(len(self._codes), dtype=bool)
        unit_geoms: list[shapely.Geometry] = []
        unit_ids: list[int] = []
        unknown = sorted(set(polygons or {}) - set(self._index))
        if unknown:
            raise ValueError(f"polygons given for unknown codes: {', '.join(map(str, unknown[:10]))}")
        for code, geom in sorted((polygons or {}).items(), key=lambda item: self._index[item[0]]):
            if geom is None or geom.is_empty:
                continue
            if not isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
                raise ValueError(f"polygon for {code!r} is a {geom.geom_type}, expected (Multi)Polygon")
            unit_geoms.append(geom)
            unit_ids.append(self._index[code])
            has_polygon[self._index[code]] = True
        self._has_polygon = has_polygon
        if unit_geoms:
            parts, part_of = shapely.get_parts(np.array(unit_geoms, dtype=object), return_index=True)
            self._parts = parts
            shapely.prepare(self._parts)
            self._part_unit = np.asarray(unit_ids, dtype=np.intp)[part_of]
            self._poly_tree: shapely.STRtree | None = shapely.STRtree(self._parts)
        else:
            self._parts = np.empty(0, dtype=object)
            self._part_unit = np.empty(0, dtype=np.intp)
            self._poly_tree = None

        # Nearest-centre candidates: units without a polygon and with a finite centre, in a plane where
        # longitude is scaled by cos(mean latitude) so that Euclidean distance ~ equirectangular distance.
        candidates = np.flatnonzero(~has_polygon & np.isfinite(lons) & np.isfinite(lats))
        self._centre_unit = candidates
        self.lon_scale = 1.0
        self._centre_tree: shapely.STRtree | None = None
        self._cell_tree: shapely.STRtree | None = None
        self._single_centre = -1
        if len(candidates):
            self.lon_scale = float(math.cos(math.radians(float(np.mean(lats[candidates])))))
            self._centre_x = lons[candidates] * self.lon_scale
            self._centre_y = lats[candidates]
            self._centre_tree = shapely.STRtree(shapely.points(self._centre_x, self._centre_y))
            self._build_nearest_cells()

    def _build_nearest_cells(self) -> None:
        """Voronoi cells of the distinct candidate centres: nearest centre == containing cell.

        Point-in-prepared-cell is much faster than STRtree.query_nearest; points the cells miss
        (should not happen beyond rounding) fall back to the exact tree search.
        """
        xy = np.column_stack([self._centre_x, self._centre_y])
        distinct, first = np.unique(xy, axis=0, return_index=True)  # first == lowest unit index
        if len(distinct) == 1:
            self._single_centre = int(self._centre_unit[first[0]])
            return
        world = shapely.box(-181.0, -91.0, 181.0, 91.0)  # covers every valid, scaled input point
        try:
            cells = shapely.get_parts(
                shapely.voronoi_polygons(shapely.multipoints(distinct), extend_to=world, ordered=True)
            )
        except GEOSException:
            return
        if (
            len(cells) != len(distinct)
            or not shapely.contains_xy(cells, distinct[:, 0], distinct[:, 1]).all()
        ):
            return  # degenerate input: keep the exact tree search only
        shapely.prepare(cells)
        self._cells = cells
        self._cell_unit = self._centre_unit[first]
        self._cell_tree = shapely.STRtree(cells)

    # -- introspection ---------------------------------------------------------------------------

    @property
    def codes(self) -> tuple[str, ...]:
        """Unit codes; ``locate`` returns indices into this tuple."""
        return self._codes

    @property
    def has_polygons(self) -> bool:
        return self._poly_tree is not None

    @property
    def polygon_codes(self) -> frozenset[str]:
        """Codes of the units that have a loaded polygon."""
        return frozenset(self._codes[i] for i in np.flatnonzero(self._has_polygon))

    def __len__(self) -> int:
        return len(self._codes)

    # -- vectorised lookup -----------------------------------------------------------------------

    @overload
    def locate(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, *, return_method: Literal[False] = False
    ) -> np.ndarray: ...

    @overload
    def locate(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, *, return_method: Literal[True]
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def locate(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike, *, return_method: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Unit index (into ``codes``) for each point, ``-1`` when not found.

        ``lons``/``lats`` are array-likes of the same shape; the result has that shape (``intp``).
        With ``return_method=True`` also returns an ``int8`` array of :class:`LocateMethod` values.
        """
        x_in = np.asarray(lons, dtype=np.float64)
        y_in = np.asarray(lats, dtype=np.float64)
        if x_in.shape != y_in.shape:
            raise ValueError(f"lons and lats differ in shape ({x_in.shape} vs {y_in.shape})")
        shape = x_in.shape
        x = x_in.ravel()
        y = y_in.ravel()
        n = x.size
        result = np.full(n, -1, dtype=np.intp)
        method = np.zeros(n, dtype=np.int8)

        valid = _valid_lonlat(x, y)
        todo = np.arange(n) if valid.all() else np.flatnonzero(valid)
        if self._poly_tree is not None and todo.size:
            hit = self._locate_in_polygons(x[todo], y[todo])
            found = hit >= 0
            result[todo[found]] = hit[found]
            method[todo[found]] = LocateMethod.POLYGON
            todo = todo[~found]
        if self._centre_tree is not None and todo.size:
            near = self._locate_nearest(x[todo], y[todo])
            found = near >= 0
            result[todo[found]] = near[found]
            method[todo[found]] = LocateMethod.NEAREST_CENTRE

        result = result.reshape(shape)
        if return_method:
            return result, method.reshape(shape)
        return result

    def _locate_in_polygons(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        assert self._poly_tree is not None
        return _lowest_hit(self._poly_tree, self._parts, self._part_unit, x, y)

    def _locate_nearest(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        xs = x * self.lon_scale
        if self._single_centre >= 0:
            out = np.full(x.size, self._single_centre, dtype=np.intp)
        elif self._cell_tree is not None:
            out = _lowest_hit(self._cell_tree, self._cells, self._cell_unit, xs, y)
        else:
            out = np.full(x.size, -1, dtype=np.intp)
        missing = np.flatnonzero(out < 0)
        if missing.size:
            assert self._centre_tree is not None
            point_idx, centre_idx = self._centre_tree.query_nearest(shapely.points(xs[missing], y[missing]))
            out[missing] = _lowest_per_point(point_idx, self._centre_unit[centre_idx], missing.size)
        if self._max_distance is not None:
            found = np.flatnonzero(out >= 0)
            dx = (x[found] - self._unit_lons[out[found]]) * self.lon_scale
            dy = y[found] - self._unit_lats[out[found]]
            out[found[np.hypot(dx, dy) > self._max_distance]] = -1
        return out

    def locate_codes(self, lons: npt.ArrayLike, lats: npt.ArrayLike) -> list[str | None]:
        """Unit code (or None) for each point of 1-D ``lons``/``lats``."""
        return self._lookup[np.ravel(self.locate(lons, lats))].tolist()

    # -- single point (independent scalar code path) ---------------------------------------------

    def locate_one_index(self, lon: float, lat: float) -> tuple[int, LocateMethod]:
        """``(unit index or -1, method)`` for one point, without numpy vectorisation."""
        lon = float(lon)
        lat = float(lat)
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):  # also rejects NaN
            return -1, LocateMethod.NONE
        point = shapely.Point(lon, lat)
        if self._poly_tree is not None:
            parts = self._poly_tree.query(point, predicate="intersects")
            if parts.size:
                return int(self._part_unit[parts].min()), LocateMethod.POLYGON
        if self._centre_tree is not None:
            scaled = shapely.Point(lon * self.lon_scale, lat)
            found = self._centre_tree.query_nearest(scaled, max_distance=self._max_distance, all_matches=True)
            if found.size:  # equidistant centres: lowest unit index wins
                return int(self._centre_unit[found].min()), LocateMethod.NEAREST_CENTRE
        return -1, LocateMethod.NONE

    def locate_one(self, lon: float, lat: float) -> str | None:
        """Unit code for one point, or None."""
        index, _ = self.locate_one_index(lon, lat)
        return self._codes[index] if index >= 0 else None
