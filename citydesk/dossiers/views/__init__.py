"""Pages of the one-stop subsystem: the desk, the officer queue and dossier page, online filing, lookup.

Views parse input (forms.py), call selectors and services, and render; every write goes through
`citydesk.dossiers.services` (or `payments`), whose refusals are shown next to the field they name.
"""

from citydesk.dossiers.views.citizen import (
    applicant_document,
    file_online,
    filed,
    lookup,
    pay,
    pay_start,
    supplement,
    track,
    withdraw,
)
from citydesk.dossiers.views.desk import desk, rating_open, receipt, received
from citydesk.dossiers.views.officer import (
    dossier_action,
    dossier_note_view,
    dossier_page,
    officer_document,
    queue,
)

__all__ = [
    "applicant_document",
    "desk",
    "dossier_action",
    "dossier_note_view",
    "dossier_page",
    "file_online",
    "filed",
    "lookup",
    "officer_document",
    "pay",
    "pay_start",
    "queue",
    "rating_open",
    "receipt",
    "received",
    "supplement",
    "track",
    "withdraw",
]
