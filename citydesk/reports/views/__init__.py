"""Pages of the 1022 system: the citizen's report form, the public list and map, tracking, the hotline
screen, the officer queue and report page. Views parse input (forms.py), call selectors and services, and
render; every write goes through `citydesk.reports.services` (or the attachment service), whose refusals are
shown next to the field at fault.
"""

from citydesk.reports.views.citizen import follow, lookup, rate, report_new, report_sent, track, wards_geojson
from citydesk.reports.views.hotline import hotline, hotline_lookup, hotline_report, hotline_suggest
from citydesk.reports.views.officer import (
    bulk_assign,
    officer_action,
    officer_attach,
    officer_merge,
    officer_note,
    officer_pause,
    officer_report,
    officer_resume,
    officer_unmerge,
    queue,
)
from citydesk.reports.views.public import public_list

__all__ = [
    "bulk_assign",
    "follow",
    "hotline",
    "hotline_lookup",
    "hotline_report",
    "hotline_suggest",
    "lookup",
    "officer_action",
    "officer_attach",
    "officer_merge",
    "officer_note",
    "officer_pause",
    "officer_report",
    "officer_resume",
    "officer_unmerge",
    "public_list",
    "queue",
    "rate",
    "report_new",
    "report_sent",
    "track",
    "wards_geojson",
]
