"""Pages of data entry: choose, fill in, submit; import; progress; review. Parse, call a service, render."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from citydesk.core.errors import Conflict, DomainError, NotAllowed
from citydesk.core.models import Membership, Organisation
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.core.selectors import descendant_ids
from citydesk.core.services import holds_own
from citydesk.indicators import display, imports, periods, services
from citydesk.indicators.forms import ChooseForm, ImportForm
from citydesk.indicators.models import (
    DataValue,
    Finding,
    FindingState,
    Indicator,
    IndicatorGroup,
    Source,
    Submission,
    SubmissionState,
)
from citydesk.indicators.services.common import (
    approver_scope,
    group_by_code,
    is_leader_over,
    resolve_period,
    unit_by_code,
)
from citydesk.indicators.services.notices import units_with_people
from citydesk.lib.text import sort_key


def _status(exc: DomainError) -> int:
    return 403 if isinstance(exc, NotAllowed) else 409 if isinstance(exc, Conflict) else exc.status


def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A refusal: "no permission" only when it is one; a bad period or an unknown code is an error of the
    request, shown as such with the way back."""
    if isinstance(exc, NotAllowed):
        return render(request, "reports/forbidden.html", {"message": exc.message}, status=_status(exc))
    context = {"message": exc.message, "field": "", "back": reverse("indicators_entry:choose")}
    return render(request, "indicators/dash_error.html", context, status=_status(exc))


def _units_with(user: Any, powers: set[str]) -> set[int]:
    roots = [
        m.organisation_id
        for m in Membership.objects.filter(user=user, is_active=True)
        if powers & set(ROLE_POWERS[m.role])
    ]
    return descendant_ids(roots) if roots else set()


def enter_units(user: Any) -> list[Organisation]:
    ids = _units_with(user, {Power.INDICATOR_ENTER})
    reporting = Indicator.objects.filter(is_active=True, source=Source.ENTRY, reporting_units__in=ids)
    units = Organisation.objects.filter(pk__in=reporting.values("reporting_units")).filter(pk__in=ids)
    return sorted(units, key=lambda u: sort_key(u.name))


def entry_groups(units: list[Organisation]) -> list[IndicatorGroup]:
    """The groups with indicators these units enter (not every group of the catalog)."""
    return list(
        IndicatorGroup.objects.filter(
            pk__in=Indicator.objects.filter(
                is_active=True, source=Source.ENTRY, reporting_units__in=[u.pk for u in units]
            ).values("group_id")
        ).order_by("position", "code")
    )


def _default_period() -> str:
    """Last month, as the period fields show it ("03/2026")."""
    return periods.period_typed("M", periods.previous("M", timezone.localdate().replace(day=1)))


@login_required
def entry_choose(request: HttpRequest) -> HttpResponse:
    units = enter_units(request.user)
    if not units:
        return _refused(request, NotAllowed(_("You enter indicator values for no unit.")))
    groups = entry_groups(units)
    form = ChooseForm(
        request.GET or None,
        groups=groups,
        units=units,
        initial={"period": _default_period(), "group": groups[0].code if groups else ""},
    )
    if request.GET and form.is_valid():
        return redirect(
            "indicators_entry:form",
            group=form.cleaned_data["group"],
            unit=form.cleaned_data["unit"],
            period=form.cleaned_data["period"],
        )
    waiting = Finding.objects.filter(
        unit_id__in=_units_with(request.user, {Power.INDICATOR_ENTER}), state=FindingState.FLAGGED
    ).count()
    return render(request, "indicators/entry_choose.html", {"form": form, "findings_waiting": waiting})


