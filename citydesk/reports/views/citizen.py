"""Citizen pages: the report form, the confirmation, the wards map layer, tracking, rating, following."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import shapely
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citydesk.core.audit import Actor
from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import (
    AdminUnit,
    BoundaryKind,
    DivisionLevel,
    User,
)
from citydesk.core.units import normalize_code
from citydesk.dossiers import staging
from citydesk.lib.text import nfc, nfc_lines, tracking_code
from citydesk.reports import selectors, services
from citydesk.reports.attachments import attachment_add
from citydesk.reports.forms import (
    CheckedFile,
    DomainErrorForm,
    FollowForm,
    LookupForm,
    RatingForm,
    ReportForm,
    answer_rows,
    category_label,
    grouped,
    new_idempotency_key,
)
from citydesk.reports.models import (
    Channel,
    Follower,
    Rating,
    RejectReason,
    Report,
    ReportEvent,
    Status,
    number_public_files,
)
from citydesk.reports.services import citizen as citizen_services
from citydesk.reports.services.common import (
    read_unfollow_key,
    reopen_until,
    reporter_addresses,
    unfollow_key,
)
from citydesk.reports.services.intake import ReportsLimited, WardMismatch, acknowledged
from citydesk.reports.services.replies import MAX_REPLY
from citydesk.reports.system_notes import WAITING
from citydesk.reports.views.common import (
    DEFAULT_PROVINCE,
    SESSION_FOLLOWING,
    SESSION_SUBMITTED,
    SIMPLIFY_ABOVE_POINTS,
    SIMPLIFY_TOLERANCE_DEG,
    WARDS_GEOJSON_CACHE_SECONDS,
    _code,
    _forbidden,
    _map_settings,
    _not_found,
    _overdue,
    _province_centre,
    _provinces,
    _remember,
    _report_categories,
    _status_of,
    _token_ok,
    _unit_gloss,
    _ward_options,
    division_words,
    event_statuses,
)

log = logging.getLogger("citydesk.reports")

# --- Citizen report form --------------------------------------------------------------------------


SESSION_LAST_SENT = "reports_last_sent"  # [fingerprint, code, time] of this browser's last report
RESEND_WINDOW_S = 15 * 60


def _submission_fingerprint(data: dict[str, Any], answers: dict[str, Any]) -> str:
    """What makes two sends of the form the same report (the idempotency key aside: a page fetched again
    after Back carries a new key while the browser restores what was typed)."""
    keys = ("category", "description", "lon", "lat", "address", "ward_code", "province")
    keys += ("contact_name", "contact_phone", "contact_email", "keep_private")
    fields = [str(data.get(k) or "") for k in keys]
    payload = json.dumps([fields, answers], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _recently_sent(request: HttpRequest, fingerprint: str) -> str:
    """The code of the report this browser sent with the same content in the last minutes, or ""."""
    last = request.session.get(SESSION_LAST_SENT)
    if not (isinstance(last, list) and len(last) == 3 and last[0] == fingerprint):
        return ""
    if time.time() - float(last[2]) > RESEND_WINDOW_S or not Report.objects.filter(code=last[1]).exists():
        return ""
    return str(last[1])


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    categories = _report_categories()
    status = 200
    place_question: dict[str, str] | None = None
    retry_after: int | None = None
    if request.method == "POST":
        form = ReportForm(request.POST, categories=categories)
        # The photos attached on an earlier try, kept for this browser (shown as attached on the form).
        kept = kept_files(request, REPORT_FORM_FILES, request.POST.getlist(STAGED_FIELD))
        photos = request.FILES.getlist("photos")
        form.is_valid()
        if request.POST.get(UNSTAGE_FIELD):  # "Remove" beside a kept photo: nothing is sent
            form.errors.clear()
            kept, notice = unstage(request, kept, request.POST[UNSTAGE_FIELD])
            good = form.check_photos(photos, kept=len(kept))  # photos chosen meanwhile are kept too
            kept = stage_files(request, REPORT_FORM_FILES, good, kept)
            status = 400 if form.errors else 200
            return _report_form_page(request, form, categories, kept=kept, notice=notice, status=status)
        # The photos are listed with the other problems, not one round later.
        good = form.check_photos(photos, kept=len(kept))
        if not form.errors:
            data = form.cleaned_data
            reporter = request.user if request.user.is_authenticated else None
            fingerprint = _submission_fingerprint(data, form.answers())
            sent = _recently_sent(request, fingerprint)
            if sent:  # the same form sent again (Back, then Send): one report, not two
                staging.discard(request, kept)
                messages.info(request, _("This report was already sent as %(code)s.") % {"code": sent})
                return redirect("reports:sent", code=sent)
            try:
                intake = services.report_submit(
                    category=data["category"] or None,
                    description=data["description"],
                    channel=Channel.WEB,
                    lon=data["lon"],
                    lat=data["lat"],
                    address=data["address"],
                    ward_code=data.get("ward_code") or None,
                    province_code=data.get("province") or None,  # an address without its ward
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    contact_email=data["contact_email"],
                    show_name_publicly=data["show_name_publicly"],
                    is_public=not data["keep_private"],
                    answers=form.answers(),
                    reporter=reporter,
                    idempotency_scope="web",
                    idempotency_key=data["idempotency_key"],
                    ask_ward=True,  # a point in another ward than the one typed: which is right?
                    confirmed_ward=data.get("confirmed_ward") or "",
                    network_address=request.META.get("REMOTE_ADDR", ""),
                )
            except NotAllowed as exc:
                return _forbidden(request, exc.message)
            except WardMismatch as exc:
                place_question = _place_question(exc)
                status = 400
            except ReportsLimited as exc:  # too many from this network address: nothing stored
                form.add_domain_error(exc)
                status, retry_after = 429, exc.retry_after
            except DomainError as exc:
                form.add_domain_error(exc)
                status = _status_of(exc)
            else:
                report = intake.report
                if intake.created:  # the photos kept from earlier tries first: chosen first
                    _attach_photos(request, report, [*staged_uploads(kept), *photos], reporter)
                staging.discard(request, kept)  # stored with the report (or with its first send)
                _remember(request, SESSION_SUBMITTED, report.code)
                request.session[SESSION_LAST_SENT] = [fingerprint, report.code, time.time()]
                return redirect("reports:sent", code=report.code)
        # Refused: the photos that passed their checks are kept for the next try (not chosen again).
        kept = stage_files(request, REPORT_FORM_FILES, good, kept)
        status = max(status, 400)
        response = _report_form_page(
            request, form, categories, kept=kept, place_question=place_question, status=status
        )
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response
    initial: dict[str, Any] = {"province": DEFAULT_PROVINCE}
    if request.user.is_authenticated:  # their own details, to keep or change for this report
        user = request.user
        initial.update(contact_name=user.full_name, contact_email=user.email, contact_phone=user.phone)
    form = ReportForm(initial=initial, categories=categories)
    return _report_form_page(request, form, categories)


def _report_form_page(
    request: HttpRequest,
    form: ReportForm,
    categories: list[Any],
    *,
    kept: list[staging.StagedFile] | None = None,
    notice: str = "",
    place_question: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The report form, new or sent back with its problems (what was typed kept, the photos too)."""
    idempotency_key = (form.data.get("idempotency_key") if form.is_bound else "") or new_idempotency_key()
    province = form["province"].value() or DEFAULT_PROVINCE
    centre_lon, centre_lat = _province_centre(province)
    description = str(form["description"].value() or "")
    context = {
        "form": form,
        "category_options": [(c.code, category_label(c)) for c in categories],
        "question_groups": form.question_groups(),
        "js_config": _report_form_js_config(),
        "provinces": _provinces(),
        "province": province,
        "wards": _ward_options(province),
        "ward_words": division_words(),
        "centre_lon": centre_lon,
        "centre_lat": centre_lat,
        "idempotency_key": idempotency_key,
        "max_photos": settings.CITYDESK_MAX_ATTACHMENTS,
        "max_photo_mb": settings.CITYDESK_MAX_ATTACHMENT_MB,
        "non_field_errors": form.non_field_errors(),
        "place_question": place_question,
        "staged": kept or [],
        "staged_hours": staged_hours(),
        "staged_notice": notice,
        # Photos were chosen but none could be kept (the keeping is switched off): they must be chosen again.
        "photos_lost": form.is_bound and bool(request.FILES.getlist("photos")) and not kept,
        "description_count": text_counter(description, services.MAX_DESCRIPTION, _DESCRIPTION_BOX),
        **_map_settings(),
    }
    return render(request, "reports/report_form.html", context, status=status)


