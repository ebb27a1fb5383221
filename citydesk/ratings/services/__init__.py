"""Writes of the satisfaction ratings: kiosk pairing, desk transactions, the three rating channels,
imports, monthly counts. Keyword-only, atomic, audited; refusals are `citydesk.core.errors` (and
`RateLimited`, 429)."""

from citydesk.ratings.services.common import AlreadyRated, RateLimited, live_months_rebuild, month_of
from citydesk.ratings.services.desk import (
    TRANSACTION_KINDS,
    DeskInputs,
    desk_inputs,
    desk_transaction_open,
    kiosk_window,
    rating_submit_kiosk,
    waiting_transaction,
)
from citydesk.ratings.services.imports import ImportRejected, ImportResult, RowError, ratings_import
from citydesk.ratings.services.kiosks import (
    PairChoice,
    Pairing,
    kiosk_authenticate,
    kiosk_pair,
    kiosk_pair_choice,
    kiosk_problem,
    kiosk_register,
    kiosk_seen,
    kiosk_unpair,
)
from citydesk.ratings.services.online import (
    commune_unit,
    dossier_for_rating,
    dossier_rating,
    rating_submit_resident,
    rating_submit_web,
    resident_key,
)

__all__ = [
    "TRANSACTION_KINDS",
    "AlreadyRated",
    "DeskInputs",
    "ImportRejected",
    "ImportResult",
    "PairChoice",
    "Pairing",
    "RateLimited",
    "RowError",
    "commune_unit",
    "desk_inputs",
    "desk_transaction_open",
    "dossier_for_rating",
    "dossier_rating",
    "kiosk_authenticate",
    "kiosk_pair",
    "kiosk_pair_choice",
    "kiosk_problem",
    "kiosk_register",
    "kiosk_seen",
    "kiosk_unpair",
    "kiosk_window",
    "live_months_rebuild",
    "month_of",
    "rating_submit_kiosk",
    "rating_submit_resident",
    "rating_submit_web",
    "ratings_import",
    "resident_key",
    "waiting_transaction",
]