def _hints(indicators: list[Indicator], unit: Organisation, period_type: str, day: date) -> dict[int, dict]:
    before = periods.previous(period_type, day)
    last_year = periods.same_period_last_year(period_type, day)
    rows = DataValue.objects.filter(
        indicator__in=indicators, unit=unit, period_type=period_type, period__in=[day, before, last_year]
    )
    hints: dict[int, dict] = {i.pk: {} for i in indicators}
    decimals = {i.pk: i.shown_decimals for i in indicators}
    for row in rows:
        slot = "current" if row.period == day else "previous" if row.period == before else "last_year"
        hints[row.indicator_id][slot] = row
        # Shown as the pages write numbers (1.234,5); the input keeps every digit of the stored value.
        hints[row.indicator_id][f"{slot}_text"] = display.number(row.value, decimals[row.indicator_id])
        if slot == "current":
            # Without thousands dots ("1234,5"): what the input holds is read back as it is, whatever the
            # number (a single dot before three digits, "1.234", is refused as ambiguous when typed).
            hints[row.indicator_id]["current_input"] = display.exact(row.value).replace(".", "")
    return hints


def _flag_rows(context: dict[str, Any], period_type: str, day: date, *, live: bool = False) -> None:
    """Mark each row whose value a finding is about (one not closed): the explanation in the reader's
    words, its state and what the unit said. A finding is judged against the value stored now: one about
    a value since changed is not shown as a warning on the new value. `live`: a report submitted before
    findings recorded the explanations has its values checked again, so the reviewer still sees which
    ones were warned about."""
    from citydesk.indicators.anomaly_text import describe
    from citydesk.indicators.findings import same_value

    rows = context["rows"]
    current = {r["indicator"].pk: r["current"].value for r in rows if r.get("current") is not None}
    found = (
        Finding.objects.filter(
            indicator_id__in=[r["indicator"].pk for r in rows],
            unit=context["unit"],
            period_type=period_type,
            period=day,
        )
        .exclude(state=FindingState.CLOSED)
        .select_related("indicator", "unit__admin_unit")
        .order_by("found_at", "id")
    )
    flags: dict[int, list[dict[str, str]]] = {}
    for f in found:
        if f.indicator_id not in current or not same_value(f.value, current[f.indicator_id]):
            continue  # about a value no longer there
        flags.setdefault(f.indicator_id, []).append(
            {"text": describe(f), "state": f.get_state_display(), "resolution": f.resolution}
        )
    submission = context.get("submission")
    explanation = context.get("explanation_sent", "")
    # Only a report submitted with an explanation can have been warned about (one without needed none):
    # the check runs for those, not on every view of every submitted report.
    if (
        live
        and not flags
        and submission is not None
        and submission.state == SubmissionState.SUBMITTED
        and explanation
    ):
        codes = {r["indicator"].code: r["indicator"].pk for r in rows}
        for w in services.entry_warnings(submission):
            flags.setdefault(codes.get(w.indicator_code, 0), []).append(
                {"text": w.message, "state": "", "resolution": explanation}
            )
    for r in rows:
        r["flags"] = flags.get(r["indicator"].pk, [])
    context["flagged"] = sum(1 for r in rows if r["flags"])


def report_notes(submission: Submission | None) -> dict[str, Any]:
    """What the report's note is, told apart by the moves that wrote it (the note holds the last one):
    `returned` — the reason the approver gave when returning it, with who and when (while the report is
    not approved again); `explanation_sent` — the unit's explanation of unusual values sent with it."""
    from citydesk.core.models import AuditEntry

    out: dict[str, Any] = {"returned": None, "explanation_sent": ""}
    if submission is None or not submission.note:
        return out
    moves = list(
        AuditEntry.objects.filter(
            object_type="indicators.submission",
            object_id=str(submission.pk),
            action__in=["indicator.submission_submit", "indicator.submission_return"],
        )
        .order_by("-id")
        .only("action", "actor_label", "at", "after")
    )
    last_return = next((m for m in moves if m.action == "indicator.submission_return"), None)
    last_submit = next((m for m in moves if m.action == "indicator.submission_submit"), None)
    if not moves:  # written before the moves were audited: the state tells which it is
        if submission.state == SubmissionState.RETURNED:
            out["returned"] = {"note": submission.note, "by": "", "at": None}
        else:
            out["explanation_sent"] = submission.note
        return out
    if last_submit is not None and (last_return is None or last_submit.pk > last_return.pk):
        out["explanation_sent"] = (last_submit.after or {}).get("note", "")
    if last_return is not None and submission.state not in (SubmissionState.APPROVED, SubmissionState.LOCKED):
        out["returned"] = {
            "note": (last_return.after or {}).get("note", "") or submission.note,
            "by": last_return.actor_label,
            "at": last_return.at,
        }
    return out