# --- Files kept from a refused form (report form, reply) -------------------------------------------
# The good files of a refused send are kept as the online dossier form keeps them (dossiers/staging.py:
# stored privately, never served, listed in this browser's session only, for CITYDESK_STAGED_UPLOAD_HOURS,
# purged by the task worker). Its "procedure" is the form here, its "paper" the file's place in the list.

REPORT_FORM_FILES = "reports/new"
STAGED_FIELD = "staged"  # a hidden field per kept file: its id
UNSTAGE_FIELD = "unstage"  # the "Remove" button beside a kept file: its id


def reply_files_key(code: str) -> str:
    return f"{code}/reply"


def staged_hours() -> int:
    return int(staging.lifetime().total_seconds() // 3600)


def kept_files(request: HttpRequest, key: str, posted: list[str]) -> list[staging.StagedFile]:
    """The kept files a form carries back (`staged` ids): only those this browser's session kept for this
    form, not expired and still stored, in the order they were chosen. Any other id is passed over."""
    wanted = [str(v).strip()[:64] for v in posted[:50] if str(v).strip()]
    if not wanted:
        return []
    mine = staging.session_files(request)
    found = {s.id: s for s in (mine.get(i) for i in wanted) if s is not None and s.procedure == key}
    alive = [s for s in found.values() if default_storage.exists(s.path)]
    return sorted(alive, key=lambda s: s.document_id)


def stage_files(
    request: HttpRequest, key: str, good: list[CheckedFile], kept: list[staging.StagedFile]
) -> list[staging.StagedFile]:
    """Keep the files that passed their checks, after those kept before; returns every file now kept."""
    first = max((s.document_id for s in kept), default=0) + 1
    fresh = [
        staging.Candidate(document_id=first + n, upload=f.upload, data=f.data, content_type=f.content_type)
        for n, f in enumerate(good)
    ]
    if not fresh:
        return kept
    shown = staging.stage(request, key, fresh, {s.document_id: s for s in kept})
    return sorted(shown.values(), key=lambda s: s.document_id)


def unstage(
    request: HttpRequest, kept: list[staging.StagedFile], staged_id: str
) -> tuple[list[staging.StagedFile], str]:
    """The kept file the citizen removes ("Remove" beside it): deleted; the files left, and what to say."""
    gone = next((s for s in kept if s.id == staged_id), None)
    if gone is None:
        return kept, ""
    staging.discard(request, [gone])
    return [s for s in kept if s is not gone], _("The file “%(name)s” was removed.") % {"name": gone.name}


def staged_uploads(kept: list[staging.StagedFile]) -> list[Any]:
    """The kept files as uploads for the services (one deleted meanwhile is left out)."""
    return [upload.file for upload in staging.uploads_of(kept)]


# The counters under the long texts (no maxlength: a browser would cut a pasted text without a word).
_DESCRIPTION_BOX = "description"
_COMMENT_BOX = "comment"
_REPLY_BOX = "reply"


def text_counter(value: str, limit: int, box: str) -> dict[str, Any]:
    """What a text box's counter says: the characters left, or how many too many, counted as the server
    stores the text (`nfc_lines`; a reply also drops its empty lines), with the words reports.js fills in
    as one types (`mode`: how it counts), in the page's language."""
    over = {
        _DESCRIPTION_BOX: _("%(n)s characters too many: shorten the description"),
        _COMMENT_BOX: _("%(n)s characters too many: shorten the comment"),
        _REPLY_BOX: _("%(n)s characters too many: shorten your answer"),
    }[box]
    mode = "reply" if box == _REPLY_BOX else "lines"
    left = limit - len(reply_text_as_stored(value) if mode == "reply" else nfc_lines(value or ""))
    words = {"left": _("%(n)s characters left"), "over": over}
    text = (words["left"] if left >= 0 else words["over"]) % {"n": grouped(abs(left))}
    return {"max": limit, "text": text, "over_limit": left < 0, "mode": mode, **words}


def reply_text_as_stored(text: str) -> str:
    """A reply as `services.replies` stores it (each line NFC, empty lines dropped): what its limit counts."""
    return "\n".join(line for line in map(nfc, (text or "").splitlines()) if line)


def _place_question(mismatch: WardMismatch) -> dict[str, str]:
    """The question when the point on the map and the commune/ward typed disagree: both answers, each
    sending the form again with that ward confirmed (what was typed is kept)."""
    return {
        "text": mismatch.message,
        "point_code": mismatch.at_point.code,
        "point_label": _("%(ward)s (the point on the map)") % {"ward": mismatch.at_point.name},
        "given_code": mismatch.given.code,
        "given_label": _("%(ward)s (as you wrote)") % {"ward": mismatch.given.name},
    }


def _report_form_js_config() -> dict[str, Any]:
    """Texts the page's script shows (translated here: the script holds no language of its own)."""
    return {
        "loading": _("Loading…"),
        "no_point": _("No point chosen on the map."),
        "chosen_point": _("Chosen point: %(lat)s, %(lon)s"),
        "locating": _("Finding where you are…"),
        "locate_failed": _(
            "Your location could not be read (the browser was not allowed, or it has no position): pick the "
            "place on the map or enter the address below."
        ),
        "in_unit": _("in %(name)s (ward boundaries are approximate)"),
        "dup_title": _("Is it one of these?"),
        "dup_intro": _(
            "Reports of the same kind were filed close to your point. If yours is the same problem, follow "
            "that report instead: you get its updates and the unit is not asked twice."
        ),
        "dup_follow": _("Follow this one instead"),
        "dup_see": _("See it"),
        # What a screen reader says for each candidate's link and button: which report, and the new tab.
        "dup_see_named": _("See %(code)s (opens in a new tab)"),
        "dup_follow_named": _("Follow %(code)s instead"),
        "dup_distance": _("%(m)s m away"),
        "dup_same_ward": _("In the same commune/ward"),
        "dup_submit": _("No, mine is different: send my report"),
        # Without an account, the e-mail or phone given is sent a code first (the answer's `detail` says which).
        "dup_followed": _(
            "Almost done: if we sent you a confirmation code (by e-mail or SMS), enter it on the page of "
            "%(code)s to receive its updates. You do not need to send your report."
        ),
        "dup_need_contact": _("Give your e-mail or phone above so that we can send you the updates."),
        "dup_error": _("It did not work: %(reason)s"),
        "status": {k: str(v) for k, v in Status.choices},
    }


def _attach_photos(request: HttpRequest, report: Report, photos: list[Any], user: User | None) -> None:
    """Photos go in after the report exists; one refused file does not lose the report."""
    actor = Actor(user_id=user.pk if user else None, label=_("reporter"))
    for upload in photos:
        try:
            attachment_add(report=report, upload=upload, actor=actor, user=user, by_unit=False)
        except DomainError as exc:
            messages.warning(
                request,
                _("The file “%(name)s” was not added: %(reason)s")
                % {"name": upload.name, "reason": exc.message},
            )


@require_GET
def report_sent(request: HttpRequest, code: str) -> HttpResponse:
    code = _code(code)
    if code not in request.session.get(SESSION_SUBMITTED, []):
        return redirect("reports:track", code=code)
    report = selectors.report_for_page(code)
    if report is None:
        return _not_found(request, _("No report %(code)s.") % {"code": code})
    track_path = reverse("reports:track", args=[report.code]) + "?" + urlencode({"t": report.citizen_token})
    context = {
        "report": report,
        "category_name": category_label(report.category),
        "track_path": track_path,
        "track_url": request.build_absolute_uri(track_path),
        "photo_count": len(report.attachments.all()),
        "acknowledged": acknowledged(report),  # past the day's messages to that address, none was sent
    }
    return render(request, "reports/report_sent.html", context)


@require_GET
def wards_geojson(request: HttpRequest) -> HttpResponse:
    """The province's commune/ward polygons as GeoJSON: the map's base layer (there is no tile server)."""
    try:
        province = normalize_code(request.GET.get("province", DEFAULT_PROVINCE), level=DivisionLevel.PROVINCE)
    except DomainError as exc:
        return JsonResponse({"detail": exc.message, "field": "province"}, status=400)
    wards = AdminUnit.objects.filter(province_id=province, level=DivisionLevel.WARD)
    version = wards.aggregate(
        n=Count("code"), official=Count("code", filter=Q(boundary_kind=BoundaryKind.OFFICIAL))
    )
    if not version["n"]:
        return JsonResponse(
            {"detail": _("Unknown province code “%(c)s”.") % {"c": province}, "field": "province"}, status=404
        )
    key = f"reports:wards-geojson:1:{province}:{version['n']}:{version['official']}"
    body = cache.get(key)
    if body is None:
        body = _wards_feature_collection(province)
        cache.set(key, body, WARDS_GEOJSON_CACHE_SECONDS)
    response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={WARDS_GEOJSON_CACHE_SECONDS}"
    return response


def _wards_feature_collection(province: str) -> str:
    rows = list(
        AdminUnit.objects.filter(province_id=province, level=DivisionLevel.WARD, boundary__isnull=False)
        .order_by("code")
        .values_list("code", "name", "boundary", "boundary_kind")
    )
    shapes = [(code, name, shapely.geometry.shape(geometry), kind) for code, name, geometry, kind in rows]
    points = int(sum(int(shapely.get_num_coordinates(shape)) for _c, _n, shape, _k in shapes))
    simplify = bool(points > SIMPLIFY_ABOVE_POINTS)
    features = []
    for code, name, shape, kind in shapes:
        if simplify:
            shape = shapely.simplify(shape, SIMPLIFY_TOLERANCE_DEG, preserve_topology=True)
        shape = shapely.set_precision(shape, 1e-5)
        if shape.is_empty:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": code,
                    "name": name,
                    "approximate": kind != BoundaryKind.OFFICIAL,
                },
                "geometry": shapely.geometry.mapping(shape),
            }
        )
    collection = {
        "type": "FeatureCollection",
        "properties": {"province": province, "simplified": simplify},
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"))


# --- Tracking (public) ----------------------------------------------------------------------------


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.GET or None)
    error = ""
    status = 200
    dossier_code = ""
    if form.is_bound and form.is_valid():
        code = tracking_code(form.cleaned_data["code"])  # "pa 26 15" -> PA-26-000015
        if not code:
            error = _("Enter the tracking code, for example PA-26-000123.")
            status = 400
        elif (
            Report.objects.filter(code=code, is_public=True)
            .exclude(status=Status.REJECTED, reject_reason=RejectReason.SPAM)
            .exists()
        ):
            return redirect("reports:track", code=code)
        elif code.startswith("HS-"):  # a dossier's code typed here: lead to where it is looked up
            error = _("%(code)s is the code of an administrative dossier, not of a report.") % {"code": code}
            dossier_code = code
            status = 404
        else:
            error = _("No report %(code)s.") % {"code": code}
            status = 404
    context = {"form": form, "error": error, "dossier_code": dossier_code}
    return render(request, "reports/lookup.html", context, status=status)


