"""Bulk SYNTHETIC dossiers for benchmarks and demos (`citydesk seed-dossiers`), and the rebuild of the
counters from the dossiers table (`citydesk rebuild-dossier-counts`).

The seeder writes rows directly (executemany on SQLite, COPY on PostgreSQL, `batch_size` rows a call,
one transaction per chunk), never through the services: no events, documents, audit rows or
notifications. Only open dossiers get a process step (their active one). Afterwards the counters the
services keep (DossierMonth, CampaignTally) are rebuilt with INSERT … SELECT … GROUP BY, and the
backlog baselines of the campaigns computed (counters.py). Never run it on a production database.

The mix: desk 60 %, online 35 % (procedures of level 3–4 only), post 5 %; 2 % refused, 1 % withdrawn;
of the finished, about 92 % on time; a demo same-day campaign (15 May – 15 June of last year) lists
the quick procedures at half the commune-level units of each city.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from citydesk.core.bulkload import WorkClock, gc_paused, insert_rows, reserve_codes, reserve_ids
from citydesk.core.errors import DomainError
from citydesk.core.models import DivisionLevel, Organisation, OrgKind
from citydesk.dossiers.counters import rebuild_counts, refresh_baselines
from citydesk.dossiers.models import (
    Authority,
    Campaign,
    Dossier,
    DossierCodeCounter,
    DossierStep,
    Procedure,
    ServiceLevel,
    TimeUnit,
)
from citydesk.dossiers.services.campaigns import check_same_day_possible, receivable
from citydesk.dossiers.services.common import city_of, step_unit
from citydesk.lib.names import FAMILY, GIVEN, MIDDLE
from citydesk.lib.text import search_key

DEFAULT_BATCH = 5_000  # rows per executemany / COPY call
CHUNK = 100_000  # rows generated and committed together
MAX_COUNT = 50_000_000
DAY, HOUR = 86_400, 3_600
CHANNELS = np.array(["desk", "online", "post"])
CHANNEL_SHARE = np.array([0.60, 0.35, 0.05])
OPEN_STATUS = np.array(["received", "in_progress", "supplement"])
PHONE_PREFIXES = np.array(
    ["090", "091", "093", "094", "096", "097", "098", "032", "035", "070", "077", "086"]
)
DEMO_CAMPAIGN = "Chiến dịch giải quyết thủ tục trong ngày (dữ liệu mẫu)"


def parse_count(value: Any, name: str = "count", *, low: int = 1, high: int = MAX_COUNT) -> int:
    try:
        number = int(str(value).strip().replace("_", "").replace(",", ""))
    except (TypeError, ValueError):
        raise DomainError(f"--{name} must be a whole number, not “{value}”.", field=name) from None
    if not low <= number <= high:
        raise DomainError(f"--{name} must be between {low:,} and {high:,} (got {number:,}).", field=name)
    return number


@dataclass
class SeedResult:
    count: int = 0
    open: int = 0
    in_campaign: int = 0
    seconds: float = 0.0
    insert_seconds: float = 0.0
    rebuild_seconds: float = 0.0
    first_code: str = ""
    last_code: str = ""

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


class DossierSeeder:
    def __init__(self, *, seed: int | None = None, years: int = 3, now: dt.datetime | None = None) -> None:
        self.rng = np.random.default_rng(seed)
        self.now_s = int((now or timezone.now()).timestamp())
        self.years = years
        self.vendor = connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise DomainError("seed-dossiers writes to SQLite or PostgreSQL only.", field="database")
        self._load()
        first = (self.now_s // DAY) - years * 366 - 10
        self.clock = WorkClock(first, self.now_s // DAY + 400)
        self.campaigns = self._demo_campaigns()
        self._pairs()

    # -- reference data ----------------------------------------------------------------------------

    def _load(self) -> None:
        communes = list(
            Organisation.objects.select_related("admin_unit", "parent").filter(
                kind=OrgKind.PEOPLES_COMMITTEE, admin_unit__level=DivisionLevel.WARD, is_active=True
            )
        )
        if not communes:
            raise DomainError("No commune-level units: run `citydesk seed-demo` first.", field="units")
        departments = list(
            Organisation.objects.select_related("admin_unit", "parent").filter(
                kind=OrgKind.DEPARTMENT, is_active=True
            )
        )
        self.units = sorted(communes, key=lambda u: u.code) + sorted(departments, key=lambda u: u.code)
        self.cities = {u.pk: city_of(u) for u in self.units}
        if not Procedure.objects.filter(is_active=True).exists():
            try:
                from citydesk.dossiers.demo_catalog import seed_procedures  # type: ignore[import-not-found]
            except ImportError:
                raise DomainError(
                    "No procedures: import a catalog or run `citydesk seed-demo` first.", field="procedures"
                ) from None
            seed_procedures()
        self.procedures = list(
            Procedure.objects.filter(is_active=True).prefetch_related("steps").order_by("code")
        )

    def _demo_campaigns(self) -> dict[int, tuple[Campaign, set[int], set[int], int, int]]:
        """The demo campaign of each city (created once): quick procedures at every other commune."""
        year = timezone.localtime(dt.datetime.fromtimestamp(self.now_s, tz=dt.UTC)).year - 1
        start, end = dt.date(year, 5, 15), dt.date(year, 6, 15)
        out = {}
        by_city: dict[int, list[Organisation]] = {}
        for unit in self.units:
            if unit.kind == OrgKind.PEOPLES_COMMITTEE:
                by_city.setdefault(self.cities[unit.pk].pk, []).append(unit)
        for city_id, communes in by_city.items():
            chosen = communes[::2]
            city = self.cities[chosen[0].pk]
            listed = []
            quick = sorted(
                self.procedures,
                key=lambda p: (not p.same_day, p.time_unit != TimeUnit.WORKING_HOURS, p.processing_time),
            )
            for procedure in quick:
                if procedure.authority != Authority.WARD or len(listed) >= 6:
                    continue
                try:
                    check_same_day_possible([procedure], chosen, city)
                except DomainError:
                    continue
                listed.append(procedure)
            if not listed:
                continue
            campaign = Campaign.objects.filter(name=DEMO_CAMPAIGN, start_date=start, units__in=chosen).first()
            if campaign is None:
                campaign = Campaign.objects.create(name=DEMO_CAMPAIGN, start_date=start, end_date=end)
                campaign.units.set(chosen)
                campaign.procedures.set(listed)
            first_day = (start - dt.date(1970, 1, 1)).days
            last_day = (end - dt.date(1970, 1, 1)).days
            units = set(campaign.units.values_list("pk", flat=True))
            procedures = set(campaign.procedures.values_list("pk", flat=True))
            out[city_id] = (campaign, units, procedures, first_day, last_day)
        return out

    def _pairs(self) -> None:
        """Every (unit, procedure) a dossier can be filed for, the unit performing its first step,
        and the pairs' weights: a few common procedures make most of the dossiers."""
        rng = self.rng
        proc_weight = 1.0 / (1.0 + np.arange(len(self.procedures)))
        rng.shuffle(proc_weight)
        unit_weight = rng.uniform(0.6, 1.4, len(self.units))
        rows = []
        for ui, unit in enumerate(self.units):
            is_department = unit.kind == OrgKind.DEPARTMENT
            for pi, procedure in enumerate(self.procedures):
                steps = list(procedure.steps.all())
                if not steps or not receivable(procedure, unit):
                    continue
                try:
                    performer = step_unit(steps[0], unit, self.cities[unit.pk])
                except DomainError:
                    continue
                # Quick procedures (copies, civil status) are the most frequent ones at a desk.
                weight = unit_weight[ui] * proc_weight[pi] * (3.0 if procedure.same_day else 1.0)
                weight *= 0.3 if is_department else 1.0
                rows.append((ui, pi, performer.pk, weight, procedure.service_level >= ServiceLevel.LEVEL_3))
        if not rows:
            raise DomainError("No procedure can be filed at the demo units.", field="procedures")
        self.pair_unit = np.array([r[0] for r in rows])
        self.pair_proc = np.array([r[1] for r in rows])
        self.pair_step_unit = np.array([r[2] for r in rows])
        weight = np.array([r[3] for r in rows])
        online = np.array([r[4] for r in rows])
        if not online.any():
            online[:] = True  # no procedure is filed online: the online share goes to any of them
        self.pair_p = {
            "any": weight / weight.sum(),
            "online": np.where(online, weight, 0) / weight[online].sum(),
        }
        self.unit_ids = np.array([u.pk for u in self.units])
        self.unit_city = np.array([self.cities[u.pk].pk for u in self.units])
        self.unit_province = np.array([self.cities[u.pk].code[:2] for u in self.units])
        self.proc_ids = np.array([p.pk for p in self.procedures])
        self.proc_time = np.array([p.processing_time for p in self.procedures])
        self.proc_hours = np.array([p.time_unit == TimeUnit.WORKING_HOURS for p in self.procedures])
        self.proc_fee = np.array([p.fee for p in self.procedures])
        self.proc_level4 = np.array([p.service_level >= ServiceLevel.LEVEL_4 for p in self.procedures])
        first = [next(iter(p.steps.all()), None) for p in self.procedures]
        self.step_position = np.array([s.position if s else 1 for s in first])
        self.step_name = np.array([s.name if s else "" for s in first], dtype=object)
        self.step_name_en = np.array([s.name_en if s else "" for s in first], dtype=object)
        self.step_role = np.array([s.role if s else "officer" for s in first], dtype=object)

    # -- generation --------------------------------------------------------------------------------

    def receipt_times(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Receipt times (sorted) and channels: desk and post in office hours of working days,
        online at any hour of any day."""
        rng, clock = self.rng, self.clock
        channel = rng.choice(3, size=count, p=CHANNEL_SHARE)
        today = clock.local_day(np.array([self.now_s]))[0]
        first = today - self.years * 365
        workdays = clock.workdays[(clock.workdays >= first) & (clock.workdays < today)]
        local = np.empty(count, dtype=np.int64)
        office = channel != 1
        n_office = int(office.sum())
        starts, ends = clock.periods[:, 0], clock.periods[:, 1]
        period = rng.choice(len(starts), size=n_office, p=(ends - starts) / (ends - starts).sum())
        local[office] = rng.choice(workdays, n_office) * DAY + rng.integers(starts[period], ends[period] - 60)
        n_online = count - n_office
        hour = np.clip(rng.normal(14, 4.5, n_online), 0, 23.99)
        local[~office] = rng.integers(first, today, n_online) * DAY + (hour * HOUR).astype(np.int64)
        order = np.argsort(local, kind="stable")
        return local[order] - clock.offset, channel[order]

    def generate(self, received: np.ndarray, channel: np.ndarray) -> dict[str, Any]:
        rng, clock, now = self.rng, self.clock, self.now_s
        n = received.size
        online = channel == 1
        pair = np.empty(n, dtype=np.int64)
        for key, mask in (("online", online), ("any", ~online)):
            pair[mask] = rng.choice(self.pair_unit.size, size=int(mask.sum()), p=self.pair_p[key])
        ui, pi = self.pair_unit[pair], self.pair_proc[pair]
        unit_id, proc_id = self.unit_ids[ui], self.proc_ids[pi]
        # Same-day campaign: a listed procedure at a listed unit, received during the campaign.
        campaign = np.full(n, -1, dtype=np.int64)
        day = clock.local_day(received)
        for city_id, (c, units, procedures, first_day, last_day) in self.campaigns.items():
            inside = (self.unit_city[ui] == city_id) & (day >= first_day) & (day <= last_day)
            inside &= np.isin(unit_id, list(units)) & np.isin(proc_id, list(procedures))
            campaign[inside] = c.pk
        same_day = campaign >= 0
        hours = self.proc_hours[pi] & ~same_day
        days_n = np.where(same_day, 0, self.proc_time[pi])
        due = clock.due(received, days_n)
        if hours.any():
            due[hours] = clock.add_working_hours(received[hours], np.maximum(self.proc_time[pi][hours], 1))
        # Outcomes: refused 2 %, withdrawn 1 %; of the others ~8 % late (some very late: the backlog).
        draw = rng.random(n)
        refused = draw < 0.02  # 0.02 ≤ draw < 0.03: withdrawn
        finishing = draw >= 0.03
        span = np.maximum(due - received, 600)
        ends = received + (rng.uniform(0.05, 0.98, n) * span).astype(np.int64)
        late_draw = rng.random(n)
        slow = finishing & (late_draw < 0.015)
        late = finishing & ~slow & (late_draw < np.where(same_day, 0.13, 0.08))
        ends[late] = due[late] + rng.integers(HOUR // 2, 5 * DAY, int(late.sum()))
        # Very late: mostly within 5 months, a third stuck for up to 2.5 years (the backlog).
        stuck = rng.random(n) < 0.33
        ends[slow] = (
            due[slow]
            + np.where(stuck, rng.integers(150 * DAY, 900 * DAY, n), rng.integers(5 * DAY, 150 * DAY, n))[
                slow
            ]
        )
        is_open = ends > now
        finished = finishing & ~is_open
        status = np.where(finished, "result_ready", np.where(refused, "refused", "withdrawn")).astype(object)
        open_status = OPEN_STATUS[rng.choice(3, size=n, p=[0.3, 0.6, 0.1])]
        status[is_open] = open_status[is_open]
        resolved = np.where((finished | refused) & ~is_open, ends, -1)
        due_day = clock.local_day(due)
        punctuality = np.where(
            ends > due, "late", np.where(clock.local_day(ends) < due_day, "early", "on_time")
        ).astype(object)
        punctuality[~finished] = ""
        returned_at = ends + rng.integers(HOUR, 3 * DAY, n)
        returned = finished & (returned_at < now)
        status[returned] = "returned"
        returned_at = np.where(returned, returned_at, -1)
        updated = np.where(returned, returned_at, np.where(is_open, received, ends))
        supplement = is_open & (status == "supplement")
        paused = np.where(supplement, np.maximum(received, now - rng.integers(HOUR, 3 * DAY, n)), -1)
        # As the intake stores it: by post for a dossier that came by post, online for a level-4 online
        # filing, else at the desk.
        result_method = np.where(
            channel == 2, "post", np.where(online & self.proc_level4[pi], "online", "desk")
        )
        fee = self.proc_fee[pi]
        return {
            "unit_id": unit_id, "procedure_id": proc_id, "province_code": self.unit_province[ui],
            "channel": CHANNELS[channel], "status": status, "received_at": received, "due_at": due,
            "same_day": same_day, "campaign_id": campaign, "resolved_at": resolved,
            "punctuality": punctuality, "returned_at": returned_at, "updated_at": updated,
            "paused_at": paused, "result_method": result_method, "fee": fee,
            "paid_at": np.where((fee > 0) & ~is_open, received, -1),
            "version": np.where(is_open, 1, np.where(returned, 4, 3)),
            "via_one_stop": rng.random(n) >= 0.03, "is_open": is_open, "pair": pair,
            "result_note": np.where(finished, "Đã có kết quả giải quyết.", ""),
            "refusal_reason": np.where(refused & ~is_open, "Hồ sơ không đủ điều kiện theo quy định.", ""),
        }  # fmt: skip

    # -- writing -----------------------------------------------------------------------------------

    def _times(self, values: np.ndarray) -> list[str | None]:
        """Epoch seconds -> the database's text for a UTC datetime; -1 -> NULL."""
        missing = values < 0
        text = np.char.replace(
            np.datetime_as_string(np.where(missing, 0, values).astype("datetime64[s]"), unit="s"), "T", " "
        )
        if self.vendor == "postgresql":
            text = np.char.add(text, "+00")
        out = text.astype(object)
        out[missing] = None
        return out.tolist()

    def _codes(self, received: np.ndarray) -> list[str]:
        years = (received + self.clock.offset).astype("datetime64[s]").astype("datetime64[Y]").astype(
            int
        ) + 1970
        prefix = getattr(settings, "CITYDESK_DOSSIER_CODE_PREFIX", "HS")
        return reserve_codes(DossierCodeCounter, years, prefix)

    def _people(self, n: int) -> dict[str, list[str]]:
        rng = self.rng
        family, middle, given = (rng.integers(0, len(pool), n).tolist() for pool in (FAMILY, MIDDLE, GIVEN))
        digits = rng.integers(0, 10**7, n)
        phones = np.char.add(
            PHONE_PREFIXES[rng.integers(0, PHONE_PREFIXES.size, n)], np.char.zfill(digits.astype(str), 7)
        ).tolist()
        picks = list(zip(family, middle, given, phones, strict=True))
        names = [f"{FAMILY[f]} {MIDDLE[m]} {GIVEN[g]}" for f, m, g, _ in picks]
        # The search text pre_save would make ("nguyen van an 0901234567"), from each name part's key.
        fk, mk, gk = ([search_key(word) for word in pool] for pool in (FAMILY, MIDDLE, GIVEN))
        keys = [f"{fk[f]} {mk[m]} {gk[g]} {phone}" for f, m, g, phone in picks]
        ids = np.char.add("079", np.char.zfill(rng.integers(0, 10**9, n).astype(str), 9))
        tokens = [
            f"{a:016x}{b:06x}"
            for a, b in zip(
                rng.integers(0, 2**63, n).tolist(), rng.integers(0, 2**24, n).tolist(), strict=True
            )
        ]
        return {"applicant_name": names, "applicant_phone": phones, "applicant_id_number": ids.tolist(), "citizen_token": tokens, "search_text": keys}  # fmt: skip

    def write(self, data: dict[str, Any], batch_size: int) -> list[str]:
        n = data["received_at"].size
        is_open = data["is_open"]
        open_rows = np.flatnonzero(is_open)
        with transaction.atomic():
            connection.ensure_connection()
            ids = reserve_ids(Dossier._meta.db_table, n)
            current = np.full(n, -1, dtype=np.int64)
            current[open_rows] = reserve_ids(DossierStep._meta.db_table, open_rows.size)
            codes = self._codes(data["received_at"])
            none = [None] * n
            values: dict[str, list[Any]] = {
                "id": ids.tolist(), "code": codes, **self._people(n),
                "version": data["version"].tolist(), "current_step_id": [v if v >= 0 else None for v in current.tolist()],
                "applicant_id": none, "applicant_email": [""] * n, "applicant_address": [""] * n, "received_by_id": none,
                "campaign_id": [v if v >= 0 else None for v in data["campaign_id"].tolist()],
                "paused_seconds": [0] * n,
            }  # fmt: skip
            for key in (
                "received_at",
                "due_at",
                "resolved_at",
                "returned_at",
                "updated_at",
                "paused_at",
                "paid_at",
            ):
                values[key] = self._times(data[key])
            for key in ("unit_id", "procedure_id", "province_code", "channel", "status", "same_day", "punctuality",
                        "result_method", "fee", "via_one_stop", "result_note", "refusal_reason"):  # fmt: skip
                values[key] = data[key].tolist()
            columns = [f.column for f in Dossier._meta.concrete_fields]
            insert_rows(Dossier._meta.db_table, columns, zip(*(values[f.attname] for f in Dossier._meta.concrete_fields), strict=True), chunk=batch_size)  # fmt: skip
            if open_rows.size:
                pair, pi = data["pair"][open_rows], self.pair_proc[data["pair"][open_rows]]
                m = open_rows.size
                steps = {
                    "id": current[open_rows].tolist(), "dossier_id": ids[open_rows].tolist(),
                    "position": self.step_position[pi].tolist(), "name": self.step_name[pi].tolist(),
                    "name_en": self.step_name_en[pi].tolist(), "unit_id": self.pair_step_unit[pair].tolist(),
                    "role": self.step_role[pi].tolist(),
                    "assignee_id": [None] * m, "allotted_seconds": (data["due_at"][open_rows] - data["received_at"][open_rows]).tolist(),
                    "started_at": [values["received_at"][i] for i in open_rows.tolist()],
                    "due_at": [values["due_at"][i] for i in open_rows.tolist()],
                    "completed_at": [None] * m, "completed_by_id": [None] * m, "note": [""] * m, "punctuality": [""] * m,
                }  # fmt: skip
                fields = DossierStep._meta.concrete_fields
                insert_rows(DossierStep._meta.db_table, [f.column for f in fields], zip(*(steps[f.attname] for f in fields), strict=True), chunk=batch_size)  # fmt: skip
        return codes

    def run(
        self,
        count: int,
        *,
        batch_size: int = DEFAULT_BATCH,
        progress: Callable[[int, int], None] | None = None,
    ) -> SeedResult:
        started = time.perf_counter()
        result = SeedResult()
        received, channel = self.receipt_times(count)
        with gc_paused():
            for start in range(0, count, CHUNK):
                data = self.generate(received[start : start + CHUNK], channel[start : start + CHUNK])
                codes = self.write(data, batch_size)
                result.count += len(codes)
                result.open += int(data["is_open"].sum())
                result.in_campaign += int((data["campaign_id"] >= 0).sum())
                result.first_code = result.first_code or codes[0]
                result.last_code = codes[-1]
                if progress is not None:
                    progress(result.count, count)
        result.insert_seconds = time.perf_counter() - started
        begin = time.perf_counter()
        rebuild_counts()
        refresh_baselines()
        result.rebuild_seconds = time.perf_counter() - begin
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE dossiers_dossier")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        result.seconds = time.perf_counter() - started
        return result


def seed_dossiers(
    *, count: int, seed: int | None = None, years: int = 3, batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> SeedResult:  # fmt: skip
    return DossierSeeder(seed=seed, years=years).run(count, batch_size=batch_size, progress=progress)