def _entry_context(group: IndicatorGroup, unit: Organisation, period_type: str, day: date) -> dict[str, Any]:
    indicators = list(
        Indicator.objects.filter(
            group=group, is_active=True, source=Source.ENTRY, periodicity=period_type, reporting_units=unit
        ).order_by("position", "code")
    )
    hints = _hints(indicators, unit, period_type, day)
    submission = Submission.objects.filter(
        group=group, unit=unit, period_type=period_type, period=day
    ).first()
    return {
        "group": group,
        "unit": unit,
        "period_key": periods.period_key(period_type, day),
        "period_typed": periods.period_typed(period_type, day),
        "period_label": periods.period_label(period_type, day),
        "rows": [{"indicator": i, **hints[i.pk]} for i in indicators],
        "submission": submission,
        "editable": submission is None or submission.state in services.values.EDITABLE,
        "can_withdraw": services.can_withdraw(submission),
        "due_at": submission.due_at if submission else services.due_at_for(period_type, day),
        **report_notes(submission),
    }


@login_required
@require_http_methods(["GET", "POST"])
def entry_form(request: HttpRequest, group: str, unit: str, period: str) -> HttpResponse:
    try:
        group_obj, unit_obj = group_by_code(group), unit_by_code(unit)
        period_type, day = resolve_period(period)
        if not holds_own(request.user, Power.INDICATOR_ENTER, unit_obj):
            raise NotAllowed(_("You do not enter indicator values for %(unit)s.") % {"unit": unit_obj.name})
        periods.check_started(period_type, day)  # no form for a period still to come
    except DomainError as exc:
        return _refused(request, exc)
    context = _entry_context(group_obj, unit_obj, period_type, day)
    status = 200
    if request.method == "POST":
        values = {
            r["indicator"].code: request.POST.get(f"v_{r['indicator'].code}", "") for r in context["rows"]
        }
        comments = {
            r["indicator"].code: request.POST.get(f"c_{r['indicator'].code}", "") for r in context["rows"]
        }
        for r in context["rows"]:
            r["typed"], r["typed_comment"] = values[r["indicator"].code], comments[r["indicator"].code]
        action = request.POST.get("action")
        context["explanation"] = request.POST.get("explanation", "")
        try:
            if action == "withdraw":  # the inputs of a sent report are disabled: nothing to save
                services.submission_withdraw(
                    user=request.user,
                    group_code=group,
                    unit_code=unit,
                    period=period,
                    version=_int(request.POST.get("version")),
                )
                messages.success(
                    request,
                    _(
                        "The report has been withdrawn and is a draft again: correct the figures, then "
                        "press “%(button)s” to send it again."
                    )
                    % {"button": _("Submit")},
                )
                return redirect(request.path)
            services.values_set_many(
                user=request.user, unit_code=unit, period=period, values=values, comments=comments
            )
            if action in {"submit", "submit_anyway"}:
                services.submission_submit(
                    user=request.user,
                    group_code=group,
                    unit_code=unit,
                    period=period,
                    version=_int(request.POST.get("version")),
                    explanation=request.POST.get("explanation", ""),
                )
                messages.success(request, _("The report has been submitted."))
            else:
                messages.success(request, _("The values have been saved."))
            return redirect(request.path)
        except services.ValuesRejected as exc:
            context["error"], status = exc.message, 400
            for r in context["rows"]:
                r["error"] = exc.errors.get(r["indicator"].code, "")
        except services.WarningsPending as exc:
            # Not an error: a check before sending. The figures were saved; the report waits to be sent.
            context["warnings"], status = exc.warnings, 400
            context["summary_title"] = _("Check before sending")
            context["error"] = _(
                "The figures have been saved as a draft, but the report has not been sent yet: some values "
                "look unusual. Check them; if they are right, explain them below and send the report anyway."
            )
            if action == "submit_anyway" and not context["explanation"].strip():
                # "Submit anyway" with the box empty: the explanation is the field at fault, named as such.
                context["summary_title"] = ""
                context["error"] = _("The report was not submitted.")
                context["error_field"] = "explanation"
                context["explanation_error"] = _("Enter an explanation of the unusual values.")
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                return _refused(request, exc)
            context["error"], context["error_field"], status = exc.message, exc.field, _status(exc)
        context.update(
            {k: v for k, v in _entry_context(group_obj, unit_obj, period_type, day).items() if k != "rows"}
        )
    _flag_rows(context, period_type, day)
    _describe_rows(context)
    context["findings_waiting"] = Finding.objects.filter(
        unit=unit_obj, indicator__group=group_obj, state=FindingState.FLAGGED
    ).count()
    return render(request, "indicators/entry_form.html", context, status=status)


