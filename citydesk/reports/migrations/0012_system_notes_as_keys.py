"""History notes the platform wrote as text, in the language of the request that wrote them, become
keys and codes (`note_key`, `note_args`), written out in each reader's language; role actors stored as
text ("người dân", "citizen") become roles (`role:citizen`).

A note is converted only when it is, whole, one of the texts below (the English msgid or its Vietnamese
translation as they were when these notes were written, and the demo generator's Vietnamese wording)
with arguments that parse (a known channel, reason or level; a date; a code). Anything else (an officer's
words, a text of an older wording) stays as it is: `display_note` shows it as stored.

The patterns are frozen here on purpose: later changes of the translations must not change what this
migration reads. Batched by primary key, one transaction a batch (PostgreSQL and SQLite alike), and
idempotent: a row converted has its key, and rows with a key are not read again. Backwards, keyed notes
are written out in the platform's language, as the older code stored them.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import migrations, transaction
from django.db.models import Q

BATCH = 2000

CHANNELS = {
    # English labels, their Vietnamese translations, and the demo generator's wording.
    "Web portal": "web",
    "Citizen app": "app",
    "Hotline 1022": "hotline",
    "E-mail": "email",
    "Open311 client": "open311",
    "Chat": "chat",
    "Cổng thông tin điện tử": "web",
    "Ứng dụng di động": "app",
    "Tổng đài 1022": "hotline",
    "Thư điện tử": "email",
    "Ứng dụng Open311": "open311",
    "Nhắn tin trực tuyến": "chat",
    "Cổng thông tin": "web",
    "ứng dụng di động": "app",
    "tổng đài 1022": "hotline",
    "thư điện tử": "email",
    "ứng dụng đối tác (Open311)": "open311",
    "kênh chat": "chat",
}
LEVELS = {
    "Satisfied": "satisfied",
    "Normal": "normal",
    "Unsatisfied": "unsatisfied",
    "Hài lòng": "satisfied",
    "Bình thường": "normal",
    "Không hài lòng": "unsatisfied",
}
REJECT_REASONS = {
    "Not within the city's competence": "out_of_scope",
    "Duplicate of another report": "duplicate",
    "Spam or abusive": "spam",
    "Không thuộc thẩm quyền của Thành phố": "out_of_scope",
    "Trùng lặp với phản ánh khác": "duplicate",
    "Tin rác hoặc có nội dung xúc phạm": "spam",
}
ROUTE_REASONS = {
    "sector department": "department",
    "commune-level People's Committee": "committee",
    "triage by the province": "province",
    "sở chuyên ngành": "department",
    "UBND cấp xã": "committee",
    "tỉnh/thành phố phân loại": "province",
}
RULE_REASON = re.compile(r"^(?:routing rule #|quy tắc phân luồng số )(\d+)$")
ROLES = {
    # (label, only without a user account) -> role
    "người dân": ("citizen", True),
    "citizen": ("citizen", True),
    "công dân": ("citizen", True),  # the demo generator's
    "người phản ánh": ("reporter", False),
    "reporter": ("reporter", False),
}

DATE = r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"
CODE = r"[A-Z0-9][A-Z0-9-]*"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _alternatives(labels: dict[str, str]) -> str:
    return "|".join(re.escape(text) for text in sorted(labels, key=len, reverse=True))


def _pattern(text: str, tail: str = "", **shapes: str) -> re.Pattern[str]:
    """A msgid or msgstr as a regular expression: each %(name)s a named group (by default any text)."""
    parts, pos = [], 0
    for m in _PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[pos : m.start()]))
        parts.append(f"(?P<{m.group(1)}>{shapes.get(m.group(1), '.+?')})")
        pos = m.end()
    parts.append(re.escape(text[pos:]))
    return re.compile("^" + "".join(parts) + tail + "$", re.DOTALL)


def _local_iso(text: str) -> str:
    moment = dt.datetime.strptime(text, "%d/%m/%Y %H:%M")
    return moment.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)).isoformat()


def _reason(text: str) -> dict[str, Any] | None:
    rule = RULE_REASON.match(text)
    if rule:
        return {"reason": "rule", "rule": int(rule.group(1))}
    code = ROUTE_REASONS.get(text)
    return {"reason": code} if code else None


def _routed(g: dict[str, str]) -> dict[str, Any] | None:
    reason = _reason(g["reason"])
    return {"unit": g["unit"], **reason} if reason else None


def _rerouted(g: dict[str, str]) -> dict[str, Any] | None:
    reason = _reason(g["reason"])
    return {"from": g["from"], "to": g["to"], **reason} if reason else None


def _same(*names: str, **renamed: str) -> Callable[[dict[str, str]], dict[str, Any]]:
    def parse(g: dict[str, str]) -> dict[str, Any]:
        return {**{n: g[n] for n in names}, **{new: g[old] for new, old in renamed.items()}}

    return parse


def _earlier(g: dict[str, str]) -> dict[str, Any]:
    return {"at": _local_iso(g["date"]), "level": LEVELS[g["level"]], "comment": g.get("comment") or ""}


def _reply(g: dict[str, str]) -> dict[str, Any]:
    return {"text": g.get("text") or "", "files": g["list"].split(", ")}


# (key, kinds, patterns, arguments from the groups); tried in this order, the first match wins.
RULES: list[
    tuple[str, set[str], list[re.Pattern[str]], Callable[[dict[str, str]], dict[str, Any] | None]]
] = [
    (
        "report.received",
        {"status"},
        [
            _pattern(text, c=_alternatives(CHANNELS))
            for text in ("Received via %(c)s.", "Tiếp nhận qua %(c)s.")
        ],
        lambda g: {"channel": CHANNELS[g["c"]]},
    ),
    (
        "report.rerouted",
        {"route"},
        [re.compile(r"^(?P<from>.+?) → (?P<to>.+) \((?P<reason>[^()]+)\)$", re.DOTALL)],
        _rerouted,
    ),
    ("report.routed", {"route"}, [re.compile(r"^(?P<unit>.+) \((?P<reason>[^()]+)\)$", re.DOTALL)], _routed),
    (
        "report.transferred",
        {"status", "transfer"},
        [_pattern(text) for text in ("Transferred to %(org)s.", "Đã chuyển đến %(org)s.")],
        _same("org"),
    ),
    (
        "report.rejected",
        {"status"},
        [re.compile(rf"^(?P<reason>{_alternatives(REJECT_REASONS)})\.(?: (?P<text>.*))?$", re.DOTALL)],
        lambda g: {"reason": REJECT_REASONS[g["reason"]], "text": g.get("text") or ""},
    ),
    (
        "report.merged_into",
        {"merge"},
        [
            _pattern(text, code=CODE)
            for text in (
                "Merged into %(code)s, a report of the same problem: you will receive its updates from now on.",
                "Đã gộp vào phản ánh %(code)s về cùng vấn đề: từ nay bạn sẽ nhận thông tin cập nhật của phản ánh đó.",
            )
        ],
        _same("code"),
    ),
    (
        "report.merged_here",
        {"merge"},
        [
            _pattern(t, code=CODE)
            for t in ("%(code)s merged into this report.", "Đã gộp %(code)s vào phản ánh này.")
        ],
        _same("code"),
    ),
    (
        "report.unmerged",
        {"merge"},
        [
            _pattern(text, code=CODE)
            for text in (
                "Handled separately again: no longer merged into %(code)s.",
                "Được xử lý riêng trở lại: không còn gộp vào %(code)s.",
            )
        ],
        _same("code"),
    ),
    (
        "report.waiting",
        {"sla"},
        [_pattern(t) for t in ("Waiting for the citizen: %(n)s", "Chờ người dân bổ sung: %(n)s")],
        _same(text="n"),
    ),
    ("report.resumed", {"sla"}, [_pattern(t) for t in ("Handling resumed.", "Tiếp tục xử lý.")], _same()),
    (
        "report.resumed_due_same",
        {"sla"},
        [
            _pattern(t, d=DATE)
            for t in (
                "Handling resumed; the due time stays %(d)s.",
                "Tiếp tục xử lý; hạn xử lý vẫn là %(d)s.",
            )
        ],
        lambda g: {"due": _local_iso(g["d"])},
    ),
    (
        "report.resumed_due_new",
        {"sla"},
        [
            _pattern(t, d=DATE)
            for t in ("Handling resumed; new due time %(d)s.", "Tiếp tục xử lý; hạn xử lý mới: %(d)s.")
        ],
        lambda g: {"due": _local_iso(g["d"])},
    ),
    (
        "report.deadline_warned",
        {"sla"},
        [_pattern(t) for t in ("Deadline warning sent.", "Đã gửi cảnh báo sắp đến hạn.")],
        _same(),
    ),
    (
        "report.escalated",
        {"sla"},
        [
            _pattern(t)
            for t in ("Overdue: escalated to the head of the unit.", "Quá hạn: đã báo cáo thủ trưởng đơn vị.")
        ],
        _same(),
    ),
    (
        "report.auto_closed",
        {"status"},
        [
            _pattern(t, n=r"\d+")
            for t in (
                "Closed: no answer from the citizen within %(n)s days.",
                "Đã đóng: người dân không phản hồi trong %(n)s ngày.",
                "Đóng: người dân không phản hồi sau %(n)s ngày.",  # the demo generator's
            )
        ],
        lambda g: {"days": int(g["n"])},
    ),
    (
        "report.rated",
        {"rating"},
        [re.compile(rf"^(?P<level>{_alternatives(LEVELS)})$")],
        lambda g: {"level": LEVELS[g["level"]]},
    ),
    (
        "report.rated_earlier",
        {"rating"},
        [
            _pattern(t, r"(?: (?P<comment>.*))?", date=DATE, level=_alternatives(LEVELS))
            for t in (
                "Earlier rating (%(date)s), before the report was reopened: %(level)s.",
                "Đánh giá trước đó (%(date)s), trước khi phản ánh được mở lại: %(level)s.",
            )
        ],
        _earlier,
    ),
    (
        "report.rating_comment",
        {"rating"},
        [_pattern(t) for t in ("Reporter's comment: %(c)s", "Ý kiến của người phản ánh: %(c)s")],
        _same(text="c"),
    ),
    (
        "report.reply_files",
        {"reply"},
        [
            re.compile(rf"^(?:(?P<text>.*)\n)?{re.escape(label)}: (?P<list>[^\n]+)$", re.DOTALL)
            for label in ("Attached", "Tệp đính kèm")
        ],
        _reply,
    ),
]
KINDS = sorted({kind for _key, kinds, _patterns, _parse in RULES for kind in kinds})


def keyed(kind: str, note: str) -> tuple[str, dict[str, Any]] | None:
    """(key, arguments) of a note the platform wrote; None for anything else."""
    for key, kinds, patterns, parse in RULES:
        if kind not in kinds:
            continue
        for pattern in patterns:
            m = pattern.match(note)
            if m is None:
                continue
            try:
                args = parse({k: v for k, v in m.groupdict().items() if v is not None})
            except (KeyError, ValueError):
                args = None
            if args is not None:
                return key, args
    return None


def role_of(label: str, actor_id: int | None) -> str | None:
    known = ROLES.get(label)
    if known is None or (known[1] and actor_id is not None):
        return None
    return f"role:{known[0]}"


def notes_to_keys(apps, schema_editor):
    ReportEvent = apps.get_model("reports", "ReportEvent")
    candidates = ReportEvent.objects.filter(note_key="").filter(
        Q(kind__in=KINDS, note__gt="") | Q(actor_label__in=list(ROLES))
    )
    last = 0
    while True:
        rows = list(
            candidates.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "kind", "note", "actor_label", "actor_id")[:BATCH]
        )
        if not rows:
            return
        last = rows[-1][0]
        changed = []
        for pk, kind, note, actor_label, actor_id in rows:
            event = ReportEvent(pk=pk, note=note, note_key="", note_args={}, actor_label=actor_label)
            found = keyed(kind, note) if note else None
            if found is not None:
                event.note_key, event.note_args = found
                event.note = ""
            event.actor_label = role_of(actor_label, actor_id) or actor_label
            if found is not None or event.actor_label != actor_label:
                changed.append(event)
        if changed:
            with transaction.atomic():
                ReportEvent.objects.bulk_update(changed, ["note", "note_key", "note_args", "actor_label"])


def keys_to_notes(apps, schema_editor):
    """Backwards: keyed notes and roles written out in the platform's language, as stored before."""
    from django.utils import translation

    from citydesk.core import history_notes
    from citydesk.reports import system_notes  # noqa: F401 — the keys

    ReportEvent = apps.get_model("reports", "ReportEvent")
    candidates = ReportEvent.objects.filter(Q(note_key__gt="") | Q(actor_label__startswith="role:"))
    last = 0
    with translation.override(settings.LANGUAGE_CODE):
        while True:
            rows = list(candidates.filter(pk__gt=last).order_by("pk")[:BATCH])
            if not rows:
                return
            last = rows[-1].pk
            for event in rows:
                if event.note_key:
                    event.note = history_notes.render(event.note_key, event.note_args, event.note)
                    event.note_key, event.note_args = "", {}
                event.actor_label = history_notes.actor_text(event.actor_label)
            with transaction.atomic():
                ReportEvent.objects.bulk_update(rows, ["note", "note_key", "note_args", "actor_label"])


class Migration(migrations.Migration):
    atomic = False  # one transaction a batch: a big history does not hold one long transaction

    dependencies = [("reports", "0011_event_system_note_fields")]

    operations = [migrations.RunPython(notes_to_keys, keys_to_notes)]
