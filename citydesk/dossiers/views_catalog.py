"""Pages of the procedure catalog: the public list and detail, templates, and the Excel import/export page."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from citydesk.core.errors import DomainError, NotAllowed
from citydesk.core.models import Organisation, OrgKind
from citydesk.core.powers import Power, Role
from citydesk.core.services import actor_for_system_power
from citydesk.dossiers.catalog import XLSX_TYPE, catalog_export, catalog_import, performing_unit
from citydesk.dossiers.models import (
    Authority,
    Performer,
    Procedure,
    ProcedureStep,
    TimeUnit,
    fallback_language,
    in_active_language,
)
from citydesk.dossiers.selectors import lookup_text
from citydesk.lib.text import nfc, rank_by_words, search_key, sort_key

PAGE_SIZE = 50
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
ONLINE_FILING_PATH = "/ho-so/nop/{code}/"  # the dossier filing page (built by the dossiers pages)


# --- Presentation helpers -------------------------------------------------------------------------


def display_name(procedure: Procedure) -> str:
    """The procedure's name in the active language (`Procedure.label`)."""
    return procedure.label


def field_labels(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each field (lĩnh vực) with its name in the active language, from (field, field_en) pairs: the
    English name most procedures of the field give it on English pages (the field itself when none
    does), so that a field is one group and one choice even when some of its procedures lack it."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for field, english in pairs:
        counts[field][in_active_language(field, english)] += 1
    return {
        field: max(names, key=lambda name: (name != field, names[name], name))
        for field, names in counts.items()
    }


def field_label_of(procedure: Procedure) -> str:
    """The procedure's field in the active language, as the catalog list names it (`field_labels`)."""
    if procedure.field_label != procedure.field or not (translation.get_language() or "").startswith("en"):
        return procedure.field_label
    same = Procedure.objects.filter(field=procedure.field, is_active=True).values_list("field", "field_en")
    return field_labels(same).get(procedure.field, procedure.field)


def field_lang(procedure: Procedure, shown: str) -> str:
    """ "vi" when the field's name `shown` on a page in another language is the Vietnamese one."""
    return fallback_language("" if shown == procedure.field else shown)


def fee_label(procedure: Procedure) -> str:
    if not procedure.fee:
        return _("No fee")
    amount = f"{procedure.fee:,}".replace(",", str(get_format("THOUSAND_SEPARATOR")))
    return _("%(amount)s VND") % {"amount": amount}


def processing_time_label(procedure: Procedure) -> str:
    n = procedure.processing_time
    if procedure.time_unit == TimeUnit.WORKING_HOURS:
        return (_("%(n)s working hour") if n == 1 else _("%(n)s working hours")) % {"n": n}
    return (_("%(n)s working day") if n == 1 else _("%(n)s working days")) % {"n": n}


def department_names() -> dict[str, str]:
    """Department short code -> name, from the organisations (e.g. "79.SXD" -> "Sở Xây dựng")."""
    from citydesk.core.demo import DEPARTMENTS

    names = {code: name for code, name, _kind in DEPARTMENTS}
    for code, name in Organisation.objects.filter(kind=OrgKind.DEPARTMENT, code__contains=".").values_list(
        "code", "name"
    ):
        names[code.rsplit(".", 1)[1].upper()] = name
    return names


def unit_label(procedure: Procedure, step: ProcedureStep, departments: dict[str, str]) -> str:
    if step.performer == Performer.DEPARTMENT:
        return departments.get(step.department_code, step.department_code)
    if step.performer == Performer.CITY:
        return str(Performer.CITY.label)
    if step.performer == Performer.DESK:
        return str(Performer.DESK.label)
    if procedure.authority == Authority.DEPARTMENT and procedure.department_code:
        return departments.get(procedure.department_code, procedure.department_code)
    if procedure.authority == Authority.WARD or any(
        s.performer not in (Performer.RECEIVING_UNIT, Performer.DESK) for s in procedure.steps.all()
    ):
        return _("The ward or commune where the dossier is filed")
    return str(Performer.RECEIVING_UNIT.label)


def _message(request: HttpRequest, title: str, message: str, status: int) -> HttpResponse:
    return render(
        request, "dossiers/catalog_message.html", {"title": title, "message": message}, status=status
    )


# --- Public catalog -------------------------------------------------------------------------------


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    field = forms.ChoiceField(label=gettext_lazy("Field"), required=False)
    level = forms.ChoiceField(label=gettext_lazy("Competent level"), required=False)
    same_day = forms.BooleanField(label=gettext_lazy("Handled the same day"), required=False)

    def __init__(self, *args: Any, fields: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", _("All fields")), *fields]
        self.fields["level"].choices = [("", _("All levels")), *Authority.choices]


@require_GET
def catalog_list(request: HttpRequest) -> HttpResponse:
    active = Procedure.objects.filter(is_active=True)
    fields = field_labels(active.values_list("field", "field_en"))
    choices = sorted(fields.items(), key=lambda item: (sort_key(item[1]), item[0]))
    form = CatalogFilterForm(request.GET or None, fields=choices)
    status = 200
    procedures = active
    typed = ""  # the search, matched in Python word by word (`matching_procedures`)
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        data = form.cleaned_data
        typed = nfc(data["q"])
        if data["field"]:
            procedures = procedures.filter(field=data["field"])
        if data["level"]:
            procedures = procedures.filter(authority=data["level"])
        if data["same_day"]:
            procedures = procedures.filter(same_day=True)
    rows = sorted(
        procedures.only(
            "code",
            "name",
            "name_en",
            "search_name",
            "field",
            "field_en",
            "authority",
            "processing_time",
            "time_unit",
            "fee",
            "service_level",
            "same_day",
        ),
        key=lambda p: (sort_key(fields.get(p.field, p.field)), p.field, sort_key(p.label)),
    )
    if search_key(typed):
        rows = matching_procedures(typed, rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for procedure in page.object_list:
        procedure.group = fields.get(procedure.field, procedure.field_label)  # type: ignore[attr-defined]
        procedure.group_lang = field_lang(procedure, procedure.group)  # type: ignore[attr-defined]
        procedure.time_label = processing_time_label(procedure)  # type: ignore[attr-defined]
        procedure.fee_label = fee_label(procedure)  # type: ignore[attr-defined]
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    context = {"form": form, "page": page, "query": query, "total": len(rows)}
    return render(request, "dossiers/catalog_list.html", context, status=status)


def procedure_search_texts(procedure: Procedure) -> tuple[str, ...]:
    """What a search of the catalog reads of a procedure: its name and code, and on English pages its
    English name too."""
    english = (translation.get_language() or "").startswith("en")
    return (procedure.search_name, procedure.name_en) if english else (procedure.search_name,)


def matching_procedures(query: str, rows: list[Procedure]) -> list[Procedure]:
    """The rows (in the list's order: by field, then name) matching `query` word by word
    (`rank_by_words`: "đăng kí", "làm giấy khai sinh" find "Đăng ký khai sinh"), the best first while each
    field stays together: the fields ordered by their best match, each field's rows by theirs."""
    ranked = rank_by_words(query, rows, procedure_search_texts)
    place = {procedure.pk: i for i, procedure in enumerate(ranked)}
    first: dict[str, int] = {}
    for procedure in ranked:
        first.setdefault(procedure.field, place[procedure.pk])
    return sorted(ranked, key=lambda p: (first[p.field], place[p.pk]))


def _active_procedure(code: str) -> Procedure | None:
    return (
        Procedure.objects.filter(code=lookup_text(code).upper(), is_active=True)
        .prefetch_related("documents", "steps")
        .first()
    )


@require_GET
def catalog_detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = _active_procedure(code)
    if procedure is None:
        message = _("There is no procedure with the code “%(code)s”.") % {"code": code}
        return _message(request, _("Not found"), message, 404)
    departments = department_names()
    field = field_label_of(procedure)
    steps = list(procedure.steps.all())
    first_unit = performing_unit(steps[0]) if steps else None
    process = [
        {
            "step": step,
            "unit": unit_label(procedure, step, departments),
            "role": Role(step.role).label if step.role in Role.values else step.role,
            "crosses": performing_unit(step) != first_unit,
        }
        for step in steps
    ]
    context = {
        "procedure": procedure,
        "name": procedure.label,
        "field": field,
        "field_lang": field_lang(procedure, field),
        "documents": list(procedure.documents.all()),
        "process": process,
        "inter_agency": any(item["crosses"] for item in process),
        "fee": fee_label(procedure),
        "time": processing_time_label(procedure),
        "competent": departments.get(procedure.department_code, procedure.get_authority_display())
        if procedure.authority == Authority.DEPARTMENT
        else procedure.get_authority_display(),
        "online_url": ONLINE_FILING_PATH.format(code=procedure.code) if procedure.service_level >= 3 else "",
    }
    return render(request, "dossiers/catalog_detail.html", context)


@require_GET
def document_template(request: HttpRequest, code: str, position: int) -> HttpResponse:
    procedure = _active_procedure(code)
    document = procedure.documents.filter(position=position).first() if procedure else None
    if document is None or not document.template:
        return _message(request, _("Not found"), _("This document has no template to download."), 404)
    try:
        handle = document.template.open("rb")
    except OSError:
        return _message(request, _("Not found"), _("This document has no template to download."), 404)
    name = document.template.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name)


# --- Import and export (holders of the catalog power) --------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))
    dry_run = forms.BooleanField(label=gettext_lazy("Check only, change nothing"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Choose an Excel file (.xlsx)."))
        return upload


def _manager(request: HttpRequest) -> HttpResponse | None:
    """None when the user may manage the catalog, else the 403 page."""
    try:
        actor_for_system_power(request.user, Power.MANAGE_PROCEDURES)  # type: ignore[arg-type]
    except NotAllowed as exc:
        return _message(request, _("Not allowed"), exc.message, 403)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def catalog_manage(request: HttpRequest) -> HttpResponse:
    refused = _manager(request)
    if refused is not None:
        return refused
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    context: dict[str, Any] = {"form": form, "count": Procedure.objects.count(), "result": None}
    if request.method != "POST":
        return render(request, "dossiers/catalog_manage.html", context)
    if not form.is_valid():
        return render(request, "dossiers/catalog_manage.html", context, status=400)
    try:
        result = catalog_import(
            form.cleaned_data["file"].read(), user=request.user, dry_run=form.cleaned_data["dry_run"]
        )
    except DomainError as exc:
        form.add_error("file" if exc.field == "file" else None, exc.message)
        return render(request, "dossiers/catalog_manage.html", context, status=exc.status)
    context.update(result=result, count=Procedure.objects.count())
    return render(request, "dossiers/catalog_manage.html", context, status=200 if result.ok else 400)


def xlsx_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def catalog_download(request: HttpRequest) -> HttpResponse:
    refused = _manager(request)
    if refused is not None:
        return refused
    return xlsx_response(catalog_export(), f"danh-muc-thu-tuc-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
@require_GET
def catalog_blank(request: HttpRequest) -> HttpResponse:
    refused = _manager(request)
    if refused is not None:
        return refused
    return xlsx_response(catalog_export(Procedure.objects.none()), "mau-danh-muc-thu-tuc.xlsx")