def _describe_rows(context: dict[str, Any]) -> None:
    """What each value input is described by (`describedby`: the ids of its unit of measure, its error,
    the unusual-value warning and the stored flags), and the error summary's items, each linked to the
    input at fault (`error_items`)."""
    warned: dict[str, list[str]] = {}
    for w in context.get("warnings") or []:
        warned.setdefault(w.indicator_code, []).append(str(w.message))
    items: list[dict[str, str]] = []
    if context.get("explanation_error"):
        items.append(
            {
                "anchor": "explanation",
                "text": f"{_('Explain the unusual values')}: {context['explanation_error']}",
            }
        )
    for r in context["rows"]:
        indicator = r["indicator"]
        code, name = indicator.code, f"{indicator.display_name} ({indicator.code})"
        r["warnings"] = warned.get(code, [])
        ids = [f"u-{code}"] if indicator.display_uom else []
        if r.get("error"):
            ids.append(f"error-{code}")
            items.append({"anchor": f"v-{code}", "text": f"{name}: {r['error']}"})
        if r["warnings"]:
            ids.append(f"warn-{code}")
        if r.get("flags"):
            ids.append(f"flags-{code}")
        r["describedby"] = " ".join(ids)
    context["error_items"] = items


def _moved(action: str, group: IndicatorGroup, unit: Organisation, period_type: str, day: date) -> str:
    """What the move did, to what: the group, the unit and the period."""
    names = {
        "group": group.display_name,
        "unit": unit.name,
        "period": periods.period_label(period_type, day),
    }
    if action == "approve":
        return _("The report “%(group)s” of %(unit)s for %(period)s has been approved.") % names
    if action == "lock":
        return _("The report “%(group)s” of %(unit)s for %(period)s has been locked.") % names
    if action == "return":
        return (
            _("The report “%(group)s” of %(unit)s for %(period)s has been returned for correction.") % names
        )
    return _("The report “%(group)s” of %(unit)s for %(period)s has been submitted.") % names


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def entry_import(request: HttpRequest) -> HttpResponse:
    if not _units_with(request.user, {Power.INDICATOR_ENTER, Power.INDICATOR_APPROVE}):
        return _refused(request, NotAllowed(_("You enter indicator values for no unit.")))
    form = ImportForm(request.POST or None, request.FILES or None)
    units = enter_units(request.user)
    context: dict[str, Any] = {
        "form": form,
        "columns": imports.header_labels("values"),
        "plan_columns": imports.header_labels("plans"),
        "groups": entry_groups(units),
        "units": units,
        "default_period": _default_period(),
    }
    status = 200
    if request.method == "POST":
        if form.is_valid() and not _readable_workbook(form.cleaned_data["file"]):
            form.add_error(
                "file",
                _(
                    "The file is not a readable Excel workbook: open it in Excel and save it as .xlsx, or as CSV."
                ),
            )
        if form.is_valid():
            upload = form.cleaned_data["file"]
            importer = imports.plans_import if form.cleaned_data["kind"] == "plans" else imports.values_import
            try:
                context["result"] = importer(user=request.user, file=upload, filename=upload.name)
                context["imported"] = _imported(context["result"])
            except imports.ImportRejected as exc:
                context["rejected"], status = exc, 400
            except DomainError as exc:
                form.add_error("file", exc.message)
                status = _status(exc)
        else:
            status = 400
    return render(request, "indicators/entry_import.html", context, status=status)