@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    confirm_form = None
    link = request.GET.get(citizen_services.CONFIRM_LINK_PARAMETER, "")
    if link:  # the e-mail's confirmation link: the form filled in, confirmed by the visitor's button
        found = citizen_services.read_confirm_link(link, _code(code))
        if found is not None:
            confirm_form = FollowConfirmForm(initial={"email": found[0], "pin": found[1]})
    return _track_response(request, code, token=request.GET.get("t", ""), confirm_form=confirm_form)


def _track_response(
    request: HttpRequest,
    code: str,
    *,
    token: str,
    rating_form: RatingForm | None = None,
    follow_form: FollowForm | None = None,
    confirm_form: FollowConfirmForm | None = None,
    reply_error: dict[str, str] | None = None,
    reply_kept: list[staging.StagedFile] | None = None,
    reply_notice: str = "",
    status: int = 200,
) -> HttpResponse:
    """The tracking page; after a refused form, that form's errors (`reply_error`: {field, message}), and
    for the reply the files kept from it (`reply_kept`) or the one just removed (`reply_notice`)."""
    report = selectors.report_for_page(_code(code))
    if report is None:
        return _not_found(request, _("No report %(code)s.") % {"code": _code(code)})
    token_ok = _token_ok(report, token)
    is_reporter = request.user.is_authenticated and report.reporter_id == request.user.pk
    if not report.shown_to_public and not (token_ok or is_reporter):
        return _not_found(request, _("No report %(code)s.") % {"code": _code(code)})
    try:
        rating = report.rating
    except ObjectDoesNotExist:
        rating = None
    as_reporter = token_ok or is_reporter
    # The rating's comment is for the handling unit and the reporter; the public sees the level only.
    sees_comment = as_reporter or selectors.handles(request.user, report)
    levels = selectors.rating_level_labels()
    events = [
        {
            "event": e,
            "kind": _event_title(e),
            # A merge reads as one ("Received → Merged as a duplicate"), not as a rejection.
            "from": event_statuses(e)[0],
            "to": event_statuses(e)[1],
            # Older rating events carried the comment too: shown to the public only when it is just the level.
            "note": selectors.event_note_for(e, sees_comment=sees_comment, levels=levels),
        }
        for e in report.events.all()
        # The reporter also sees their own answers to the unit's questions (internal: not for the public).
        if e.public or (as_reporter and e.kind == ReportEvent.Kind.REPLY)
    ]
    files = list(report.attachments.all())
    number_public_files(files)
    photos = [
        {
            "attachment": a,
            "url": f"/api/v1/reports/{report.code}/attachments/{a.pk}/public",
            # The name it came with often names its sender ("CCCD_Nguyen_Van_Cuong_0903123456.jpg").
            "name": a.original_name if as_reporter else a.public_name,
            # What the photo is, for those who do not see it: not a file name with its extension.
            "alt": _("Photo %(n)s of report %(code)s") % {"n": a.public_number, "code": report.code},
        }
        for a in files
        if a.public and a.public_file
    ]
    may_rate = as_reporter and citizen_services.rating_open(report, rating)
    until = reopen_until(report)
    # Following a closed or rejected report brings nothing: no offer (a merged one points to its master).
    may_follow = not as_reporter and not citizen_services.follow_refusal(report)
    following = _following(request, report) if may_follow else None
    pending = _pending_follow(request, report) if may_follow and following is None else None
    if confirm_form is None:
        confirm_form = FollowConfirmForm(initial=pending or {})
    # Just sent a code (the follow button): the page opens at #follow, which then takes the focus, described
    # by the status saying where the code went (a status there from the start is not read out by itself).
    sent_now = _code_just_sent(request, report) and pending is not None
    context = {
        "report": report,
        # The reporter's own answers to the category's questions (others read the description only).
        "answers": answer_rows(report.category, report.answers) if as_reporter else [],
        "category_name": category_label(report.category),
        "unit_gloss": _unit_gloss(report.unit),
        # Shown when the reporter asked for it; to others without a phone number written into it.
        "reporter_name": report.contact_name
        if as_reporter and report.show_name_publicly
        else report.public_reporter_name,
        # The reporter reads what they wrote; everyone else without the contacts typed into it.
        "description": report.description if as_reporter else report.public_description,
        # So are the address and what was done (an officer's "gọi 0903123456 nếu còn hư").
        "place": report.place if as_reporter else report.public_place,
        "resolution": report.resolution if as_reporter else report.public_resolution,
        "overdue": _overdue(report, timezone.now()),
        "events": events,
        "photos": photos,
        # A rating of an earlier resolution (the report was reopened since) is in the history only.
        "rating": None if citizen_services.rating_superseded(report, rating) else rating,
        "rating_comment": rating.comment if rating is not None and sees_comment else "",
        "token": token if token_ok else "",
        "token_given_but_wrong": bool(token) and not token_ok,
        "as_reporter": as_reporter,
        "may_rate": may_rate,
        "rerating": may_rate and rating is not None,
        "rating_form": rating_form or RatingForm(),
        "comment_count": text_counter(
            str((rating_form or RatingForm())["comment"].value() or ""),
            citizen_services.MAX_RATING_COMMENT,
            _COMMENT_BOX,
        ),
        "reply_count": text_counter(
            str(request.POST.get("text", "")) if reply_error is not None or reply_notice else "",
            MAX_REPLY,
            _REPLY_BOX,
        ),
        "reply_staged": reply_kept or [],
        "reply_notice": reply_notice,
        "staged_hours": staged_hours(),
        "reply_error": reply_error,
        # A refusal when the form is no longer offered (already rated, reopened…) still needs saying.
        "rating_problem": ""
        if may_rate or rating_form is None
        else " ".join(str(e) for errors in rating_form.errors.values() for e in errors),
        "rating_levels": [(value, str(label)) for value, label in Rating.Level.choices],
        "follow_form": follow_form or FollowForm(),
        # A code was sent to an address from this browser (or the e-mail's link was opened): ask for it.
        "confirm_form": confirm_form,
        "follow_pending": pending,
        "follow_sent": _follow_sent_text(pending, report.code) if pending else "",
        "follow_sent_now": sent_now,
        "confirm_open": bool(pending or confirm_form.initial or confirm_form.errors),
        "may_follow": may_follow,
        "merged_into": report.duplicate_of
        if report.duplicate_of_id and report.duplicate_of.is_public
        else None,
        # A refused follow when the form is no longer offered still needs saying.
        "follow_problem": ""
        if may_follow or follow_form is None
        else " ".join(str(e) for errors in follow_form.errors.values() for e in errors),
        # The reporter's own contact details (never the public's): where the report's messages go.
        "contact": _reporter_contact(report) if as_reporter else None,
        "following": following,
        "following_to": _updates_to(following) if following is not None else "",
        "unfollow_key": unfollow_key(following.pk, report.code) if following is not None else "",
        # A signed-in follower is told where the updates will go: the account's e-mail, if it has one.
        "account_email": request.user.email if request.user.is_authenticated else "",
        "reopen_days": settings.CITYDESK_REOPEN_DAYS,
        "reopen_until": until if until is not None and timezone.now() <= until else None,
    }
    context["page_errors"] = _track_page_errors(context, rating_form, follow_form, reply_error)
    if confirm_form.errors:
        context["page_errors"] += [
            {"message": str(e), "href": _CONFIRM_ANCHORS.get(name, "#follow") if may_follow else "#follow"}
            for name, errors in confirm_form.errors.items()
            for e in errors
        ]
    return render(request, "reports/track.html", context, status=status)


