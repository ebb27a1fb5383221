"""Places written as text ("60 Lê Lợi, Phường Bến Thành"): the commune-level unit, or else the province,
an address names. Used by e-mail intake and Open311 when a report comes without coordinates.

`ward_in_address` and `province_in_address` read what an address says outright (a commune of the city, the
province it ends with); `address_ward` and `address_province` also infer them from what else it names: a
commune of another province, or a district or ward from before July 2025 ("20 Cầu Gỗ, quận Hoàn Kiếm" is
in Hà Nội), when only one unit fits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from citydesk.core import configcache
from citydesk.core.models import AdminUnit, DivisionLevel, LegacyMapping, LegacyUnit, Organisation, OrgKind
from citydesk.core.units import ward_by_code
from citydesk.lib.text import search_key


@dataclass(frozen=True)
class _Places:
    wards: dict[str, list[tuple[str, str, str]]]  # province code -> (ward code, " full name ", bare name)
    provinces: list[tuple[str, str]]  # (code, " bare name ") of every province
    home: tuple[str, ...]  # the provinces the city's top-level People's Committees govern
    # A commune's bare name ("ben thanh") -> (its code, its province) of every commune so named.
    by_name: dict[str, tuple[tuple[str, str], ...]]
    # An old district's bare name ("hoan kiem", "1") -> (its id, today's province) of every one so named.
    districts: dict[str, tuple[tuple[int, str], ...]]


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", search_key(text)).strip()


def _bare(words: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if words.startswith(prefix + " "):
            return words[len(prefix) + 1 :]
    return words


_WARD_WORDS = ("dac khu", "thi tran", "phuong", "xa", "p", "x")
_PROVINCE_WORDS = ("thanh pho", "tinh", "tp")
# The division words of an old (before July 2025) district: "Quận Hoàn Kiếm", "Q.1", "Huyện Củ Chi",
# "H. Củ Chi", "Thị xã Sơn Tây", "TP Thủ Đức".
_DISTRICT_WORDS = ("quan", "huyen", "thi xa", "thanh pho", "tx", "tp", "q", "h")
# A last part naming the country, not a place in it.
_COUNTRY = {"viet nam", "vietnam", "vn"}


def _load_places() -> _Places:
    wards: dict[str, list[tuple[str, str, str]]] = {}
    provinces = []
    for code, name, level, province in AdminUnit.objects.values_list("code", "name", "level", "province_id"):
        words = _words(name)
        if level == DivisionLevel.WARD:
            wards.setdefault(province, []).append((code, f" {words} ", _bare(words, _WARD_WORDS)))
        else:
            provinces.append((code, f" {_bare(words, _PROVINCE_WORDS)} "))
    home = Organisation.objects.filter(
        kind=OrgKind.PEOPLES_COMMITTEE, parent__isnull=True, is_active=True, admin_unit__isnull=False
    ).values_list("admin_unit_id", flat=True)
    by_name: dict[str, list[tuple[str, str]]] = {}
    for province, items in wards.items():
        for code, _full, bare in items:
            by_name.setdefault(bare, []).append((code, province))
    # Old provinces -> today's (several merged into one), then each old district with today's province.
    today: dict[int, set[str]] = {}
    for legacy, unit in LegacyMapping.objects.filter(legacy__level=LegacyUnit.Level.PROVINCE).values_list(
        "legacy_id", "unit_id"
    ):
        today.setdefault(legacy, set()).add(unit)
    districts: dict[str, list[tuple[int, str]]] = {}
    for pk, name, parent in LegacyUnit.objects.filter(level=LegacyUnit.Level.DISTRICT).values_list(
        "pk", "name", "parent_id"
    ):
        for province in today.get(parent, ()):
            districts.setdefault(_bare(_words(name), _DISTRICT_WORDS), []).append((pk, province))
    return _Places(
        wards=wards,
        provinces=provinces,
        home=tuple(home),
        by_name={k: tuple(v) for k, v in by_name.items()},
        districts={k: tuple(v) for k, v in districts.items()},
    )


def _named_provinces(text: str, places: _Places) -> list[str]:
    hcm = " hcm " in text or " tphcm " in text
    return [code for code, name in places.provinces if name in text or (hcm and name == " ho chi minh ")]


def province_in_address(address: str) -> str | None:
    """The code of the province (or centrally-run city) an address ends with ("…, Tỉnh Cao Bằng",
    "…, TP.HCM", "…, Ha Noi"), with or without accents; None when its last part names none. Only the last
    part counts: "123 Xa lộ Hà Nội, Thủ Đức" is a street of Hồ Chí Minh City, not Hà Nội."""
    parts = [p for p in (_words(p) for p in re.split(r"[,;\n]|\s-\s", address or "")) if p]
    if not parts:
        return None
    last = _bare(parts[-1], _PROVINCE_WORDS)
    if last in ("hcm", "tphcm"):
        last = "ho chi minh"
    places = configcache.cached("reports:ward-names", _load_places)
    named = [code for code, name in places.provinces if name.strip() == last]
    return named[0] if len(named) == 1 else None


def ward_in_address(address: str) -> AdminUnit | None:
    """The commune-level unit an address names ("60 Lê Lợi, Phường Bến Thành", "…, P. Bến Thành, TP.HCM"),
    with or without accents: searched in the provinces the address names, else in the city's own; only
    a single match counts (None when none or several units fit)."""
    text = f" {_words(address)} "
    if not text.strip():
        return None
    places = configcache.cached("reports:ward-names", _load_places)
    named = _named_provinces(text, places)
    scope = named or list(places.home) or list(places.wards)
    parts = {_bare(_words(p), _WARD_WORDS) for p in re.split(r"[,;\n]|\s-\s", address)}
    spans: dict[str, tuple[int, int]] = {}
    exact: set[str] = set()
    for province in scope:
        for code, full, bare in places.wards.get(province, []):
            start = text.find(full)
            if start >= 0:
                spans[code] = (start, start + len(full))
            if bare in parts:
                exact.add(code)
    # "Phường An Phú" inside "Phường An Phú Đông" is not a second match.
    inside = {
        c for c, (s, e) in spans.items() for o, (s2, e2) in spans.items() if o != c and s2 <= s and e <= e2
    }
    found = (set(spans) - inside) | exact
    if len(found) != 1:
        return None
    return ward_by_code(found.pop())


def _starts_with(words: str, prefixes: tuple[str, ...]) -> bool:
    """Does a part (its `_words`) begin with one of these division words, followed by a name?"""
    return any(words.startswith(prefix + " ") for prefix in prefixes)


def _parts(address: str) -> list[str]:
    """The comma-separated parts of an address, as written, without a last part naming the country."""
    parts = [p.strip() for p in re.split(r"[,;\n]|\s-\s", address or "") if p.strip()]
    while parts and _words(parts[-1]) in _COUNTRY:
        parts.pop()
    return parts


def _named_communes(parts: list[str], places: _Places) -> set[tuple[str, str]]:
    """(code, province) of every commune-level unit a part names with its division word ("Phường Hoàn
    Kiếm", "P. Hoàn Kiếm", "xã Bình Chánh"), anywhere in the country."""
    found: set[tuple[str, str]] = set()
    for part in parts:
        words = _words(part)
        if _starts_with(words, _WARD_WORDS):
            found.update(places.by_name.get(_bare(words, _WARD_WORDS), ()))
    return found


def _named_districts(parts: list[str], places: _Places) -> list[tuple[int, tuple[tuple[int, str], ...]]]:
    """(index of the part, the old districts it names) for each part naming an old district with its
    division word ("quận Hoàn Kiếm", "Q.1", "huyện Củ Chi")."""
    found = []
    for index, part in enumerate(parts):
        words = _words(part)
        if _starts_with(words, _DISTRICT_WORDS):
            districts = places.districts.get(_bare(words, _DISTRICT_WORDS), ())
            if districts:
                found.append((index, districts))
    return found


def address_province(address: str) -> str | None:
    """The province (or centrally-run city) of an address: the one it ends with (`province_in_address`,
    ", Việt Nam" aside), else the one every other place it names lies in (a commune of today named with its
    division word, an old district: "20 Cầu Gỗ, quận Hoàn Kiếm" is in Hà Nội); None when it names none,
    or places in several provinces ("huyện Châu Thành" was a district of several)."""
    parts = _parts(address)
    if not parts:
        return None
    named = province_in_address(", ".join(parts))
    if named:
        return named
    places = configcache.cached("reports:ward-names", _load_places)
    candidates: set[str] = set()
    for provinces in (
        {province for _code, province in _named_communes(parts, places)},
        *({province for _pk, province in districts} for _index, districts in _named_districts(parts, places)),
    ):
        if len(provinces) == 1:
            candidates |= provinces
    return candidates.pop() if len(candidates) == 1 else None


def address_ward(address: str) -> AdminUnit | None:
    """The commune-level unit of an address: the city's (or the named province's) one it names
    (`ward_in_address`); else one of today's communes named with its division word that is the only one
    so named (in the address's province, when it has one); else the commune an old ward named with its
    old district ("Phường Hàng Bạc, Quận Hoàn Kiếm") went into whole. None when none or several fit."""
    ward = ward_in_address(address)
    if ward is not None:
        return ward
    parts = _parts(address)
    if not parts:
        return None
    places = configcache.cached("reports:ward-names", _load_places)
    province = address_province(address)
    communes = {code for code, where in _named_communes(parts, places) if province in (None, where)}
    if len(communes) == 1:
        return ward_by_code(communes.pop())
    if communes:
        return None
    for index, districts in _named_districts(parts, places):
        ids = [pk for pk, where in districts if province in (None, where)]
        before = [_words(p) for p in parts[:index]]
        names = {_bare(words, _WARD_WORDS) for words in before if _starts_with(words, _WARD_WORDS)}
        if not ids or not names:
            continue
        olds = [
            pk
            for pk, name in LegacyUnit.objects.filter(
                level=LegacyUnit.Level.WARD, parent_id__in=ids
            ).values_list("pk", "name")
            if _bare(_words(name), _WARD_WORDS) in names
        ]
        if not olds:
            continue
        units = set(LegacyMapping.objects.filter(legacy_id__in=olds).values_list("unit_id", flat=True))
        return ward_by_code(units.pop()) if len(units) == 1 else None
    return None
