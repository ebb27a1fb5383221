"""Administrative units: loading the official lists, boundaries, point -> unit, legacy addresses.

Sources (all offline, from installed packages):
- `vietnam-provinces`: the current two-tier list (34 provinces, 3,321 commune-level units, GSO codes),
  the legacy (pre-July-2025) provinces/districts/wards and the legacy -> current ward table.
- `onflow-location-platform`'s dataset: 2025 ward centres and areas with the same codes.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from importlib import resources

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from citydesk.core import configcache
from citydesk.core.errors import DomainError, NotFound
from citydesk.core.models import AdminUnit, BoundaryKind, DivisionLevel, LegacyMapping, LegacyUnit
from citydesk.lib import geo
from citydesk.lib.text import nfc, search_key

# Mainland, coastal waters and the Hoàng Sa / Trường Sa archipelagos.
VIETNAM_LON = (102.0, 117.9)
VIETNAM_LAT = (6.0, 23.5)


def normalize_code(code: str | int, *, level: str | None = None) -> str:
    """Official zero-padded form: provinces 2 digits ('1' -> '01'), communes 5 ('26743')."""
    text = str(code).strip()
    if not text.isdigit():
        raise DomainError(_("“%(code)s” is not an administrative unit code.") % {"code": code}, field="code")
    if level == DivisionLevel.PROVINCE or (level is None and len(text) <= 2):
        return text.zfill(2)
    return text.zfill(5)


def _centres() -> dict[str, tuple[float, float, float | None]]:
    """code -> (lon, lat, area km²) for provinces and wards, from the onflow offline dataset."""
    db_path = resources.files("onflow_location_platform") / "data" / "dataset.db"
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT provinceCode, provinceLon, provinceLat, wardCode, wardLon, wardLat, wardAreaKm2 FROM admin_units"
        ).fetchall()
    out: dict[str, tuple[float, float, float | None]] = {}
    for p_code, p_lon, p_lat, w_code, w_lon, w_lat, area in rows:
        if p_code and p_lon is not None:
            out.setdefault(normalize_code(p_code, level=DivisionLevel.PROVINCE), (p_lon, p_lat, None))
        if w_code and w_lon is not None:
            out[normalize_code(w_code, level=DivisionLevel.WARD)] = (w_lon, w_lat, area)
    return out


@transaction.atomic
def load_units(*, legacy: bool = True, approximate: bool = True) -> dict[str, int]:
    """Create or update every current unit (idempotent); legacy units and their mapping too."""
    from vietnam_provinces import Province, Ward

    centres = _centres()
    provinces = []
    for p in Province.iter_all():
        code = normalize_code(p.code.value, level=DivisionLevel.PROVINCE)
        lon, lat, _area = centres.get(code, (None, None, None))
        provinces.append(
            AdminUnit(
                code=code,
                name=p.name,
                search_name=search_key(p.name),
                division_type=str(p.division_type),
                level=DivisionLevel.PROVINCE,
                province=None,
                codename=p.codename,
                centre_lon=lon,
                centre_lat=lat,
            )
        )
    fields = [
        "name",
        "search_name",
        "division_type",
        "level",
        "province",
        "codename",
        "centre_lon",
        "centre_lat",
    ]
    AdminUnit.objects.bulk_create(
        provinces, update_conflicts=True, unique_fields=["code"], update_fields=fields
    )
    wards = []
    for w in Ward.iter_all():
        code = normalize_code(w.code.value, level=DivisionLevel.WARD)
        lon, lat, area = centres.get(code, (None, None, None))
        wards.append(
            AdminUnit(
                code=code,
                name=w.name,
                search_name=search_key(w.name),
                division_type=str(w.division_type),
                level=DivisionLevel.WARD,
                province_id=normalize_code(w.province_code.value, level="province"),
                codename=w.codename,
                centre_lon=lon,
                centre_lat=lat,
                area_km2=area,
            )
        )
    AdminUnit.objects.bulk_create(
        wards,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=[*fields, "area_km2"],
        batch_size=500,
    )
    counts = {"provinces": len(provinces), "wards": len(wards)}
    if legacy:
        counts.update(_load_legacy())
    if approximate:
        counts["approximate_boundaries"] = build_approximate_boundaries()
    invalidate_locator()
    return counts


def _load_legacy() -> dict[str, int]:
    from vietnam_provinces import Province
    from vietnam_provinces._ward_conversion_2025 import NEW_TO_OLD  # the table with "partly merged" flags
    from vietnam_provinces.legacy import District as LDistrict
    from vietnam_provinces.legacy import Province as LProvince
    from vietnam_provinces.legacy import Ward as LWard

    LegacyMapping.objects.all().delete()
    LegacyUnit.objects.all().delete()
    level = LegacyUnit.Level

    def make(lvl: str, code: str, name: str, parent: int | None) -> LegacyUnit:
        return LegacyUnit(level=lvl, code=code, name=name, search_name=search_key(name), parent_id=parent)

    provinces = LegacyUnit.objects.bulk_create(
        [make(level.PROVINCE, f"{p.code.value:02d}", p.name, None) for p in LProvince.iter_all()]
    )
    province_ids = {u.code: u.pk for u in provinces}
    districts = LegacyUnit.objects.bulk_create(
        [
            make(level.DISTRICT, f"{d.code.value:03d}", d.name, province_ids[f"{d.province_code.value:02d}"])
            for d in LDistrict.iter_all()
        ],
        batch_size=500,
    )
    district_ids = {u.code: u.pk for u in districts}
    wards = LegacyUnit.objects.bulk_create(
        [
            make(level.WARD, f"{w.code.value:05d}", w.name, district_ids[f"{w.district_code.value:03d}"])
            for w in LWard.iter_all()
        ],
        batch_size=1000,
    )
    ward_ids = {u.code: u.pk for u in wards}
    mappings = []
    for new_code, entry in NEW_TO_OLD.items():
        for old in entry.old_wards:
            legacy_id = ward_ids.get(f"{old.code:05d}")
            if legacy_id is not None:
                mappings.append(
                    LegacyMapping(
                        legacy_id=legacy_id, unit_id=f"{new_code:05d}", partial=old.is_partly_merged
                    )
                )
    for p in Province.iter_all():
        for old in p.get_legacy_sources():
            mappings.append(
                LegacyMapping(legacy_id=province_ids[f"{old.code.value:02d}"], unit_id=f"{p.code.value:02d}")
            )
    LegacyMapping.objects.bulk_create(mappings, batch_size=1000, ignore_conflicts=True)
    return {"legacy_units": len(provinces) + len(districts) + len(wards), "legacy_mappings": len(mappings)}


def build_approximate_boundaries() -> int:
    """Voronoi cells of ward centres, per province, for units without an official boundary."""
    rows = list(
        AdminUnit.objects.filter(level=DivisionLevel.WARD, centre_lon__isnull=False).values_list(
            "code", "centre_lon", "centre_lat", "province_id"
        )
    )
    if not rows:
        return 0
    codes = [r[0] for r in rows]
    cells = geo.approximate_cells(
        codes, np.array([r[1] for r in rows]), np.array([r[2] for r in rows]), groups=[r[3] for r in rows]
    )
    official = set(
        AdminUnit.objects.filter(boundary_kind=BoundaryKind.OFFICIAL).values_list("code", flat=True)
    )
    updates = []
    for code, cell in cells.items():
        if code in official:
            continue
        geometry = shapely.geometry.mapping(shapely.set_precision(cell, 1e-5))
        updates.append(AdminUnit(code=code, boundary=geometry, boundary_kind=BoundaryKind.APPROXIMATE))
    AdminUnit.objects.bulk_update(updates, ["boundary", "boundary_kind"], batch_size=500)
    return len(updates)


# --- Point -> unit --------------------------------------------------------------------------------

# A point outside every official polygon goes to the nearest commune centre only within this distance: the
# farthest point of the largest inland communes is about 40 km from its centre. Beyond it (abroad, the open
# sea) no unit is named rather than the nearest one across a border (New York was “Xã Sín Thầu”).
NEAREST_CENTRE_MAX_KM = 50
_KM_PER_DEGREE = 111.2

_locator_lock = threading.Lock()


@dataclass(frozen=True)
class LocatorState:
    version: tuple
    locator: geo.UnitLocator
    codes: list[str]
    lons: np.ndarray
    lats: np.ndarray


_locator: LocatorState | None = None
_locator_checked_at = 0.0


def _locator_version() -> tuple:
    """Changes whenever wards or official boundaries are added, removed or replaced (one query)."""
    from django.db.models import Count, Max, Min, Q

    return tuple(
        AdminUnit.objects.filter(level=DivisionLevel.WARD)
        .aggregate(
            n=Count("code"),
            first=Min("code"),
            last=Max("code"),
            official=Count("code", filter=Q(boundary_kind=BoundaryKind.OFFICIAL)),
            lon=Max("centre_lon"),
        )
        .values()
    )


def invalidate_locator() -> None:
    global _locator
    with _locator_lock:
        _locator = None


def get_locator() -> LocatorState:
    """A process-wide locator over commune-level units, rebuilt when units or boundaries change."""
    global _locator, _locator_checked_at
    now = time.monotonic()
    # Units and boundaries change a few times a year: other processes notice within
    # CITYDESK_UNITS_RECHECK_SECONDS; this process at once (imports call invalidate_locator).
    if _locator is not None and now - _locator_checked_at < settings.CITYDESK_UNITS_RECHECK_SECONDS:
        return _locator
    version = _locator_version()
    _locator_checked_at = now
    with _locator_lock:
        if _locator is not None and _locator.version == version:
            return _locator
        rows = list(
            AdminUnit.objects.filter(level=DivisionLevel.WARD, centre_lon__isnull=False)
            .order_by("code")
            .values_list("code", "centre_lon", "centre_lat", "boundary", "boundary_kind")
        )
        codes = [r[0] for r in rows]
        lons = np.array([r[1] for r in rows], dtype=float)
        lats = np.array([r[2] for r in rows], dtype=float)
        polygons = {r[0]: shapely.geometry.shape(r[3]) for r in rows if r[4] == BoundaryKind.OFFICIAL}
        locator = geo.UnitLocator(
            codes,
            lons,
            lats,
            polygons=polygons or None,
            max_distance_deg=NEAREST_CENTRE_MAX_KM / _KM_PER_DEGREE,
        )
        _locator = LocatorState(version=version, locator=locator, codes=codes, lons=lons, lats=lats)
        return _locator


@dataclass(frozen=True)
class Located:
    unit: AdminUnit
    method: str  # "polygon" | "nearest_centre"


def _load_wards() -> dict[str, AdminUnit]:
    return {u.code: u for u in AdminUnit.objects.filter(level=DivisionLevel.WARD).select_related("province")}


def ward_by_code(code: str, *, gen: int | None = None) -> AdminUnit | None:
    """A commune-level unit (with its province) from the per-process cache; treat it as read-only."""
    return configcache.cached("wards", _load_wards, gen=gen).get(code)


def typed_ward(code: str | None, *, gen: int | None = None) -> AdminUnit | None:
    """The commune-level unit of a code as typed ("26743", " 2674 "), or None when the text is not a code
    or names no ward: the callers say so for their own field."""
    text = (code or "").strip()
    if not text:
        return None
    try:
        return ward_by_code(normalize_code(text, level=DivisionLevel.WARD), gen=gen)
    except DomainError:
        return None


def locate_point(lon: float, lat: float, *, gen: int | None = None) -> Located:
    if not (-180 <= lon <= 180):
        raise DomainError(_("Longitude must be between -180 and 180."), field="lon")
    if not (-90 <= lat <= 90):
        raise DomainError(_("Latitude must be between -90 and 90."), field="lat")
    state = get_locator()
    index, method = state.locator.locate_one_index(lon, lat)
    if index < 0 or method.label is None:
        raise NotFound(
            _(
                "No administrative unit of Vietnam is at this point (longitude %(lon)s, latitude %(lat)s): "
                "it is outside every official boundary and more than %(km)s km from every commune's centre."
            )
            % {"lon": f"{lon:g}", "lat": f"{lat:g}", "km": NEAREST_CENTRE_MAX_KM},
            field="lon",
        )
    unit = ward_by_code(state.codes[index], gen=gen)
    if unit is None:  # changed since the locator was built
        unit = AdminUnit.objects.select_related("province").get(code=state.codes[index])
    return Located(unit=unit, method=method.label)


# --- Legacy addresses -----------------------------------------------------------------------------

_LEGACY_PREFIX = re.compile(
    r"^(tinh|thanh pho|tp|quan|huyen|thi xa|thi tran|phuong|xa|tx|tt|q|p|h)(\.\s*|\s+)", re.IGNORECASE
)


def _bare(name: str) -> str:
    key = search_key(name)
    previous = None
    while previous != key:
        previous = key
        key = _LEGACY_PREFIX.sub("", key).strip()
    return key


@dataclass(frozen=True)
class LegacyConversion:
    legacy_ward: LegacyUnit
    units: list[AdminUnit]
    partial: bool
    street: str


def convert_legacy_address(address: str) -> LegacyConversion:
    """'12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh' -> the current unit(s).

    The last comma-separated parts are read as ward, district, province (legacy names); the ward is
    found inside that district and province, then mapped through the official legacy table.
    """
    parts = [nfc(p) for p in address.split(",") if p.strip()]
    if len(parts) < 3:
        raise DomainError(_("Write the old address as “…, ward, district, province”."), field="address")
    ward_name, district_name, province_name = parts[-3], parts[-2], parts[-1]
    province_key = _bare(province_name).replace("hcm", "ho chi minh")
    provinces = [
        p for p in LegacyUnit.objects.filter(level=LegacyUnit.Level.PROVINCE) if _bare(p.name) == province_key
    ]
    if not provinces:
        raise NotFound(_("Unknown old province “%(n)s”.") % {"n": province_name}, field="address")
    districts = [
        d for d in LegacyUnit.objects.filter(parent__in=provinces) if _bare(d.name) == _bare(district_name)
    ]
    if not districts:
        raise NotFound(_("Unknown old district “%(n)s”.") % {"n": district_name}, field="address")
    wards = [w for w in LegacyUnit.objects.filter(parent__in=districts) if _bare(w.name) == _bare(ward_name)]
    if not wards:
        raise NotFound(_("Unknown old ward “%(n)s”.") % {"n": ward_name}, field="address")
    legacy_ward = wards[0]
    mappings = list(legacy_ward.mappings.select_related("unit", "unit__province").order_by("unit_id"))
    if not mappings:
        raise NotFound(_("The old ward “%(n)s” has no successor.") % {"n": legacy_ward.name}, field="address")
    return LegacyConversion(
        legacy_ward=legacy_ward,
        units=[m.unit for m in mappings],
        partial=any(m.partial for m in mappings),
        street=", ".join(parts[:-3]),
    )


# A part of an address that names a commune-level unit: its division word first.
_WARD_WORD = re.compile(r"^(phuong|xa|dac khu|thi tran|p\.?|x\.?)\s+\S", re.IGNORECASE)


def ward_from_address(address: str, province_code: str | None = None) -> AdminUnit | None:
    """The commune-level unit an address names, or None when it names none for sure.

    Read first as today's address: a comma-separated part "Phường Sài Gòn" naming one unit (of the province,
    when it is known). Else as an address from before July 2025 ("…, Phường Bến Nghé, Quận 1, TP. Hồ Chí
    Minh"), through the official table, when the old ward went whole into one unit: an old ward split
    between several gives no answer, and the province's committee triages the report as before.
    """
    parts = [p.strip() for p in nfc(address or "").split(",") if p.strip()]
    wards = AdminUnit.objects.filter(level=DivisionLevel.WARD).select_related("province")
    if province_code:
        wards = wards.filter(province_id=province_code)
    for part in reversed(parts):
        key = search_key(part)
        if not _WARD_WORD.match(key):
            continue
        bare = _bare(part)
        named = [u for u in wards.filter(search_name__endswith=" " + bare) if _bare(u.name) == bare]
        if len(named) == 1:
            return named[0]
    if len(parts) >= 3:
        try:
            conversion = convert_legacy_address(address)
        except DomainError:  # NotFound is one: not an old address we know
            conversion = None
        if conversion is not None:
            if len(conversion.units) != 1:
                return None
            unit = conversion.units[0]
            return None if province_code and unit.province_id != province_code else unit
    if province_code and len(parts) >= 2:
        # "…, Phường Bến Nghé, Quận 1" with the province chosen apart (the form's province, the hotline's
        # city): the old ward of that district whose successor is in the province.
        return _legacy_ward_in_province(parts[-2], parts[-1], province_code)
    return None


def _legacy_ward_in_province(ward_name: str, district_name: str, province_code: str) -> AdminUnit | None:
    """The one current unit an old ward `ward_name` of the old district `district_name` went whole into,
    among the province's; None when no such old ward, or it was split, or it is ambiguous."""
    if not _WARD_WORD.match(search_key(ward_name)):
        return None
    ward_bare, district_bare = _bare(ward_name), _bare(district_name)
    if not ward_bare or not district_bare:
        return None
    olds = LegacyUnit.objects.filter(
        level=LegacyUnit.Level.WARD, search_name__endswith=" " + ward_bare
    ).select_related("parent")
    found: set[str] = set()
    for old in olds:
        if _bare(old.name) != ward_bare or old.parent is None or _bare(old.parent.name) != district_bare:
            continue
        mappings = list(old.mappings.select_related("unit"))
        units = {m.unit_id for m in mappings if m.unit.province_id == province_code}
        if not units:
            continue
        if len(mappings) != 1 or any(m.partial for m in mappings):
            return None  # split between several units: the province's committee triages it
        found |= units
    if len(found) != 1:
        return None
    return AdminUnit.objects.select_related("province").get(pk=found.pop())


def legacy_successors(
    name: str, province_code: str | None = None
) -> list[tuple[LegacyUnit, list[AdminUnit]]]:
    """The old wards (before July 2025) named `name` (accents optional, division word optional), each with
    the unit(s) it went into, those of the province when it is given."""
    bare = _bare(name)
    if not bare:
        return []
    found = []
    olds = LegacyUnit.objects.filter(
        level=LegacyUnit.Level.WARD, search_name__endswith=" " + bare
    ).select_related("parent")
    for old in olds:
        if _bare(old.name) != bare:
            continue
        units = [m.unit for m in old.mappings.select_related("unit").order_by("unit_id")]
        if province_code:
            units = [u for u in units if u.province_id == province_code]
        if units:
            found.append((old, units))
    return found
