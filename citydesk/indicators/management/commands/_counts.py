"""The counts the indicator commands print, named in the site's language (`citydesk.core…_output`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from citydesk.core.management.commands._output import number

COUNT_LABELS: dict[str, Any] = {
    # scan-indicators (anomalies.scan)
    "series": _("series checked"),
    "flagged": _("abnormal values found"),
    "created": _("new findings"),
    "kept": _("findings still open"),
    "reflagged": _("corrected values still abnormal"),
    "closed": _("corrected findings closed"),
    # indicators-daily (tasks.daily_work)
    "platform_values": _("values computed from the platform"),
    "reminded": _("late reports reminded"),
}


def count_text(counts: dict[str, int]) -> str:
    """ "chuỗi số liệu đã kiểm tra: 735; giá trị bất thường phát hiện: 13; …" """
    return "; ".join(f"{COUNT_LABELS.get(key, key)}: {number(value)}" for key, value in counts.items())
