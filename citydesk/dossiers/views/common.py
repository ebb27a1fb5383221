"""Shared helpers of the one-stop pages: refusals, the applicant's access, rows for steps and events."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citydesk.core.errors import DomainError
from citydesk.dossiers import selectors
from citydesk.dossiers.forms import FILE_PREFIX, uploads_from
from citydesk.dossiers.models import (
    FINISHED_STATUSES,
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierStep,
    ProcedureDocument,
    Punctuality,
    Status,
)
from citydesk.dossiers.services import Upload
from citydesk.dossiers.services.common import rating_link
from citydesk.dossiers.services.intake import empty_file
from citydesk.dossiers.workflow import ACTION_LABELS  # noqa: F401  (the pages' button labels)

# {code: "full" | "view"}: what this browser proved about a dossier. Renamed when the phone check stopped
# opening the full view: a grant of "full" it made before is not honoured any more.
SESSION_ACCESS = "dossiers_access_2"
SESSION_FILED = "dossiers_filed"  # codes filed online in this session (their confirmation page)
SESSION_TRIES = "dossiers_phone_tries"  # failed phone checks in this session
SESSION_DESK = "dossiers_desk_transactions"  # {dossier code: rating transaction code}
SESSION_KIOSK = "ratings_kiosk"  # the kiosk beside this officer's desk (set on the ratings' desk page)
PHONE_TRIES = 5
# FULL: the applicant's own view (their account, the citizen token's link, the browser that filed it
# online): personal details, papers, receipt, payment, rating, withdrawal. VIEW: the summary the phone
# check opens. A phone number is no secret (anyone who knows the person has it, and the codes are
# sequential), so it never opens more than the dossier's progress under a shortened name.
FULL, VIEW = "full", "view"

# The form fields of each action (anything else a service names goes at the top of the action's form).
ACTION_FIELDS = {
    "forward": ("note",),
    "finish": ("note",),
    "request_supplement": ("papers", "note"),
    "supplement_received": ("files", "note"),
    "refuse": ("note", "confirm"),
    "return_result": ("result_method", "tracking_number", "delivery_address", "note"),
    "withdraw": ("note", "confirm"),
    "record_payment": ("payment_method", "receipt_number"),
}


# Moves that end the dossier for good (WCAG 3.3.4): the pages send them only with the box “I understand…”
# ticked (field `confirm`), checked here on the server. The API's programs are not asked for it.
CONFIRMED_MOVES = {
    "withdraw": gettext_lazy("Tick the box to confirm that the dossier is to be withdrawn."),
    "refuse": gettext_lazy("Tick the box to confirm that the dossier is to be refused."),
}


def check_confirmed(action: str, confirmed: bool) -> None:
    """Refuse (400, field `confirm`) a move of `CONFIRMED_MOVES` sent from a page without its box ticked."""
    if action in CONFIRMED_MOVES and not confirmed:
        raise DomainError(str(CONFIRMED_MOVES[action]), field="confirm")


def status_of(exc: DomainError) -> int:
    """The HTTP status of a service's refusal (401, 403, 404, 409, 422 or 400)."""
    return int(exc.status)


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request, "dossiers/_refusal.html", {"title": _("Not allowed"), "message": message}, status=403
    )


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request,
        "dossiers/_refusal.html",
        {"title": _("Not found"), "message": message, "lookup_link": True},
        status=404,
    )