def _imported(result: imports.ImportResult) -> list[dict[str, Any]]:
    """What an import went into, one line a report (values) or a unit and period (targets): the group, the
    unit, the period, and for a report not sent yet, the link to its form where it is sent."""
    orgs = {
        o.pk: o
        for o in Organisation.objects.filter(
            pk__in={r[1] for r in result.reports} | {t[0] for t in result.targets}
        )
    }
    groups = {g.pk: g for g in IndicatorGroup.objects.filter(pk__in={r[0] for r in result.reports})}
    lines: list[dict[str, Any]] = []
    for group_id, unit_id, period_type, day in sorted(
        result.reports,
        key=lambda r: (groups[r[0]].position, groups[r[0]].code, sort_key(orgs[r[1]].name), r[3]),
    ):
        submission = Submission.objects.filter(
            group_id=group_id, unit_id=unit_id, period_type=period_type, period=day
        ).first()
        state = submission.state if submission else SubmissionState.DRAFT
        unsent = state in services.values.EDITABLE
        lines.append(
            {
                "group": groups[group_id],
                "unit": orgs[unit_id],
                "period": periods.period_label(period_type, day),
                "state": SubmissionState(state).label,
                "unsent": unsent,
                "url": reverse(
                    "indicators_entry:form",
                    args=[groups[group_id].code, orgs[unit_id].code, periods.period_key(period_type, day)],
                ),
            }
        )
    for unit_id, period_type, day in sorted(
        result.targets, key=lambda t: (sort_key(orgs[t[0]].name), t[2], t[1])
    ):
        lines.append({"group": None, "unit": orgs[unit_id], "period": periods.period_label(period_type, day)})
    return lines


def _readable_workbook(upload: Any) -> bool:
    """Is a file read as an Excel workbook (named .xlsx, or a zip without a .csv name: the importer's
    rule) one? A renamed file or a broken one is refused here in the page's words, without the
    reading library's English message."""
    import zipfile

    name = (getattr(upload, "name", "") or "").lower()
    head = upload.read(4)
    upload.seek(0)
    if not (name.endswith(".xlsx") or (not name.endswith(".csv") and head[:2] == b"PK")):
        return True  # a CSV file, or a kind the importer names itself
    try:
        with zipfile.ZipFile(upload) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False
    finally:
        upload.seek(0)