def _event_title(event: ReportEvent) -> str:
    """A history line's title: its kind ("Status change", "Note"…); a pause says what it is, not
    "Deadline" (the clock's kind)."""
    if event.kind == ReportEvent.Kind.SLA and event.note_key == WAITING:
        return _("Paused – waiting for more information")
    return str(ReportEvent.Kind(event.kind).label) if event.kind in ReportEvent.Kind.values else event.kind


def _follow_sent_text(pending: dict[str, str], code: str) -> str:
    """Where the code to follow the report went (masked, as the API says it), and what to do with it."""
    email = str(pending.get("email") or "")
    if email:
        name, _at, domain = email.partition("@")
        return _(
            "We sent a confirmation code to %(to)s. Enter it below (or open the link in the e-mail) to "
            "start receiving the updates on %(code)s."
        ) % {"to": f"{name[:2]}***@{domain}", "code": code}
    return _(
        "We sent a 6-digit code by SMS to %(to)s. Enter it below to start receiving the updates on %(code)s."
    ) % {"to": services.mask_phone(str(pending.get("phone") or "")), "code": code}


SESSION_FOLLOW_SENT = "reports_follow_sent"  # the report whose follow code was just sent from this browser


def _code_just_sent(request: HttpRequest, report: Report) -> bool:
    """Was a code just sent from this page (the follow button)? Said once: the next view of the page
    leaves the focus where it is."""
    if request.session.get(SESSION_FOLLOW_SENT) != report.code:
        return False
    del request.session[SESSION_FOLLOW_SENT]
    return True


