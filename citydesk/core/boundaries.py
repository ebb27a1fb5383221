"""Official boundaries of commune-level units, imported from a GeoJSON FeatureCollection.

Every feature is checked before anything is stored, and every problem is said in the site's language, each
naming its feature (“#2”, and its code when it has one): a GeoJSON object other than a FeatureCollection, a
missing or unknown code, the code of a province (only communes and wards have official polygons here), a
code used twice, and geometry that is not a valid Polygon/MultiPolygon in WGS84 longitude/latitude.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from shapely.errors import GEOSException
from shapely.geometry import shape

from citydesk.core.audit import Actor, audit_record
from citydesk.core.errors import DomainError
from citydesk.core.models import AdminUnit, BoundaryKind, DivisionLevel
from citydesk.core.units import invalidate_locator
from citydesk.lib.geo import CODE_PROPERTY_FALLBACKS

MAX_SHOWN = 20  # problems listed in the message; the rest are counted
_POLYGONS = ("Polygon", "MultiPolygon")


def _features(geojson: Any) -> list[Any]:
    if not isinstance(geojson, Mapping):
        raise DomainError(
            _("The file is not a GeoJSON FeatureCollection: it holds a JSON %(kind)s, not an object.")
            % {"kind": type(geojson).__name__},
            field="file",
        )
    kind = geojson.get("type")
    if kind == "Feature":
        raise DomainError(
            _(
                "The file is a single GeoJSON Feature, not a FeatureCollection: put the features in "
                '{"type": "FeatureCollection", "features": [ … ]}.'
            ),
            field="file",
        )
    if kind != "FeatureCollection":
        raise DomainError(
            _("The file is not a GeoJSON FeatureCollection (its “type” is “%(type)s”).") % {"type": kind},
            field="file",
        )
    features = geojson.get("features")
    if not isinstance(features, list):
        raise DomainError(_("The FeatureCollection has no “features” list."), field="file")
    if not features:
        raise DomainError(
            _("The FeatureCollection has no features: there is nothing to import."), field="file"
        )
    return features


def _code(properties: Mapping[str, Any], names: list[str]) -> tuple[str | None, str | None]:
    """(unit code, None) or (None, the problem): digits are padded the official way, 2 digits for a
    province and 5 for a commune (“4” is province 04; a commune's code is written with 5 digits)."""
    for name in names:
        value = properties.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None, _("its “%(name)s” property is not a code (text or a whole number).") % {"name": name}
        if isinstance(value, float):
            if not value.is_integer():
                return None, _("its “%(name)s” property is not a whole number.") % {"name": name}
            value = int(value)
        text = str(value).strip()
        if not text:
            return None, _("its “%(name)s” property is empty.") % {"name": name}
        if text.isascii() and text.isdigit():
            text = text.zfill(2) if len(text) <= 2 else text.zfill(5)
        return text, None
    return None, _("it has no code property (looked for %(names)s).") % {
        "names": ", ".join(f"“{n}”" for n in names)
    }


def _geometry(geometry: Any) -> tuple[shapely.Geometry | None, str | None]:
    """(polygon, None) or (None, the problem)."""
    if geometry is None:
        return None, _("it has no geometry.")
    if not isinstance(geometry, Mapping):
        return None, _("its geometry is not a GeoJSON geometry object.")
    kind = geometry.get("type")
    if kind not in _POLYGONS:
        return None, _("its geometry is a %(type)s, not a Polygon or MultiPolygon.") % {"type": kind}
    try:
        with np.errstate(invalid="ignore"):
            geom = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, GEOSException):
        return None, _("its %(type)s coordinates are malformed.") % {"type": kind}
    if geom.is_empty:
        return None, _("its geometry is empty.")
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        return None, _("its coordinates include values that are not numbers.")
    outside = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
    if outside.any():
        lon, lat = coords[np.flatnonzero(outside)[0]]
        return None, _(
            "its coordinates are outside longitude −180…180 / latitude −90…90, e.g. (%(lon)s, %(lat)s): "
            "GeoJSON gives the longitude first, then the latitude (WGS84)."
        ) % {"lon": f"{lon:g}", "lat": f"{lat:g}"}
    if not shapely.is_valid(geom):
        return None, _("its %(type)s is not valid (%(reason)s).") % {
            "type": kind,
            "reason": shapely.is_valid_reason(geom),
        }
    return geom, None