@login_required
def entry_template(request: HttpRequest) -> HttpResponse:
    try:
        group = group_by_code(request.GET.get("group", ""))
        unit = unit_by_code(request.GET.get("unit", ""))
        period_type, day = resolve_period(request.GET.get("period", ""))
        if not holds_own(request.user, Power.INDICATOR_ENTER, unit):
            raise NotAllowed(_("You do not enter indicator values for %(unit)s.") % {"unit": unit.name})
        periods.check_started(period_type, day)  # a template to fill in for a period still to come
    except DomainError as exc:
        return _refused(request, exc)
    data = imports.template_xlsx(group=group, unit=unit, period_type=period_type, period=day)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"chi-tieu-{group.code}-{unit.code}-{periods.period_key(period_type, day)}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _progress_rows(user: Any, visible: set[int], period_type: str, day: Any) -> list[dict[str, Any]]:
    """The progress page's rows: each group × unit the viewer follows for the period, with its state, due
    time, timeliness, completeness, and what the viewer may do there (remind, enter, review)."""
    pairs = (
        Indicator.objects.filter(
            is_active=True, source=Source.ENTRY, periodicity=period_type, reporting_units__in=visible
        )
        .values_list("group_id", "reporting_units")
        .distinct()
    )
    groups = {g.pk: g for g in IndicatorGroup.objects.all()}
    units = {u.pk: u for u in Organisation.objects.filter(pk__in=visible)}
    submissions = {
        (s.group_id, s.unit_id): s
        for s in Submission.objects.filter(period_type=period_type, period=day, unit_id__in=visible)
    }
    required: dict[tuple[int, int], int] = {}
    for group_id, unit_id in Indicator.objects.filter(
        is_active=True, source=Source.ENTRY, periodicity=period_type, reporting_units__in=visible
    ).values_list("group_id", "reporting_units"):
        required[(group_id, unit_id)] = required.get((group_id, unit_id), 0) + 1
    entered: dict[tuple[int, int], int] = {}
    for group_id, unit_id in DataValue.objects.filter(
        period_type=period_type, period=day, unit_id__in=visible, indicator__source=Source.ENTRY
    ).values_list("indicator__group_id", "unit_id"):
        entered[(group_id, unit_id)] = entered.get((group_id, unit_id), 0) + 1
    now = timezone.now()
    default_due = services.due_at_for(period_type, day)
    enters = _units_with(user, {Power.INDICATOR_ENTER})
    staffed = units_with_people(units)  # a unit without accounts yet has nobody to remind
    rows = []
    for group_id, unit_id in sorted(
        set(pairs), key=lambda p: (groups[p[0]].position, groups[p[0]].code, sort_key(units[p[1]].name))
    ):
        submission = submissions.get((group_id, unit_id))
        state = submission.state if submission else SubmissionState.DRAFT
        due = submission.due_at if submission and submission.due_at else default_due
        submitted_at = submission.submitted_at if submission else None
        if submitted_at is not None and state != SubmissionState.RETURNED:
            timeliness = "late" if submitted_at > due else "on_time"
        else:
            timeliness = "overdue" if now > due else "open"
        need = required.get((group_id, unit_id), 0)
        done = min(entered.get((group_id, unit_id), 0), need)
        reminded_today = bool(submission and submission.reminded_at) and timezone.localdate(
            submission.reminded_at
        ) == timezone.localdate(now)
        late = (
            state in (SubmissionState.DRAFT, SubmissionState.RETURNED)
            and timeliness == "overdue"
            and not reminded_today
            and is_leader_over(user, units[unit_id])
        )
        rows.append(
            {
                "group": groups[group_id],
                "unit": units[unit_id],
                "anchor": progress_row_id(groups[group_id].code, units[unit_id].code),
                "state": state,
                "state_label": SubmissionState(state).label,
                "due": due,
                "submitted_at": submitted_at,
                "timeliness": timeliness,
                "percent": round(100 * done / need) if need else 0,
                # Said in the row: after "Remind" the page returns to the row, where this is read. A unit
                # is reminded once a day at most: no button then, the row says why.
                "reminded_today": reminded_today,
                "can_remind": late and unit_id in staffed,
                # Late, but nobody there to remind (no accounts yet): the row says so, no button.
                "nobody_to_remind": late and unit_id not in staffed,
                # The unit's own officers open the form from the row.
                "can_enter": unit_id in enters,
                "can_review": state in (SubmissionState.SUBMITTED, SubmissionState.APPROVED)
                and holds_own(user, Power.INDICATOR_APPROVE, approver_scope(units[unit_id])),
            }
        )
    return rows


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    visible = _units_with(
        request.user, {Power.INDICATOR_ENTER, Power.INDICATOR_APPROVE, Power.VIEW_DASHBOARD}
    )
    if not visible:
        return _refused(request, NotAllowed(_("You follow the indicator reports of no unit.")))
    try:
        period_type, day = resolve_period(request.GET.get("period") or _default_period())
    except DomainError as exc:
        return _refused(request, exc)
    rows = _progress_rows(request.user, visible, period_type, day)
    context = {
        "rows": rows,
        "period_key": periods.period_key(period_type, day),
        "period_typed": periods.period_typed(period_type, day),
        "period_label": periods.period_label(period_type, day),
        "submitted": sum(
            1 for r in rows if r["state"] != SubmissionState.DRAFT and r["state"] != SubmissionState.RETURNED
        ),
        "to_remind": sum(1 for r in rows if r["can_remind"]),
        "nobody_units": list(dict.fromkeys(r["unit"].name for r in rows if r["nobody_to_remind"])),
    }
    return render(request, "indicators/entry_progress.html", context)