# Where each refused field is on the tracking page (the error summary links there).
_RATING_ANCHORS = {"level": "#field-level", "comment": "#field-comment", "reopen": "#field-reopen"}
_FOLLOW_ANCHORS = {"email": "#field-email", "phone": "#field-phone"}
_CONFIRM_ANCHORS = {"email": "#field-confirm-email", "phone": "#field-confirm-phone", "pin": "#field-pin"}
_REPLY_ANCHORS = {"text": "#field-reply-text", "files": "#field-reply-files"}


def _track_page_errors(
    context: dict[str, Any],
    rating_form: RatingForm | None,
    follow_form: FollowForm | None,
    reply_error: dict[str, str] | None,
) -> list[dict[str, str]]:
    """The refusals of a rating, follow or reply sent from the tracking page, for the summary at the top of
    the page (focused when the page opens): each with a link to its field, else to its form's section."""
    problems: list[dict[str, str]] = []
    if rating_form is not None:
        shown = context["may_rate"]
        for name, errors in rating_form.errors.items():
            href = _RATING_ANCHORS.get(name, "#rate") if shown else "#rate"
            problems += [{"message": str(e), "href": href} for e in errors]
    if follow_form is not None:
        # The address fields are on the page only when the account has no e-mail address of its own.
        fields_shown = context["may_follow"] and not context["following"] and not context["account_email"]
        for name, errors in follow_form.errors.items():
            href = _FOLLOW_ANCHORS.get(name, "#follow") if fields_shown else "#follow"
            problems += [{"message": str(e), "href": href} for e in errors]
    if reply_error:
        report = context["report"]
        reply_open = context["as_reporter"] and not (
            report.duplicate_of_id or report.status in (Status.CLOSED, Status.REJECTED)
        )
        href = _REPLY_ANCHORS.get(reply_error.get("field") or "", "#reply") if reply_open else "#reply"
        problems.append({"message": reply_error["message"], "href": href if context["as_reporter"] else ""})
    return problems


