"""History notes the platform wrote as text (in the language of the request, or the platform's) become
keys and codes (`note_key`, `note_args`), written out in each reader's language; the online applicant
stored as text ("Người nộp trực tuyến", "Online applicant") becomes a role (`role:applicant`).

A note is converted only when it is, whole, one of the texts below (the English msgid or its Vietnamese
translation as they were when these notes were written) with arguments that parse; anything else (an
officer's words, a step's name) stays as it is. The patterns are frozen here on purpose. Batched by
primary key, one transaction a batch, idempotent; backwards, keyed notes are written out in the
platform's language.
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
    "One-stop desk": "desk",
    "Online": "online",
    "By post": "post",
    "Bộ phận Một cửa": "desk",
    "Trực tuyến": "online",
    "Qua bưu chính": "post",
}
PROVIDERS = {
    "Sandbox payment gateway — no real money is taken": "sandbox",
    "Cổng thanh toán thử nghiệm — không thu tiền thật": "sandbox",
}
DESK_METHODS = {
    "Cash at the desk": "cash",
    "Bank transfer, checked at the desk": "transfer",
    "Tiền mặt tại Bộ phận Một cửa": "cash",
    "Chuyển khoản, đã kiểm tra tại Bộ phận Một cửa": "transfer",
}
ROLES = {"Người nộp trực tuyến": "role:applicant", "Online applicant": "role:applicant"}

DATE = r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"
AMOUNT = r"\d{1,3}(?:\.\d{3})* đ|\d{1,3}(?:,\d{3})* VND"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _alternatives(labels: dict[str, str]) -> str:
    return "|".join(re.escape(text) for text in sorted(labels, key=len, reverse=True))


def _pattern(text: str, **shapes: str) -> re.Pattern[str]:
    parts, pos = [], 0
    for m in _PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[pos : m.start()]))
        parts.append(f"(?P<{m.group(1)}>{shapes.get(m.group(1), '.+?')})")
        pos = m.end()
    parts.append(re.escape(text[pos:]))
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def _amount(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _local_iso(text: str) -> str:
    moment = dt.datetime.strptime(text, "%d/%m/%Y %H:%M")
    return moment.replace(tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)).isoformat()


RULES: list[tuple[str, str, list[re.Pattern[str]], Callable[[dict[str, str]], dict[str, Any]]]] = [
    (
        "dossier.received",
        "received",
        [
            _pattern(text, channel=_alternatives(CHANNELS), due=DATE)
            for text in (
                "Received (%(channel)s); due %(due)s.",
                "Đã tiếp nhận (%(channel)s); hẹn trả kết quả %(due)s.",
            )
        ],
        lambda g: {"channel": CHANNELS[g["channel"]], "due": _local_iso(g["due"])},
    ),
    (
        "dossier.paid_online",
        "paid",
        [
            _pattern(text, amount=AMOUNT, provider=_alternatives(PROVIDERS), ref=r"[^\s()]+")
            for text in (
                "%(amount)s paid through %(provider)s (%(ref)s).",
                "Đã nộp %(amount)s qua %(provider)s (%(ref)s).",
            )
        ],
        lambda g: {"amount": _amount(g["amount"]), "provider": PROVIDERS[g["provider"]], "ref": g["ref"]},
    ),
    (
        "dossier.paid_at_desk",
        "paid",
        [
            _pattern(text, amount=AMOUNT, method=_alternatives(DESK_METHODS))
            for text in (
                "%(amount)s paid: %(method)s, receipt no. %(receipt)s.",
                "Đã nộp %(amount)s: %(method)s, biên lai số %(receipt)s.",
            )
        ],
        lambda g: {
            "amount": _amount(g["amount"]),
            "method": DESK_METHODS[g["method"]],
            "receipt": g["receipt"],
        },
    ),
]
KINDS = sorted({kind for _key, kind, _patterns, _parse in RULES})


def keyed(kind: str, note: str) -> tuple[str, dict[str, Any]] | None:
    """(key, arguments) of a note the platform wrote; None for anything else."""
    for key, rule_kind, patterns, parse in RULES:
        if kind != rule_kind:
            continue
        for pattern in patterns:
            m = pattern.match(note)
            if m is not None:
                try:
                    return key, parse(m.groupdict())
                except (KeyError, ValueError):
                    continue
    return None


def notes_to_keys(apps, schema_editor):
    DossierEvent = apps.get_model("dossiers", "DossierEvent")
    candidates = DossierEvent.objects.filter(note_key="").filter(
        Q(kind__in=KINDS, note__gt="") | Q(actor_label__in=list(ROLES))
    )
    last = 0
    while True:
        rows = list(
            candidates.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "kind", "note", "actor_label")[:BATCH]
        )
        if not rows:
            return
        last = rows[-1][0]
        changed = []
        for pk, kind, note, actor_label in rows:
            event = DossierEvent(pk=pk, note=note, note_key="", note_args={}, actor_label=actor_label)
            found = keyed(kind, note) if note else None
            if found is not None:
                event.note_key, event.note_args = found
                event.note = ""
            event.actor_label = ROLES.get(actor_label, actor_label)
            if found is not None or event.actor_label != actor_label:
                changed.append(event)
        if changed:
            with transaction.atomic():
                DossierEvent.objects.bulk_update(changed, ["note", "note_key", "note_args", "actor_label"])


def keys_to_notes(apps, schema_editor):
    """Backwards: keyed notes and roles written out in the platform's language, as stored before."""
    from django.utils import translation

    from citydesk.core import history_notes
    from citydesk.dossiers import system_notes  # noqa: F401 — the keys

    DossierEvent = apps.get_model("dossiers", "DossierEvent")
    candidates = DossierEvent.objects.filter(Q(note_key__gt="") | Q(actor_label__startswith="role:"))
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
                DossierEvent.objects.bulk_update(rows, ["note", "note_key", "note_args", "actor_label"])


class Migration(migrations.Migration):
    atomic = False  # one transaction a batch: a big history does not hold one long transaction

    dependencies = [("dossiers", "0007_event_system_note_fields")]

    operations = [migrations.RunPython(notes_to_keys, keys_to_notes)]