@login_required
@require_POST
def remind_all(request: HttpRequest) -> HttpResponse:
    """A leader reminds at once every late unit the progress page offers to remind (each still once a day,
    each in its own transaction and audit row, as one by one)."""
    period = request.POST.get("period", "")
    visible = _units_with(
        request.user, {Power.INDICATOR_ENTER, Power.INDICATOR_APPROVE, Power.VIEW_DASHBOARD}
    )
    try:
        period_type, day = resolve_period(period)
    except DomainError as exc:
        return _refused(request, exc)
    rows = [r for r in _progress_rows(request.user, visible, period_type, day) if r["can_remind"]]
    if not rows:
        messages.info(request, _("No late unit is left to remind today."))
    reminded = 0
    for row in rows:
        try:
            services.submission_remind(
                user=request.user, group_code=row["group"].code, unit_code=row["unit"].code, period=period
            )
            reminded += 1
        except DomainError:  # reminded or sent meanwhile: the page shows it
            continue
    if reminded:
        messages.success(
            request,
            ngettext("%(n)s late unit has been reminded.", "%(n)s late units have been reminded.", reminded)
            % {"n": reminded},
        )
    return redirect(f"{reverse('indicators_entry:progress')}?{urlencode({'period': period})}")


@login_required
@require_POST
def remind(request: HttpRequest) -> HttpResponse:
    period = request.POST.get("period", "")
    try:
        services.submission_remind(
            user=request.user,
            group_code=request.POST.get("group", ""),
            unit_code=request.POST.get("unit", ""),
            period=period,
        )
        messages.success(request, _("The unit has been reminded."))
    except DomainError as exc:
        if isinstance(exc, NotAllowed):
            return _refused(request, exc)
        messages.error(request, exc.message)
    # Back to the row the button was on (focusable), not to the top of a long list.
    anchor = progress_row_id(request.POST.get("group", ""), request.POST.get("unit", ""))
    return redirect(f"{reverse('indicators_entry:progress')}?{urlencode({'period': period})}#{anchor}")


def progress_row_id(group_code: str, unit_code: str) -> str:
    """The id of a row of the progress page (`remind` returns to it)."""
    return "progress-" + "".join(
        ch if ch.isalnum() or ch in "-_" else "_" for ch in f"{group_code}-{unit_code}"
    )


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, group: str, unit: str, period: str) -> HttpResponse:
    try:
        group_obj, unit_obj = group_by_code(group), unit_by_code(unit)
        period_type, day = resolve_period(period)
        if not holds_own(request.user, Power.INDICATOR_APPROVE, approver_scope(unit_obj)):
            raise NotAllowed(
                _("You do not approve the indicator reports of %(unit)s.") % {"unit": unit_obj.name}
            )
    except DomainError as exc:
        return _refused(request, exc)
    status = 200
    error, error_field = "", ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            services.submission_move(
                user=request.user,
                action=action,
                group_code=group,
                unit_code=unit,
                period=period,
                version=_int(request.POST.get("version")),
                note=request.POST.get("note", ""),
            )
            messages.success(request, _moved(action, group_obj, unit_obj, period_type, day))
            return redirect(request.path)
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                return _refused(request, exc)
            error, error_field, status = exc.message, exc.field or "", _status(exc)
    context = _entry_context(group_obj, unit_obj, period_type, day)
    submission = context["submission"]
    note_error = error if error_field == "note" else ""
    context.update(
        {
            # The note is the one input of the page: its error is attached to it and linked from the summary.
            "error": "" if note_error else error,
            "note_error": note_error,
            "note": request.POST.get("note", "") if request.method == "POST" else "",
            "error_items": [{"anchor": "note", "text": f"{_('Note')}: {note_error}"}] if note_error else [],
            "actions": services.allowed_actions(submission.state) if submission else [],
            "is_leader": is_leader_over(request.user, unit_obj),
        }
    )
    _flag_rows(context, period_type, day, live=True)
    return render(request, "indicators/entry_review.html", context, status=status)