@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    form = RatingForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    token = data.get("t", "")
    try:
        report = services.report_rate(
            code=_code(code),
            level=data.get("level", ""),
            comment=data.get("comment", ""),
            reopen=bool(data.get("reopen")),
            user=request.user if request.user.is_authenticated else None,
            token=token,
        )
    except NotFound as exc:
        return _not_found(request, exc.message)
    except NotAllowed as exc:
        return _forbidden(request, exc.message)
    except DomainError as exc:
        form.add_domain_error(exc)
        return _track_response(request, code, token=token, rating_form=form, status=_status_of(exc))
    if report.status == Status.REOPENED:
        messages.success(request, _("Thank you. The report is reopened and goes back to the handling unit."))
    else:
        messages.success(request, _("Thank you for rating the handling of your report."))
    url = reverse("reports:track", args=[report.code])
    return redirect(f"{url}?{urlencode({'t': token})}" if token else url)


def _reporter_contact(report: Report) -> dict[str, str]:
    """The contact details given with the report, for the reporter's own page."""
    email, _phone = reporter_addresses(report)
    return {
        "name": report.contact_name,
        "phone": report.contact_phone,
        "email": report.contact_email,
        # Without an e-mail given for the report, its messages go to the account's address.
        "account_email": email if email != report.contact_email else "",
    }


