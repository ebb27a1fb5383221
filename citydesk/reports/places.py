"""Places written as text ("60 Lê Lợi, Phường Bến Thành"): the commune-level unit, or else the province,
an address names. Used by e-mail intake and Open311 when a report comes without coordinates."""

from __future__ import annotations

import re
from dataclasses import dataclass

from citydesk.core import configcache
from citydesk.core.models import AdminUnit, DivisionLevel, Organisation, OrgKind
from citydesk.core.units import ward_by_code
from citydesk.lib.text import search_key


@dataclass(frozen=True)
class _Places:
    wards: dict[str, list[tuple[str, str, str]]]  # province code -> (ward code, " full name ", bare name)
    provinces: list[tuple[str, str]]  # (code, " bare name ") of every province
    home: tuple[str, ...]  # the provinces the city's top-level People's Committees govern


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", search_key(text)).strip()


def _bare(words: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if words.startswith(prefix + " "):
            return words[len(prefix) + 1 :]
    return words


_WARD_WORDS = ("dac khu", "thi tran", "phuong", "xa", "p", "x")
_PROVINCE_WORDS = ("thanh pho", "tinh", "tp")


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
    return _Places(wards=wards, provinces=provinces, home=tuple(home))


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
