"""REST API of the satisfaction ratings under /api/v1/ratings: a desk visit (by its code, or by its paired
tablet with the tablet's key), the applicant of a finished dossier, residents rating their ward (the
citizen app), and the statistics (heads, leaders)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import field_validator

from citydesk.api import AUTH
from citydesk.core.errors import NotAllowed, NotAuthenticated
from citydesk.core.models import User
from citydesk.core.services import api_token_user
from citydesk.ratings import selectors, services
from citydesk.ratings.models import DeskTransaction, Rating
from citydesk.ratings.views import device_of

router = Router(tags=["ratings"])


class RatingIn(Schema):
    """A rating's fields. None are required here: a missing or empty one is refused by the service,
    with one message naming it (`{"detail", "field"}`, like every other refusal)."""

    level: str = ""
    comment: str = ""

    @field_validator("*", mode="before")
    @classmethod
    def _null_is_empty(cls, value: object) -> object:
        return "" if value is None else value


class KioskRatingIn(RatingIn):
    transaction: str = ""


class DossierRatingIn(RatingIn):
    token: str = ""


class ResidentRatingIn(RatingIn):
    unit: str = ""


class RatingOut(Schema):
    id: int
    channel: str
    level: str
    unit: str
    unit_name: str
    created_at: datetime
    period: str | None = None
    transaction: str | None = None
    dossier: str | None = None


class ErrorOut(Schema):
    detail: str
    field: str | None = None


def _out(rating: Rating) -> dict:
    """A rating as answered: its transaction's and its dossier's codes whichever channel made it."""
    transaction = rating.transaction.code if rating.transaction_id else None  # type: ignore[union-attr]
    dossier = rating.dossier.code if rating.dossier_id else None  # type: ignore[union-attr]
    return {
        "id": rating.pk,
        "channel": rating.channel,
        "level": rating.level,
        "unit": rating.unit.code,
        "unit_name": rating.unit.name,
        "created_at": rating.created_at,
        "period": rating.period or None,
        "transaction": transaction,
        "dossier": dossier,
    }


_REFUSALS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}


KIOSK_KEY_HEADER = "X-Kiosk-Key"


def _kiosk_of_request(request: HttpRequest, transaction_code: str) -> str | None:
    """The paired kiosk a rating comes from: the one of the transaction, when the request carries that
    tablet's device key (`X-Kiosk-Key`); None without a key (a rating by the transaction's code)."""
    key = request.headers.get(KIOSK_KEY_HEADER, "").strip()
    if not key:
        return None
    code = services.desk.normalize_transaction_code(transaction_code)
    kiosk = (
        DeskTransaction.objects.filter(code=code).values_list("kiosk", flat=True).first() if code else None
    )
    device = services.kiosk_authenticate(code=kiosk, secret=key) if kiosk else None
    if device is None:
        raise NotAllowed(_("The kiosk key is not the key of this transaction's kiosk."), field="kiosk")
    return device.code


@router.post("/ratings/kiosk", response={201: RatingOut, **_REFUSALS}, auth=None)
def rate_kiosk(request: HttpRequest, payload: KioskRatingIn) -> Status:
    """A desk transaction rated once, while it is open (409 after that): by its code when the desk has no
    tablet; a transaction opened for a kiosk only by that paired tablet, which sends its device key in
    `X-Kiosk-Key` (403, field `kiosk`, without it), while the tablet is live (seen in the last 5 minutes);
    once it is not, by its code too. By code, the unit's own staff signed in (their session) are refused
    (403, field `transaction`), and one address rates a limited number of visits an hour (429)."""
    kiosk = _kiosk_of_request(request, payload.transaction)
    user = getattr(request, "user", None)
    rating = services.rating_submit_kiosk(
        transaction_code=payload.transaction,
        level=payload.level,
        comment=payload.comment,
        kiosk=kiosk,
        device=kiosk or device_of(request),
        user=user if user is not None and user.is_authenticated else None,
    )
    return Status(201, _out(rating))


@router.post("/ratings/dossiers/{code}", response={201: RatingOut, **_REFUSALS}, auth=None)
def rate_dossier(request: HttpRequest, code: str, payload: DossierRatingIn) -> Status:
    """The applicant (bearer token or the dossier's citizen token) rates a finished dossier, once."""
    user: User | None = None  # never the session here: no CSRF check on this public endpoint
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = api_token_user(header[7:].strip())
        if user is None:
            raise NotAuthenticated(_("The bearer token is not valid."))
    rating = services.rating_submit_web(
        dossier_code=code,
        level=payload.level,
        comment=payload.comment,
        user=user,
        token=payload.token,
        device=device_of(request),
    )
    return Status(201, _out(rating))


@router.post("/ratings/residents", response={201: RatingOut, **_REFUSALS}, auth=AUTH)
def rate_unit(request: HttpRequest, payload: ResidentRatingIn) -> Status:
    """A resident rates their ward or commune: once per calendar month (409 after that), at most a few
    ratings an hour from one device (429; send a stable `X-Device-Id`)."""
    rating = services.rating_submit_resident(
        user=request.user,
        unit_code=payload.unit,
        level=payload.level,
        comment=payload.comment,
        device=device_of(request),
    )
    return Status(201, _out(rating))


class StatsRowOut(Schema):
    key: str
    code: str
    label: str
    satisfied: int
    normal: int
    unsatisfied: int
    total: int
    satisfied_pct: float | None
    normal_pct: float | None
    unsatisfied_pct: float | None


class StatsOut(Schema):
    group: str
    month_from: str | None
    month_to: str | None
    channel: str | None
    unit: str | None
    scope: str
    rows: list[StatsRowOut]
    totals: StatsRowOut


@router.get("/ratings/stats", response={200: StatsOut, **_REFUSALS}, auth=AUTH)
def rating_stats(
    request: HttpRequest,
    group: str = "unit",
    month_from: str = Query("", alias="from"),
    month_to: str = Query("", alias="to"),
    channel: str = "",
    unit: str = "",
    sort: str = "",
) -> dict:
    """Counts and shares (percent, two decimals) per unit, officer, procedure, channel or month
    (`group`), for months `from`…`to` (YYYY-MM or mm/yyyy), a channel and a unit (with the units below it),
    in the order `sort` (`satisfied`, `unsatisfied` share or `total`; `-` first: highest first). By unit,
    a unit without ratings is a row of zeros with no shares. Unit heads and deputies see their units; the
    city's leaders every unit; system administrators the units they administer, not per officer (403)."""
    result = selectors.stats_for(
        request.user,
        group=group,
        **{"from": month_from, "to": month_to},
        channel=channel,
        unit=unit,
        sort=sort,
    )
    f = result.filters
    return {
        "group": f.group,
        "month_from": f"{f.month_from:%Y-%m}" if f.month_from else None,
        "month_to": f"{f.month_to:%Y-%m}" if f.month_to else None,
        "channel": f.channel or None,
        "unit": f.unit.code if f.unit else None,
        "scope": result.scope.label,
        "rows": [_row(r) for r in result.rows],
        "totals": _row(result.totals),
    }


def _row(row: selectors.StatsRow) -> dict:
    data = row.as_dict()
    for name in ("satisfied_pct", "normal_pct", "unsatisfied_pct"):
        data[name] = None if data[name] is None else float(data[name])  # 99.24, a JSON number
    return data