def _following(request: HttpRequest, report: Report) -> Follower | None:
    """How this visitor follows the report: their account's follow, or one made from this browser."""
    if request.user.is_authenticated:
        mine = Follower.objects.filter(report=report, user=request.user).first()
        if mine is not None:
            return mine
    ids = request.session.get(SESSION_FOLLOWING, [])
    if not ids:
        return None
    return Follower.objects.filter(report=report, pk__in=ids).select_related("user").first()


def _updates_to(follower: Follower) -> str:
    """Where a follower's updates go, as the page says it (someone else's address masked)."""
    if follower.user_id:
        return follower.user.email
    if follower.email:
        return _follower_address(follower)
    return _("%(phone)s (SMS)") % {"phone": services.mask_phone(follower.phone)}


class FollowConfirmForm(DomainErrorForm):
    """The code sent to an e-mail or phone, given back on the tracking page."""

    field_map = {"code": "pin"}  # the service names the code it sent `code`, as the API's body does

    email = forms.CharField(required=False, strip=True)
    phone = forms.CharField(required=False, strip=True)
    pin = forms.CharField(required=False, strip=True, max_length=20)


SESSION_FOLLOW_PENDING = "reports_follow_pending"  # {report code: {"email"|"phone": address}} sent a code


def _pending_follow(request: HttpRequest, report: Report) -> dict[str, str] | None:
    """The address this browser asked a code for, to follow the report (the page asks for the code)."""
    pending = request.session.get(SESSION_FOLLOW_PENDING, {})
    found = pending.get(report.code) if isinstance(pending, dict) else None
    return found if isinstance(found, dict) else None


