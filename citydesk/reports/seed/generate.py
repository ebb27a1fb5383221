"""Every column of a batch of synthetic reports, vectorised with numpy (no database access)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection

from citydesk.core import history_notes
from citydesk.core.history_notes import system_note
from citydesk.ioc import rollup
from citydesk.ioc.heat import RATING_LEVELS
from citydesk.reports import routing
from citydesk.reports.models import (
    Channel,
    Rating,
    RejectReason,
    Report,
    ReportEvent,
)
from citydesk.reports.seed.common import (
    ASG,
    CLO,
    CLS,
    DAY,
    HOUR,
    INP,
    NEVER,
    RCV,
    REJ,
    REO,
    RES,
    STATUS_VALUES,
    TRF,
    VERSION,
    tokens,
)
from citydesk.reports.seed.texts import (
    CHANNEL_SHARE,
    HOUR_WEIGHTS,
)
from citydesk.reports.seed.world import SeedWorld
from citydesk.reports.system_notes import AUTO_CLOSED, RECEIVED


@dataclass
class Batch:
    """One batch of generated reports, as database-ready columns (ids and codes come at write time)."""

    n: int
    columns: dict[str, list[Any]]  # Report attname -> database values (all but id, code, duplicate_of)
    event: dict[str, list[Any]]  # ReportEvent attname -> database values (all but report)
    rated: np.ndarray  # row indexes that get a rating
    rating: dict[str, list[Any]]  # Rating attname -> database values (aligned with `rated`)
    years: np.ndarray  # local year of each row (for the tracking code)
    duplicate_row: np.ndarray  # row index of the report duplicated, -1 if none
    status: np.ndarray  # STATUS_ORDER index per row
    facts: rollup.Facts  # what the operations center's roll-ups read of each row


class ReportGenerator(SeedWorld):
    """Draws receipt times and whole batches of reports (with their event and rating) from the world."""

    # -- generation --------------------------------------------------------------------------------

    def created_times(self, count: int) -> np.ndarray:
        """`count` receipt times (epoch seconds, sorted) over the last `months` months."""
        rng = self.rng
        local_now = self.now_s + self.offset
        today = local_now // DAY
        first = today - round(self.months * 30.44)
        days = np.arange(first, today + 1, dtype=np.int64)
        growth = np.linspace(0.65, 1.0, days.size)  # more people use the service every month
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
        working = self.clock.is_workday[days - self.clock.first_day]
        weight = growth * np.where(working, 1.0, np.where(weekday >= 5, 0.6, 0.45))
        picked = rng.choice(days, size=count, p=weight / weight.sum())
        hour = rng.choice(24, size=count, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        local = picked * DAY + hour * HOUR + rng.integers(0, HOUR, count)
        utc = local - self.offset
        late = utc > self.now_s - 60
        utc[late] = self.now_s - rng.integers(60, 6 * HOUR, int(late.sum()))
        utc.sort()
        return utc

    def _points(self, ward_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Jittered points around the ward centres; the ward is where the point really falls."""
        rng = self.rng
        n = ward_idx.size
        sigma = self.ward_sigma_km[ward_idx]
        lat0 = self.ward_lat[ward_idx]
        dlat = rng.normal(0, 1, n) * sigma / 111.32
        dlon = rng.normal(0, 1, n) * sigma / (111.32 * np.cos(np.radians(lat0)))
        lon = self.ward_lon[ward_idx] + dlon
        lat = lat0 + dlat
        located = self.locator.locate(lon, lat)
        mapped = np.where(located >= 0, self.locator_to_ward[np.maximum(located, 0)], -1)
        outside = mapped < 0
        if outside.any():  # fell outside the chosen wards: put it near the centre of its own ward
            m = int(outside.sum())
            lon[outside] = self.ward_lon[ward_idx[outside]] + rng.normal(0, 0.0004, m)
            lat[outside] = self.ward_lat[ward_idx[outside]] + rng.normal(0, 0.0004, m)
            mapped[outside] = ward_idx[outside]
        return np.round(lon, 6), np.round(lat, 6), mapped

    def _near_boundary(self, lon: np.ndarray, lat: np.ndarray, ward_idx: np.ndarray) -> np.ndarray:
        if self.neighbours is None:
            return np.zeros(lon.size, dtype=bool)
        scale = self.lon_scale
        d0 = ((lon - self.ward_lon[ward_idx]) * scale) ** 2 + (lat - self.ward_lat[ward_idx]) ** 2
        nb = self.neighbours[ward_idx]
        nlon, nlat = self.all_lons[nb], self.all_lats[nb]
        dn = ((lon[:, None] - nlon) * scale) ** 2 + (lat[:, None] - nlat) ** 2
        sep = np.hypot(
            (nlon - self.ward_lon[ward_idx][:, None]) * scale, nlat - self.ward_lat[ward_idx][:, None]
        )
        distance_deg = ((dn - d0[:, None]) / (2 * np.maximum(sep, 1e-12))).min(axis=1)
        return np.radians(distance_deg) * routing.EARTH_RADIUS_M <= settings.CITYDESK_BOUNDARY_CHECK_M

    def generate(self, created: np.ndarray) -> Batch:
        """Every column of len(created) reports (no database access: routes and people are cached)."""
        rng = self.rng
        n = created.size
        now = self.now_s
        u = rng.random  # shorthand: uniform [0, 1)

        cat = rng.choice(len(self.categories), size=n, p=self.cat_p)
        ward = rng.choice(len(self.wards), size=n, p=self.ward_p)
        channels = np.array([c.value for c in CHANNEL_SHARE], dtype=object)
        channel = rng.choice(len(channels), size=n, p=np.array(list(CHANNEL_SHARE.values())))
        hotline = channels[channel] == Channel.HOTLINE
        lon, lat, ward = self._points(ward)
        no_point = hotline & (u(n) < 0.4)  # a caller gives an address, not a map point
        near = self._near_boundary(lon, lat, ward) & ~no_point
        routed, alternative = self._routes(cat, ward)

        days = self.cat_days[cat]
        triage_hours = self.cat_triage[cat]
        due0 = self.clock.due(created, days)
        triage0 = self.clock.add_working_hours(created, triage_hours)
        age_days = (now - created) / DAY

        rejected = u(n) < 0.075
        transfer = ~rejected & (u(n) < 0.05) & (alternative != routed)
        # The backlog: ~2 % of old reports never get finished (overdue), more among recent ones.
        stall_p = 0.08 * np.exp(-age_days / 60.0) + 0.02
        stalled = ~rejected & (u(n) < stall_p)
        stall_stage = rng.choice(np.array([RCV, CLS, ASG, INP]), size=n, p=[0.1, 0.15, 0.3, 0.45])
        reopen = ~rejected & ~stalled & (u(n) < 0.035)
        reopen_waits = reopen & (u(n) < 0.15)  # reopened, and nobody has picked it up again
        auto_close = u(n) < 0.35

        span0 = np.maximum(triage0 - created, 15 * 60)
        classified = created + (span0 * rng.uniform(0.05, 1.15, n)).astype(np.int64)
        assigned = (
            classified
            + rng.integers(10 * 60, 6 * HOUR, n)
            + np.where(transfer, rng.integers(4 * HOUR, 2 * DAY, n), 0)
        )
        started = assigned + rng.integers(30 * 60, DAY, n)
        handling = (np.maximum(due0 - created, HOUR) * rng.beta(2.2, 2.0, n) * 1.15).astype(np.int64)
        resolved = np.maximum(created + handling, started + HOUR)
        auto_at = resolved + settings.CITYDESK_AUTO_CLOSE_DAYS * DAY + rng.integers(60, HOUR, n)
        closed = np.where(auto_close, auto_at, resolved + rng.integers(30 * 60, 6 * DAY, n))
        reopened = np.where(reopen, resolved + rng.integers(2 * HOUR, 6 * DAY, n), NEVER)
        due2 = np.where(reopen, self.clock.due(np.minimum(reopened, now + 365 * DAY), days), NEVER)
        triage2 = np.where(
            reopen, self.clock.add_working_hours(np.minimum(reopened, now + 365 * DAY), triage_hours), NEVER
        )
        started2 = np.where(reopen & ~reopen_waits, reopened + rng.integers(HOUR, DAY, n), NEVER)
        resolved2 = np.where(
            reopen,
            np.maximum(
                reopened + (np.maximum(due2 - reopened, HOUR) * rng.beta(2.2, 2.0, n)).astype(np.int64),
                started2 + HOUR,
            ),
            NEVER,
        )
        closed2 = np.where(
            reopen,
            np.where(
                auto_close,
                resolved2 + settings.CITYDESK_AUTO_CLOSE_DAYS * DAY + 600,
                resolved2 + rng.integers(HOUR, 5 * DAY, n),
            ),
            NEVER,
        )
        closed = np.where(reopen, NEVER, closed)

        # Status now: the last step whose time has come (the steps are in time order).
        status = np.full(n, RCV)
        status[classified <= now] = CLS
        status[transfer & (classified <= now)] = TRF
        status[assigned <= now] = ASG
        status[started <= now] = INP
        status[resolved <= now] = RES
        status[closed <= now] = CLO
        status[reopened <= now] = REO
        status[started2 <= now] = INP
        status[resolved2 <= now] = RES
        status[closed2 <= now] = CLO
        # A stalled report stops at its stage (the overdue backlog).
        rank = np.array([0, 1, 1, 2, 3, 4, 5, 6, 6])
        stage_rank = rank[stall_stage]
        status = np.where(stalled & (rank[status] > stage_rank), stall_stage, status)
        status = np.where(stalled & transfer & (status == CLS), TRF, status)
        status = np.where(rejected, np.where(classified <= now, REJ, RCV), status)

        second = reopen & (reopened <= now)
        resolved_at = np.where(second, resolved2, resolved)
        closed_at = np.where(second, closed2, closed)
        # One condition per status, in STATUS_ORDER: what happened last, and the status before it.
        by_status = [status == s for s in (RCV, CLS, TRF, ASG, INP, RES, CLO, REJ, REO)]
        last = np.select(
            by_status,
            [
                created,
                classified,
                classified,
                assigned,
                np.where(second, started2, started),
                resolved_at,
                closed_at,
                classified,
                reopened,
            ],
        )
        previous = np.select(
            by_status,
            [-1, RCV, RCV, np.where(transfer, TRF, CLS), np.where(second, REO, ASG), INP, RES, RCV, RES],
        )
        due = np.where(second, due2, due0)
        triage_due = np.where(second, triage2, triage0)
        is_open = np.isin(status, [RCV, CLS, TRF, ASG, INP, REO])
        finished = np.select([status == REJ, np.isin(status, [RES, CLO])], [classified, resolved_at], now)
        end = np.minimum(np.where(is_open, now, finished), now)
        warn = due - settings.CITYDESK_SLA_WARN_HOURS * HOUR
        warned = np.where(warn <= end, np.maximum(warn + 300, created), NEVER)
        escalated = np.where(due + 600 <= end, due + 600, NEVER)

        unit = np.where(transfer & (rank[status] >= 1), alternative, routed)
        has_assignee = np.isin(status, [ASG, INP, RES, CLO, REO])
        assignee_id = np.full(n, None, dtype=object)
        assignee_label = np.full(n, "", dtype=object)
        head_id = np.full(n, None, dtype=object)
        head_label = np.full(n, "", dtype=object)
        units, unit_rows = np.unique(unit, return_inverse=True)
        for u_index, unit_id in enumerate(units.tolist()):
            rows = np.flatnonzero(unit_rows == u_index)
            officers, (boss_id, boss_label) = self._people[unit_id]
            head_id[rows] = boss_id
            head_label[rows] = boss_label
            rows = rows[has_assignee[rows]]
            if officers and rows.size:
                pick = rng.integers(0, len(officers), rows.size)
                assignee_id[rows] = np.array([o[0] for o in officers], dtype=object)[pick]
                assignee_label[rows] = np.array([o[1] for o in officers], dtype=object)[pick]
        # Rejections: reason, note, and the report duplicated (the previous one of the same pair).
        reason_pick = rng.choice(3, size=n, p=[0.45, 0.35, 0.20])
        key = cat * len(self.wards) + ward
        order = np.argsort(key, kind="stable")
        prev_same = np.full(n, -1)
        same = key[order][1:] == key[order][:-1]
        prev_same[order[1:][same]] = order[:-1][same]
        is_rej = status == REJ
        duplicate = is_rej & (reason_pick == 1) & (prev_same >= 0)
        reason_pick = np.where(is_rej & (reason_pick == 1) & ~duplicate, 0, reason_pick)
        reasons = np.array(
            [RejectReason.OUT_OF_SCOPE.value, RejectReason.DUPLICATE.value, RejectReason.SPAM.value],
            dtype=object,
        )
        reject_reason = np.where(is_rej, reasons[reason_pick], "")
        reject_note = np.full(n, "", dtype=object)
        for r, reason in enumerate(reasons):
            rows = np.flatnonzero(is_rej & (reason_pick == r))
            pool = self.reject_pool[reason]
            reject_note[rows] = pool[rng.integers(0, pool.size, rows.size)]

        # Texts.
        addr_k = ward * self.addr_per_ward + rng.integers(0, self.addr_per_ward, n)
        street = self.addr_street[addr_k]
        desc_k = (cat * self.n_streets + street) * self.desc_variants + rng.integers(0, self.desc_variants, n)
        description = self.desc_pool[desc_k]
        address = self.addr_pool[addr_k]
        search_text = self.desc_key_pool[desc_k] + " " + self.addr_key_pool[addr_k]  # what pre_save makes
        resolution = np.full(n, "", dtype=object)
        with_resolution = np.isin(status, [RES, CLO, REO])
        for c in range(len(self.categories)):
            rows = np.flatnonzero(with_resolution & (cat == c))
            pool = self.resolution_pool[c]
            resolution[rows] = pool[rng.integers(0, pool.size, rows.size)]
        answers = np.empty(n, dtype=object)
        for c in range(len(self.categories)):
            rows = np.flatnonzero(cat == c)
            pool = self.answer_pool[c]
            answers[rows] = pool[rng.integers(0, pool.size, rows.size)]
        person = rng.integers(0, self.name_pool.size, n)
        named = hotline | (u(n) < 0.7)
        contact_name = np.where(named, self.name_pool[person], "")
        contact_phone = np.where(hotline | (u(n) < 0.55), self.phone_pool[person], "")
        contact_email = np.where(~hotline & (u(n) < 0.4), self.email_pool[person], "")

        ward_codes = np.array([w.code for w in self.wards], dtype=object)
        ward_province = np.array([w.province_id for w in self.wards], dtype=object)
        operator_id = self.operator[0] if self.operator else None
        entered_by = np.where(hotline, operator_id, None) if operator_id else np.full(n, None, dtype=object)

        columns: dict[str, Any] = {
            "category_id": np.array([c.pk for c in self.categories])[cat],
            "description": description,
            "lon": np.where(no_point, np.nan, lon),
            "lat": np.where(no_point, np.nan, lat),
            "address": address,
            "search_text": search_text,
            "ward_id": ward_codes[ward],
            "province_code": ward_province[ward],
            "near_boundary": near,
            "unit_id": unit,
            "assignee_id": assignee_id,
            "channel": channels[channel],
            "status": np.array(STATUS_VALUES, dtype=object)[status],
            "version": VERSION[status] + np.where(second, 3, 0),
            "reporter_id": None,
            "entered_by_id": entered_by,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "contact_email": contact_email,
            "show_name_publicly": named & (u(n) < 0.12),
            "is_public": u(n) < 0.95,
            "answers": answers,
            "created_at": created,
            "updated_at": last,
            "triage_due_at": triage_due,
            "due_at": due,
            "paused_at": NEVER,
            "warned_at": warned,
            "escalated_at": escalated,
            "resolved_at": np.where(np.isin(status, [RES, CLO]), resolved_at, NEVER),
            "closed_at": np.where(status == CLO, closed_at, NEVER),
            "resolution": resolution,
            "reject_reason": reject_reason,
            "reject_note": reject_note,
            "reopen_count": second.astype(np.int64),
            "citizen_token": tokens(n),
        }

        # The one status event of each report: its latest move.
        labels = np.array([*STATUS_VALUES, ""], dtype=object)
        officer_move = np.isin(status, [INP, RES])
        head_move = np.isin(status, [CLS, TRF, ASG, REJ])
        citizen_move = (status == REO) | ((status == CLO) & ~auto_close)
        system_move = (status == CLO) & auto_close
        actor_id = np.full(n, None, dtype=object)
        actor_label = np.full(n, self.citizen_label, dtype=object)
        right = np.full(n, "own", dtype=object)
        received_by_operator = (status == RCV) & hotline & (operator_id is not None)
        actor_id[received_by_operator] = operator_id
        actor_label[received_by_operator] = self.operator[1] if self.operator else ""
        right[(status == RCV) & ~received_by_operator] = "system"
        a_id, a_label, h_id, h_label = assignee_id, assignee_label, head_id, head_label
        by_assignee = officer_move & (a_label != "")
        actor_id[by_assignee] = a_id[by_assignee]
        actor_label[by_assignee] = a_label[by_assignee]
        by_head = head_move | (officer_move & ~by_assignee)
        actor_id[by_head] = h_id[by_head]
        actor_label[by_head] = h_label[by_head]
        actor_label[citizen_move] = history_notes.role("reporter")
        actor_label[system_move] = "sla-sweep"
        right[system_move] = "system"
        # What people typed stays text; what the system wrote is a note key and its arguments, read in
        # the reader's language (core/history_notes.py).
        note = np.full(n, "", dtype=object)
        note[status == TRF] = "Chuyển đơn vị có thẩm quyền xử lý."
        note[status == RES] = resolution[status == RES]
        note[is_rej] = reject_note[is_rej]
        key_field = ReportEvent._meta.get_field("note_key")
        args_field = ReportEvent._meta.get_field("note_args")
        note_key = np.full(n, key_field.get_default(), dtype=object)
        note_args = np.full(
            n, args_field.get_db_prep_save(args_field.get_default(), connection), dtype=object
        )

        def written(rows: np.ndarray, key: str, args_of_row: np.ndarray) -> None:
            """System notes `key` on `rows`; `args_of_row`: each row's arguments (a few distinct dicts)."""
            note_key[rows] = key
            picked = np.flatnonzero(rows)
            prepared: dict[int, Any] = {}  # by the identity of a row's arguments: each done once
            for args in {id(a): a for a in args_of_row[picked]}.values():
                stored = system_note(key, **args)["note_args"]
                prepared[id(args)] = args_field.get_db_prep_save(stored, connection)
            note_args[picked] = [prepared[id(a)] for a in args_of_row[picked]]

        received_args = np.array([{"channel": c} for c in channels], dtype=object)
        written(status == RCV, RECEIVED, received_args[channel])
        closed_args = np.full(n, {"days": settings.CITYDESK_AUTO_CLOSE_DAYS}, dtype=object)
        written(system_move, AUTO_CLOSED, closed_args)
        event = {
            "at": last,
            "kind": ReportEvent.Kind.STATUS.value,
            "actor_id": actor_id,
            "actor_label": actor_label,
            "right": right,
            "on_behalf_of": "",
            "from_status": labels[previous],
            "to_status": labels[status],
            "note": note,
            "note_key": note_key,
            "note_args": note_args,
            "public": status != ASG,
        }

        # Ratings: most citizens who confirmed rate; a reopened report was rated unsatisfied.
        rated = np.flatnonzero(((status == CLO) & ~auto_close & (u(n) < 0.75)) | second)
        level_pick = rng.choice(3, size=rated.size, p=[0.68, 0.22, 0.10])
        level_pick[second[rated]] = 2
        levels = np.array(
            [Rating.Level.SATISFIED.value, Rating.Level.NORMAL.value, Rating.Level.UNSATISFIED.value],
            dtype=object,
        )
        comments = np.empty(rated.size, dtype=object)
        for lv, level in enumerate(levels):
            rows = np.flatnonzero(level_pick == lv)
            pool = self.comment_pool[level]
            comments[rows] = pool[rng.integers(0, pool.size, rows.size)]
        rating = {
            "level": levels[level_pick],
            "comment": comments,
            "created_at": np.where(second[rated], reopened[rated], closed_at[rated]),
        }
        local_year = (created + self.offset).astype("datetime64[s]").astype("datetime64[Y]").astype(
            int
        ) + 1970
        rating_index = np.full(n, -1, dtype=np.int64)
        rating_index[rated] = np.array([RATING_LEVELS.index(v) for v in levels])[level_pick]
        facts = rollup.Facts(
            created=created,
            unit_id=columns["unit_id"],
            category_id=columns["category_id"],
            channel=channel,
            channels=channels.tolist(),
            status=status,
            statuses=STATUS_VALUES,
            resolved=columns["resolved_at"],
            due=due,
            escalated=escalated,
            reopen_count=columns["reopen_count"],
            rating=rating_index,
        )
        return Batch(
            n=n,
            columns=self._prepare(Report, columns, n, later=("code", "duplicate_of_id")),
            event=self._prepare(ReportEvent, event, n, later=("report_id",)),
            rated=rated,
            rating=self._prepare(Rating, rating, rated.size, later=("report_id",)),
            years=local_year,
            duplicate_row=np.where(duplicate, prev_same, -1),
            status=status,
            facts=facts,
        )
