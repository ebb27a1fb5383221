"""What synthetic reports are made of: wards, categories, routes, people, calendar (read once)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from citydesk.core import history_notes
from citydesk.core.bulkload import WorkClock
from citydesk.core.calendar import current_calendar
from citydesk.core.errors import DomainError
from citydesk.core.models import (
    AdminUnit,
    DivisionLevel,
    Membership,
    Organisation,
    OrgKind,
    ServiceCategory,
)
from citydesk.core.units import get_locator
from citydesk.lib.names import FAMILY, GIVEN, MIDDLE
from citydesk.lib.text import search_key
from citydesk.reports import routing
from citydesk.reports.models import (
    RoutingRule,
)
from citydesk.reports.seed.common import (
    DAY,
    EXAMPLE_DOMAIN,
    SEED_HINT,
    ascii_fold,
)
from citydesk.reports.seed.texts import (
    CATEGORY_SHARE,
    COMMON_STREETS,
    ENDINGS,
    GENERIC_RESOLUTIONS,
    GENERIC_TEMPLATES,
    PHONE_PREFIXES,
    PLACES,
    RATING_COMMENTS,
    REJECT_NOTES,
    RESOLUTIONS,
    STREETS,
    TEMPLATES,
)


class SeedWorld:
    """The reference data of one seeding run, loaded once: everything `generate` needs without a query."""

    def __init__(
        self,
        *,
        provinces: Sequence[str] = ("79",),
        months: int = 24,
        seed: int | None = None,
        ward_codes: Sequence[str] | None = None,
        now: datetime | None = None,
    ) -> None:
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 240:
            raise DomainError(f"--months must be between 1 and 240, not “{months}”.", field="months")
        self.rng = np.random.default_rng(seed)
        self.now = (now or timezone.now()).replace(microsecond=0)
        self.now_s = int(self.now.timestamp())
        self.months = months
        self.vendor = connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise DomainError("seed-reports writes to SQLite or PostgreSQL only.", field="database")
        self._people: dict[int, tuple[list[tuple[int, str]], tuple[int | None, str]]] = {}
        self._orgs: dict[int, Organisation] = {}
        self._load_reference_data(list(provinces), ward_codes)
        self._build_pools()
        self._prepare_calendar()
        self._prepare_neighbours()
        self._prepare_routing()

    # -- reference data ----------------------------------------------------------------------------

    def _load_reference_data(self, provinces: list[str], ward_codes: Sequence[str] | None) -> None:
        provinces = [p.strip().zfill(2) for p in provinces if p.strip()]
        if not provinces:
            raise DomainError("Give a province code, e.g. --province 79.", field="province")
        known = set(
            AdminUnit.objects.filter(code__in=provinces, level=DivisionLevel.PROVINCE).values_list(
                "code", flat=True
            )
        )
        if not known:
            if not AdminUnit.objects.filter(level=DivisionLevel.PROVINCE).exists():
                raise DomainError(f"No administrative units are loaded: {SEED_HINT}.", field="province")
            raise DomainError(f"Unknown province code “{', '.join(provinces)}”.", field="province")
        missing = [p for p in provinces if p not in known]
        if missing:
            raise DomainError(f"Unknown province code “{', '.join(missing)}”.", field="province")
        without_org = [p for p in provinces if not Organisation.objects.filter(code=p).exists()]
        if without_org:
            raise DomainError(
                f"Province {', '.join(without_org)} has no People's Committee organisation: {SEED_HINT}.",
                field="province",
            )
        self.categories = list(
            ServiceCategory.objects.filter(domain=ServiceCategory.Domain.REPORT).order_by("code")
        )
        if not self.categories:
            raise DomainError(f"No report categories: {SEED_HINT}.", field="category")
        wards = (
            AdminUnit.objects.filter(
                province_id__in=provinces, level=DivisionLevel.WARD, centre_lon__isnull=False
            )
            .defer("boundary")
            .order_by("code")
        )
        if ward_codes is not None:
            wards = wards.filter(code__in=list(ward_codes))
        self.wards = list(wards)
        if not self.wards:
            raise DomainError(f"No wards with a known centre in {', '.join(provinces)}: {SEED_HINT}.")
        self.provinces = provinces
        self.province_names = dict(AdminUnit.objects.filter(code__in=provinces).values_list("code", "name"))
        with_committee = set(
            Organisation.objects.filter(
                kind=OrgKind.PEOPLES_COMMITTEE, admin_unit__in=[w.code for w in self.wards], is_active=True
            ).values_list("admin_unit_id", flat=True)
        )
        # Sample wards (with a People's Committee in the data) get more reports: their queues are busy.
        weights = np.array([8.0 if w.code in with_committee else 1.0 for w in self.wards])
        self.ward_p = weights / weights.sum()
        self.ward_lon = np.array([w.centre_lon for w in self.wards], dtype=float)
        self.ward_lat = np.array([w.centre_lat for w in self.wards], dtype=float)
        area = np.array([w.area_km2 or 3.0 for w in self.wards], dtype=float)
        self.ward_sigma_km = 0.45 * np.sqrt(np.clip(area, 0.3, 400.0) / math.pi)
        cat_weights = np.array([CATEGORY_SHARE.get(c.code, 0.04) for c in self.categories])
        self.cat_p = cat_weights / cat_weights.sum()
        self.cat_days = np.array([c.working_days for c in self.categories], dtype=np.int64)
        self.cat_triage = np.array([c.triage_hours for c in self.categories], dtype=np.int64)
        operators = (
            Membership.objects.filter(
                Q(organisation__code=provinces[0]) | Q(organisation__code__startswith=f"{provinces[0]}."),
                role="operator",
                is_active=True,
                user__is_active=True,
            )
            .select_related("user")
            .order_by("pk")
        )
        first = operators.first()
        self.operator = (first.user_id, first.user.full_name or first.user.username) if first else None
        self.citizen_label = history_notes.role("citizen")

    def _build_pools(self) -> None:
        rng = np.random.default_rng(self.rng.integers(1 << 62))
        streets: list[str] = []
        for province in self.provinces:
            streets.extend(s for s in STREETS.get(province, COMMON_STREETS) if s not in streets)
        self.streets = streets
        n_streets = len(streets)
        # Addresses per ward: a number (sometimes in an alley) on one of the city's streets.
        self.addr_per_ward = 48
        addr_street = rng.integers(0, n_streets, (len(self.wards), self.addr_per_ward))
        addresses = []
        for w, ward in enumerate(self.wards):
            province = self.province_names.get(ward.province_id, "")
            for k in range(self.addr_per_ward):
                number = int(rng.integers(1, 400))
                house = f"{number}/{int(rng.integers(1, 60))}" if rng.random() < 0.3 else str(number)
                addresses.append(f"{house} {streets[addr_street[w, k]]}, {ward.name}, {province}")
        self.addr_pool = np.array(addresses, dtype=object)
        self.addr_key_pool = np.array([search_key(a) for a in addresses], dtype=object)
        self.addr_street = addr_street.ravel()
        # Descriptions per (category, street): a few variants each.
        self.desc_variants = 6
        descriptions = []
        for cat in self.categories:
            templates = TEMPLATES.get(cat.code, GENERIC_TEMPLATES)
            for street in streets:
                for _k in range(self.desc_variants):
                    text = templates[int(rng.integers(len(templates)))].format(
                        street=street,
                        place=PLACES[int(rng.integers(len(PLACES)))],
                        n=int(rng.integers(2, 9)),
                        category=cat.name.lower(),
                    )
                    descriptions.append(text + ENDINGS[int(rng.integers(len(ENDINGS)))])
        self.desc_pool = np.array(descriptions, dtype=object)
        self.desc_key_pool = np.array([search_key(d) for d in descriptions], dtype=object)
        self.n_streets = n_streets
        self.resolution_pool = [
            np.array(RESOLUTIONS.get(c.code, GENERIC_RESOLUTIONS), dtype=object) for c in self.categories
        ]
        # Answers to the category's own questions (numbers and choices; free text left empty).
        self.answer_pool = []
        for cat in self.categories:
            variants = []
            for _k in range(8):
                answers: dict[str, Any] = {}
                for question in cat.questions or []:
                    kind = question.get("type", "text")
                    if kind == "number":
                        answers[question["code"]] = float(rng.integers(1, 40))
                    elif kind == "choice" and question.get("choices"):
                        choices = question["choices"]
                        answers[question["code"]] = choices[int(rng.integers(len(choices)))]
                    elif question.get("required"):
                        answers[question["code"]] = "Không rõ"
                variants.append(json.dumps(answers, ensure_ascii=False))
            self.answer_pool.append(np.array(variants, dtype=object))
        # People: name, phone, e-mail (reserved domain).
        people = 4_000
        names, phones, emails = [], [], []
        for _k in range(people):
            family = FAMILY[int(rng.integers(len(FAMILY)))]
            middle = MIDDLE[int(rng.integers(len(MIDDLE)))]
            given = GIVEN[int(rng.integers(len(GIVEN)))]
            names.append(f"{family} {middle} {given}")
            prefix = PHONE_PREFIXES[int(rng.integers(len(PHONE_PREFIXES)))]
            phones.append(f"{prefix}{int(rng.integers(0, 10_000_000)):07d}")
            local = ascii_fold(f"{given}.{family}").lower()
            emails.append(f"{local}{int(rng.integers(10, 99))}@{EXAMPLE_DOMAIN}")
        self.name_pool = np.array(names, dtype=object)
        self.phone_pool = np.array(phones, dtype=object)
        self.email_pool = np.array(emails, dtype=object)
        self.reject_pool = {reason: np.array(notes, dtype=object) for reason, notes in REJECT_NOTES.items()}
        self.comment_pool = {level: np.array(c, dtype=object) for level, c in RATING_COMMENTS.items()}

    def _prepare_calendar(self) -> None:
        """Every working day from the start of the period to well after now (deadlines of late reports),
        and the text of each of those days and of every second of a day, for the writer's datetimes."""
        offset = current_calendar().tz.utcoffset(self.now.replace(tzinfo=None))
        local_now_day = (self.now_s + (int(offset.total_seconds()) if offset else 0)) // DAY
        first = local_now_day - int(self.months * 31 + 10)
        last = (
            local_now_day
            + 400
            + int(self.cat_triage.max(initial=0)) // 4
            + int(self.cat_days.max(initial=0)) * 3
        )
        self.clock = WorkClock(first, last, at=self.now)
        self.offset = self.clock.offset
        self._text_first_day = first - 2
        day_range = np.arange(self._text_first_day, last + 2, dtype=np.int64)
        self._day_text = np.char.add(np.datetime_as_string(day_range.astype("datetime64[D]")), " ")
        self._clock_text = np.array(
            [f"{h:02d}:{m:02d}:{sec:02d}" for h in range(24) for m in range(60) for sec in range(60)]
        )
        if self.vendor == "postgresql":
            self._clock_text = np.char.add(self._clock_text, "+00")

    def _prepare_neighbours(self) -> None:
        """For each ward: its 8 nearest other centres (the whole country), for the near-border flag."""
        state = get_locator()
        self.locator = state.locator
        self.locator_codes = state.codes
        ward_index = {w.code: i for i, w in enumerate(self.wards)}
        self.locator_to_ward = np.array([ward_index.get(code, -1) for code in state.codes], dtype=np.int64)
        if len(state.codes) < 2:
            self.neighbours = None
            return
        self.lon_scale = math.cos(math.radians(float(np.mean(self.ward_lat))))
        k = min(8, len(state.codes) - 1)
        dx = (state.lons[None, :] - self.ward_lon[:, None]) * self.lon_scale
        dy = state.lats[None, :] - self.ward_lat[:, None]
        dist = dx * dx + dy * dy
        dist[dist == 0] = np.inf  # the ward's own centre
        nearest = np.argpartition(dist, k, axis=1)[:, :k]
        self.neighbours = nearest
        self.all_lons = state.lons
        self.all_lats = state.lats

    # -- routing -----------------------------------------------------------------------------------

    def _org(self, org_id: int) -> Organisation:
        org = self._orgs.get(org_id)
        if org is None:
            org = self._orgs[org_id] = Organisation.objects.get(pk=org_id)
        return org

    def _prepare_routing(self) -> None:
        """Routing classes of wards, and the organisations transfers go to (a few queries, once).

        `routing.route(category, ward)` looks at the ward only through rules naming the ward, the ward's
        own People's Committee and the ward's province. Wards with neither a committee nor a rule of
        their own therefore route like every other such ward of their province: route() is called once
        per (category, class) — each sample ward is its own class, the other wards one class per
        province — and cached, instead of once per (category, ward) pair (1,500 calls for HCMC).
        """
        codes = [w.code for w in self.wards]
        own = set(
            Organisation.objects.filter(admin_unit__in=codes).values_list("admin_unit_id", flat=True)
        ) | set(RoutingRule.objects.filter(area__in=codes).values_list("area_id", flat=True))
        classes: dict[str, int] = {}
        ward_class = []
        for w in self.wards:
            key = w.code if w.code in own else f"province:{w.province_id}"
            ward_class.append(classes.setdefault(key, len(classes)))
        self.ward_class = np.array(ward_class, dtype=np.int64)
        self.class_ward = {c: ward_class.index(c) for c in range(len(classes))}
        self.n_classes = len(classes)
        self.committees = {
            o.admin_unit_id: o
            for o in Organisation.objects.filter(
                admin_unit__in=codes, kind=OrgKind.PEOPLES_COMMITTEE, is_active=True
            ).order_by("-pk")
        }
        wanted = {
            f"{p}.{c.department_code}" for p in self.provinces for c in self.categories if c.department_code
        }
        self.by_code = {
            o.code: o
            for o in Organisation.objects.filter(
                Q(code__in=wanted) | Q(code__in=self.provinces), is_active=True
            )
        }
        self.route_unit = np.empty((len(self.categories), self.n_classes), dtype=np.int64)
        self.route_other = np.empty_like(self.route_unit)
        for c, category in enumerate(self.categories):
            for klass in range(self.n_classes):
                ward = self.wards[self.class_ward[klass]]
                unit = routing.route(category, ward).unit
                self._orgs.setdefault(unit.pk, unit)
                self.route_unit[c, klass] = unit.pk
                self.route_other[c, klass] = self._transfer_target(category, ward, unit).pk
        self._unit_people(
            np.unique(np.concatenate([self.route_unit.ravel(), self.route_other.ravel()])).tolist()
        )

    def _routes(self, cat_idx: np.ndarray, ward_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(routed unit id, unit a transfer would go to) per row, from the table built at start."""
        klass = self.ward_class[ward_idx]
        return self.route_unit[cat_idx, klass], self.route_other[cat_idx, klass]

    def _transfer_target(
        self, category: ServiceCategory, ward: AdminUnit, unit: Organisation
    ) -> Organisation:
        """Where a report of this pair is plausibly transferred: department <-> ward, else the city."""
        province = ward.province_id
        committee = self.committees.get(ward.code)
        department = (
            self.by_code.get(f"{province}.{category.department_code}") if category.department_code else None
        )
        city = self.by_code.get(province)
        for candidate in (
            (committee, department, city)
            if unit.kind == OrgKind.DEPARTMENT
            else (department, committee, city)
        ):
            if candidate is not None and candidate.pk != unit.pk:
                self._orgs.setdefault(candidate.pk, candidate)
                return candidate
        return unit

    def _unit_people(self, unit_ids: Iterable[int]) -> None:
        missing = [u for u in set(unit_ids) if u not in self._people]
        if not missing:
            return
        rows = (
            Membership.objects.filter(
                organisation_id__in=missing,
                is_active=True,
                user__is_active=True,
                role__in=["officer", "deputy", "head"],
            )
            .order_by("pk")
            .values_list("organisation_id", "role", "user_id", "user__full_name", "user__username")
        )
        officers: dict[int, list[tuple[int, str]]] = {u: [] for u in missing}
        heads: dict[int, tuple[int | None, str]] = {}
        for org_id, role, user_id, full_name, username in rows:
            label = full_name or username
            if role in ("officer", "deputy"):
                officers[org_id].append((user_id, label))
            if role in ("head", "deputy") and (org_id not in heads or role == "head"):
                heads[org_id] = (user_id, label)
        for unit_id in missing:
            heads.setdefault(unit_id, (None, self._org(unit_id).name))
            # Nobody below the head (a department in the demo data): the head handles it personally.
            if not officers[unit_id] and heads[unit_id][0] is not None:
                officers[unit_id] = [heads[unit_id]]  # type: ignore[list-item]
            self._people[unit_id] = (officers[unit_id], heads[unit_id])