def remember_pending_follow(request: HttpRequest, code: str, contact: dict[str, str] | None) -> None:
    """Remember (or, with None, forget) the address this browser asked a code for: the tracking page then
    opens on the code's form (also after the report form's "follow this one instead", through the API)."""
    pending = request.session.get(SESSION_FOLLOW_PENDING, {})
    pending = {k: v for k, v in pending.items() if k != code} if isinstance(pending, dict) else {}
    if contact is not None:
        pending[code] = contact
    request.session[SESSION_FOLLOW_PENDING] = dict(list(pending.items())[-20:])


def _followed_here(request: HttpRequest, follower: Follower) -> None:
    """A follow without an account: the page says so, and offers to stop, in this browser."""
    if follower.user_id is None:
        followed = [i for i in request.session.get(SESSION_FOLLOWING, []) if i != follower.pk]
        request.session[SESSION_FOLLOWING] = [*followed, follower.pk][-50:]


@require_POST
def follow(request: HttpRequest, code: str) -> HttpResponse:
    """Follow from the tracking page: with the account at once; another e-mail or phone is sent a code,
    which the same page then asks for (a POST with `pin`: `_follow_confirm`)."""
    if "pin" in request.POST:
        return _follow_confirm(request, code)
    form = FollowForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    # An account without an e-mail address follows with the e-mail or phone given (the web has no inbox);
    # its own phone needs no code.
    signed_in = request.user.is_authenticated
    as_account = signed_in and bool(request.user.email)
    email, phone = ("", "") if as_account else (data.get("email", ""), data.get("phone", ""))
    try:
        asked = citizen_services.report_follow_request(
            code=_code(code),
            user=request.user if as_account or (signed_in and (email or phone)) else None,
            email=email,
            phone=phone,
            client=request.META.get("REMOTE_ADDR", ""),
        )
    except NotFound as exc:
        return _not_found(request, exc.message)
    except NotAllowed as exc:
        return _forbidden(request, exc.message)
    except DomainError as exc:
        form.add_domain_error(exc)
        return _track_response(request, code, token="", follow_form=form, status=exc.status)
    url = reverse("reports:track", args=[_code(code)])
    if asked.outcome is None:  # a code was sent: the page asks for it
        remember_pending_follow(
            request, _code(code), {"email": asked.email} if asked.email else {"phone": asked.phone}
        )
        # The page says where the code went, in the code's form; its section takes the focus (track.html).
        request.session[SESSION_FOLLOW_SENT] = _code(code)
        return redirect(f"{url}#follow")
    outcome = asked.outcome
    _followed_here(request, outcome.follower)
    if outcome.created:
        messages.success(request, _("You will receive updates on %(code)s.") % {"code": _code(code)})
    else:
        messages.info(request, _("You already follow %(code)s: nothing changed.") % {"code": _code(code)})
    return redirect(url)


def _follow_confirm(request: HttpRequest, code: str) -> HttpResponse:
    form = FollowConfirmForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        outcome = citizen_services.report_follow_confirm(
            code=_code(code),
            pin=data.get("pin", ""),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
        )
    except NotFound as exc:
        return _not_found(request, exc.message)
    except DomainError as exc:
        form.add_domain_error(exc)
        return _track_response(request, code, token="", confirm_form=form, status=exc.status)
    remember_pending_follow(request, _code(code), None)
    _followed_here(request, outcome.follower)
    if outcome.created:
        messages.success(
            request, _("Confirmed: you will receive updates on %(code)s.") % {"code": _code(code)}
        )
    else:
        messages.info(request, _("You already follow %(code)s: nothing changed.") % {"code": _code(code)})
    return redirect("reports:track", code=_code(code))


@require_http_methods(["GET", "POST"])
def unfollow(request: HttpRequest, key: str) -> HttpResponse:
    """The "stop following" link of an update e-mail: GET asks to confirm, POST stops (no login needed:
    the link is signed). Opening the link alone changes nothing (mail scanners open links)."""
    parsed = read_unfollow_key(key)
    if parsed is None:
        return _not_found(request, _("This link is not valid."))
    follower = citizen_services.follower_for_key(key)
    done = False
    if request.method == "POST" and follower is not None:
        citizen_services.report_unfollow(key=key)
        done = True
    following = follower is not None and not done
    context = {
        "code": parsed[0],
        "address": _follower_address(follower) if follower is not None and following else "",
        "following": following,
        "done": done,
        "key": key,
    }
    return render(request, "reports/unfollow.html", context)


def _follower_address(follower: Follower) -> str:
    """Where the updates go, masked (the link may be forwarded)."""
    if follower.user_id:
        return str(follower.user)
    if follower.email:
        name, _at, domain = follower.email.partition("@")
        return f"{name[:2]}***@{domain}"
    return services.mask_phone(follower.phone)