def refusal(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = status_of(exc)
    if status == 403:
        return forbidden(request, exc.message)
    if status == 404:
        return not_found(request, exc.message)
    return render(
        request,
        "dossiers/_refusal.html",
        {"title": _("It was not done"), "message": exc.message, "reload": request.path},
        status=status,
    )


def login_or_forbidden(request: HttpRequest, message: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return forbidden(request, message)


def norm_code(value: str) -> str:
    return (value or "").strip().upper()


def handled_dossier(
    request: HttpRequest, code: str
) -> tuple[Dossier | None, list[DossierStep], HttpResponse | None]:
    """The dossier, its steps, or the refusal (404, 403) for anyone but its handling officers."""
    dossier = selectors.dossier_for_page(code)
    if dossier is None:
        return None, [], not_found(request, _("No dossier %(code)s.") % {"code": norm_code(code)})
    steps = list(dossier.steps.all())
    if not selectors.may_handle(request.user, dossier, steps):
        user = request.user
        if user.is_authenticated and dossier.applicant_id == user.pk:
            # The applicant on the officers' address (a link passed on, a bookmark): their own page.
            if request.method == "GET":
                return None, [], redirect("dossiers:track", code=dossier.code)
            return None, [], forbidden(request, _("This page is for the officers handling the dossier."))
        return None, [], forbidden(request, _("This dossier is handled by other units."))
    return dossier, steps, None


# --- The applicant's access to a dossier ----------------------------------------------------------


def grant(request: HttpRequest, code: str, level: str) -> None:
    access = dict(request.session.get(SESSION_ACCESS, {}))
    if access.get(code) != FULL:
        access[code] = level
    request.session[SESSION_ACCESS] = dict(list(access.items())[-20:])


def remember_filed(request: HttpRequest, code: str) -> None:
    codes = [c for c in request.session.get(SESSION_FILED, []) if c != code]
    request.session[SESSION_FILED] = [*codes, code][-20:]


def token_ok(dossier: Dossier, token: str) -> bool:
    return (
        bool(token)
        and token.isascii()  # compare_digest takes ASCII text only: "?t=é" was a 500
        and bool(dossier.citizen_token)
        and secrets.compare_digest(token, dossier.citizen_token)
    )


def applicant_access(request: HttpRequest, dossier: Dossier, token: str = "") -> str:
    """ "full" (the logged-in applicant, the token link, this browser filed it), "view" (the phone check:
    the summary), or ""."""
    if selectors.is_applicant(request.user, dossier):
        return FULL
    if token_ok(dossier, token):
        grant(request, dossier.code, FULL)
        return FULL
    return str(request.session.get(SESSION_ACCESS, {}).get(dossier.code, ""))


def masked_name(name: str) -> str:
    """The applicant's name on the summary the phone check opens: the family name, then initials
    ("Nguyễn Văn An" → "Nguyễn V. A."): the applicant recognises their dossier, a stranger learns little."""
    words = (name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return f"{words[0][:1]}."
    return " ".join([words[0], *(f"{w[:1]}." for w in words[1:])])


def phone_digits(value: str) -> str:
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits


def phone_check(dossier: Dossier, typed: str) -> str:
    """The access the typed phone proves: the whole number or its last 4 digits → "view" (the summary),
    never "full": the personal details, papers, receipt and withdrawal take the citizen token's link
    (a secret sent to the applicant) or their account."""
    stored = phone_digits(dossier.applicant_phone)
    given = phone_digits(typed)
    if not stored or not given:
        return ""
    if secrets.compare_digest(given, stored):
        return VIEW
    if len(given) == 4 and secrets.compare_digest(given, stored[-4:]):
        return VIEW
    return ""


# --- Rating the service ----------------------------------------------------------------------------

# A dossier processed to its end can be rated (a withdrawn one was not processed).
RATEABLE_STATUSES = frozenset(s for s in FINISHED_STATUSES if s != Status.WITHDRAWN)


@dataclass
class RatingOffer:
    url: str  # the rating page (with the citizen token), "" once rated
    level: str  # the rating given, as shown ("" before)


def rating_offer(dossier: Dossier) -> RatingOffer | None:
    """For the applicant's own view of a finished dossier: the link to rate its service, or the rating
    they gave. None while the dossier is open, or when it was withdrawn."""
    if dossier.status not in RATEABLE_STATUSES:
        return None
    ratings = getattr(dossier, "ratings", None)
    if ratings is None:  # the ratings app is not installed
        return None
    given = ratings.filter(channel="web").first()
    if given is not None:
        return RatingOffer(url="", level=str(given.get_level_display()))
    url = rating_link(dossier, absolute=False)
    return RatingOffer(url=url, level="") if url else None


# --- Rows for the templates -----------------------------------------------------------------------


@dataclass
class StepRow:
    step: DossierStep
    current: bool
    done: bool
    late: bool
    stopped: bool = False  # the step the dossier was at when it was refused or withdrawn: not done by anyone


def step_rows(dossier: Dossier, steps: list[DossierStep]) -> list[StepRow]:
    stopped_at = None
    if dossier.status in (Status.REFUSED, Status.WITHDRAWN):
        # Refusing or withdrawing closes the current step (with no timeliness): the last one closed.
        closed = [s for s in steps if s.completed_at is not None]
        last = max(closed, key=lambda s: s.completed_at, default=None)
        stopped_at = last.pk if last is not None and not last.punctuality else None
    return [
        StepRow(
            step=s,
            current=s.pk == dossier.current_step_id,
            done=s.completed_at is not None and s.pk != stopped_at,
            late=s.punctuality == Punctuality.LATE,
            stopped=s.pk == stopped_at,
        )
        for s in steps
    ]


def event_rows(events: list[DossierEvent], *, public_only: bool, with_notes: bool) -> list[dict[str, Any]]:
    rows = []
    for e in events:
        if public_only and not e.public:
            continue
        rows.append(
            {
                "event": e,
                "kind": DossierEvent.Kind(e.kind).label if e.kind in DossierEvent.Kind.values else e.kind,
                "from": Status(e.status_from).label if e.status_from in Status.values else "",
                "to": Status(e.status_to).label if e.status_to in Status.values else "",
                "note": e.display_note if with_notes else "",  # in the reader's language
                "actor": e.display_actor,
            }
        )
    return rows


def serve_document(dossier: Dossier, pk: int) -> HttpResponse | None:
    """A paper's file, never through a public media URL; None when there is no such file."""
    paper = next((d for d in dossier.documents.all() if d.pk == pk), None)
    if paper is None or not paper.file:
        return None
    name = paper.file.name.rsplit("/", 1)[-1]
    try:
        handle = paper.file.open("rb")
    except OSError:
        return None
    response = FileResponse(
        handle,
        content_type=paper.content_type or "application/octet-stream",
        as_attachment=paper.content_type not in ("application/pdf", "image/jpeg", "image/png"),
        filename=name,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def requirements_asked_first(dossier: Dossier, events: list[DossierEvent]) -> list[ProcedureDocument]:
    """The procedure's papers for an upload of additional papers: while a request waits, the papers it
    names first (marked `asked`), then the others in the catalog's order."""
    asked = selectors.papers_asked(dossier, events)
    papers = list(dossier.procedure.documents.all())
    for paper in papers:
        paper.asked = paper.pk in asked  # type: ignore[attr-defined]
    return sorted(papers, key=lambda p: not p.asked)  # type: ignore[attr-defined]


def papers_of(dossier: Dossier) -> list[DossierDocument]:
    return sorted(dossier.documents.all(), key=lambda d: (d.is_supplement, d.added_at, d.pk))


def papers_uploaded(files: Any, documents: list[ProcedureDocument]) -> list[Upload]:
    """The files posted as `doc_<document id>`; a chosen file of 0 bytes is refused as empty, naming its
    paper (the form parser would pass it over, and the paper would then be called missing)."""
    names = {d.pk: d.label for d in documents}
    for field in files:
        if not field.startswith(FILE_PREFIX):
            continue
        number = field[len(FILE_PREFIX) :]
        for item in files.getlist(field):
            if item.size == 0:
                raise empty_file(names.get(int(number), field) if number.isdigit() else field, item)
    return uploads_from(files, set(names))