def boundaries_check(geojson: Any, *, code_property: str = "code") -> list[tuple[str, shapely.Geometry]]:
    """[(commune code, polygon)] of a boundary FeatureCollection, or DomainError listing every problem."""
    features = _features(geojson)
    names = [code_property, *(n for n in CODE_PROPERTY_FALLBACKS if n != code_property)]
    units = {
        code: (level, name) for code, level, name in AdminUnit.objects.values_list("code", "level", "name")
    }
    problems: list[str] = []
    first_seen: dict[str, int] = {}
    parsed: list[tuple[str, shapely.Geometry]] = []
    for index, feature in enumerate(features, start=1):  # "#1" is the first, as people count
        where = _("feature #%(i)s") % {"i": index}
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            problems.append(f"{where}: " + _("it is not a GeoJSON Feature."))
            continue
        properties = feature.get("properties")
        code, problem = _code(properties if isinstance(properties, Mapping) else {}, names)
        if code is None:
            problems.append(f"{where}: {problem}")
        else:
            where = _("feature #%(i)s (code %(code)s)") % {"i": index, "code": code}
            level_name = units.get(code)
            if code in first_seen:
                problems.append(
                    f"{where}: " + _("the code is already used by feature #%(i)s.") % {"i": first_seen[code]}
                )
            else:
                first_seen[code] = index
            if level_name is None:
                problems.append(f"{where}: " + _("no administrative unit has this code."))
            elif level_name[0] != DivisionLevel.WARD:
                problems.append(
                    f"{where}: "
                    + _(
                        "this is %(name)s, a province-level unit: only the boundaries of communes and wards "
                        "(5-digit codes) are imported."
                    )
                    % {"name": level_name[1]}
                )
        geometry, problem = _geometry(feature.get("geometry"))
        if problem is not None:
            problems.append(f"{where}: {problem}")
        if code is not None and geometry is not None:
            parsed.append((code, geometry))
    if problems:
        lines = [
            ngettext(
                "%(n)s problem in the boundary file; nothing was imported:",
                "%(n)s problems in the boundary file; nothing was imported:",
                len(problems),
            )
            % {"n": len(problems)}
        ]
        lines += [f"  - {p}" for p in problems[:MAX_SHOWN]]
        if len(problems) > MAX_SHOWN:
            more = len(problems) - MAX_SHOWN
            lines.append("  " + ngettext("… and %(n)s more", "… and %(n)s more", more) % {"n": more})
        raise DomainError("\n".join(lines), field="file")
    return parsed


@transaction.atomic
def boundaries_import(*, actor: Actor, geojson: Any, code_property: str = "code") -> int:
    """Store official commune polygons. Everything is checked first; any problem and nothing is written."""
    parsed = boundaries_check(geojson, code_property=code_property)
    units = {u.code: u for u in AdminUnit.objects.filter(code__in=[code for code, _geom in parsed])}
    for code, geometry in parsed:
        unit = units[code]
        unit.boundary = shapely.geometry.mapping(geometry)
        unit.boundary_kind = BoundaryKind.OFFICIAL
    AdminUnit.objects.bulk_update(list(units.values()), ["boundary", "boundary_kind"], batch_size=200)
    audit_record(
        actor=actor,
        action="boundaries.import",
        object_type="admin_unit",
        object_id=f"{len(parsed)} units",
        after={"codes": sorted(units)[:50], "count": len(parsed)},
    )
    transaction.on_commit(invalidate_locator)
    return len(parsed)
