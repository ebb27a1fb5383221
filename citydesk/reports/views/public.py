"""The public list and map of citizen reports (/phan-anh/): what the city is told and what it did about it.

Anyone, without an account, reads the reports their reporters made public (`Report.is_public`), open or
resolved or closed: never a rejected one (spam, out of scope, a merged duplicate: its master is listed),
and never what only the handling unit and the reporter read. Each report shows what its public tracking
page (/tra-cuu/<code>/) shows, with the same masking: the description and the address without the phone
numbers, e-mail addresses and identity numbers typed into them (`Report.public_description`,
`public_address`), the reporter's name only when they asked for it (`public_reporter_name`); never the
contact fields, the internal notes, the assignee.

Filters are in the address (bookmarkable): commune/ward, category, state (open / resolved or closed /
all), a search without accents (`search_key`, as the officer queue's) and a period (the last 30 days by
default). A filter that cannot select anything is said above the list and not applied.

At a million reports: the list is read newest first from the `created_at` index and stops at the page;
the count stops at `MAX_PAGES` pages (the page then says there are more, to be narrowed with the filters):
counting every public report of a year read hundreds of thousands of rows for a number nobody pages
through; a search for words reads at most `SEARCH_ROWS` reports (and says so when the period holds more).
The page's rows come with their category and commune/ward in one query, their follower counts in another:
the number of queries does not grow with the page size. bench/reports_public.py measures it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.db.models import Count, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.formats import number_format
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from citydesk.core import configcache
from citydesk.core.errors import DomainError
from citydesk.core.models import AdminUnit, DivisionLevel, ServiceCategory
from citydesk.lib.privacy import hide_contacts
from citydesk.lib.text import join_place, search_key, tracking_code
from citydesk.reports.forms import category_label, resolve_ward
from citydesk.reports.models import OPEN_STATUSES, Follower, Report, Status
from citydesk.reports.selectors import DONE_STATUSES
from citydesk.reports.views.common import DEFAULT_PROVINCE, _map_settings, _report_categories, division_words
from citydesk.reports.wards import WardOption, ward_option_label, ward_options

PAGE_SIZE = 20
# The most pages a list offers: a larger result is counted only this far, and the page asks to narrow it.
MAX_PAGES = 50

# What the public reads: open reports, and resolved or closed ones (`DONE_STATUSES`, as the officer queue's
# "done"). A rejected report is not listed (spam, out of scope, or merged into the report that is:
# `duplicate_of` is only set with the merge's rejection).
SHOWN_STATUSES = (*OPEN_STATUSES, *DONE_STATUSES)
STATES = {"open": OPEN_STATUSES, "done": DONE_STATUSES, "all": SHOWN_STATUSES}
DEFAULT_STATE = "all"
STATE_LABELS = {
    "all": gettext_lazy("All"),
    "open": gettext_lazy("Being handled"),
    "done": gettext_lazy("Resolved or closed"),
}

# The periods offered, in days back from now (a search reads the period's reports: a bounded number).
PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30
PERIOD_LABELS = {
    7: gettext_lazy("Last 7 days"),
    30: gettext_lazy("Last 30 days"),
    90: gettext_lazy("Last 90 days"),
    365: gettext_lazy("Last 12 months"),
}

# A search that reads as a phone number, an e-mail address or an identity number: the public text hides
# them (`hide_contacts`), so finding a report by one would tell who sent it. Five digits in a row (spaces,
# dots and dashes between them included) are already most of a phone number; house numbers ("18/4", "125")
# and years are shorter.
_LONG_NUMBER = re.compile(r"\d(?:[\s.\-]?\d){4}")

# The fields a row of the list reads (no search text, answers or resolution: a row is read for each report).
ROW_FIELDS = (
    "code",
    "description",
    "lon",
    "lat",
    "address",
    "status",
    "contact_name",
    "show_name_publicly",
    "created_at",
    "category__code",
    "category__name",
    "category__name_en",
    "ward__code",
    "ward__name",
)


class PublicFilterForm(forms.Form):
    """The list's filters, all in the address. Each value that cannot select anything is named by
    `problems` and left out; the others still apply."""

    q = forms.CharField(required=False, strip=True, max_length=200, label=gettext_lazy("Code or text"))
    ward = forms.CharField(required=False, strip=True, max_length=120, label=gettext_lazy("Commune / ward"))
    category = forms.CharField(required=False, strip=True, max_length=60, label=gettext_lazy("Category"))
    state = forms.CharField(required=False, strip=True, max_length=20, label=gettext_lazy("State"))
    period = forms.CharField(required=False, strip=True, max_length=20, label=gettext_lazy("Received within"))

    def clean_state(self) -> str:
        value = self.cleaned_data.get("state") or DEFAULT_STATE
        if value not in STATES:
            raise forms.ValidationError(_("“%(v)s” is not one of the choices.") % {"v": value})
        return value

    def clean_period(self) -> int:
        value = self.cleaned_data.get("period") or ""
        if not value:
            return DEFAULT_PERIOD
        if not (value.isascii() and value.isdigit()) or int(value) not in PERIODS:
            raise forms.ValidationError(_("“%(v)s” is not one of the choices.") % {"v": value})
        return int(value)

    def clean_category(self) -> ServiceCategory | None:
        value = self.cleaned_data.get("category") or ""
        if not value:
            return None
        found = ServiceCategory.objects.filter(domain=ServiceCategory.Domain.REPORT, code=value).first()
        if found is None:
            raise forms.ValidationError(_("Unknown category “%(c)s”.") % {"c": value})
        return found

    def clean_ward(self) -> AdminUnit | None:
        value = self.cleaned_data.get("ward") or ""
        if not value:
            return None
        try:
            code = resolve_ward(value, "" if value.isascii() and value.isdigit() else DEFAULT_PROVINCE)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        ward = AdminUnit.objects.filter(code=code, level=DivisionLevel.WARD).only("code", "name").first()
        if ward is None:
            raise forms.ValidationError(_("Unknown commune/ward code “%(c)s”.") % {"c": value})
        return ward

    def clean_q(self) -> str:
        value = self.cleaned_data.get("q") or ""
        if value and not _is_code(value) and _reads_as_contact(value):
            raise forms.ValidationError(
                _(
                    "The public list is not searched by phone number, e-mail address or identity number: "
                    "they are hidden to protect the people who sent the reports. Search with words of the "
                    "description or address, or with the tracking code."
                )
            )
        return value

    def value(self, name: str) -> Any:
        """The filter's value; its default (or nothing) when it is not given or not valid."""
        self.is_valid()
        if name in self.cleaned_data:
            return self.cleaned_data[name]
        return {"state": DEFAULT_STATE, "period": DEFAULT_PERIOD}.get(name)

    def problems(self) -> list[tuple[str, str, str]]:
        """(field, label, message) of every value refused, for the page to say."""
        self.is_valid()
        return [(f.name, str(f.label), str(e)) for f in self if f.name in self.errors for e in f.errors]


def _is_code(text: str) -> bool:
    """A tracking code as people type it ("pa-26-301", "PA 26 000301")."""
    return bool(re.fullmatch(r"[A-Z]+-\d{2}-\d{6}", tracking_code(text)))


def _reads_as_contact(text: str) -> bool:
    return "@" in text or hide_contacts(text) != text or bool(_LONG_NUMBER.search(text))


@dataclass(frozen=True)
class PublicFilters:
    ward: AdminUnit | None = None
    category: ServiceCategory | None = None
    state: str = DEFAULT_STATE
    period: int = DEFAULT_PERIOD
    q: str = ""


# A search for words reads each report of its period (no index holds words): at most this many, the newest
# of the commune/ward or category chosen, else of the whole list. A period that holds more is searched back
# to the date of the last of them, and the page says so (a rare word over a year of a million reports read
# 480,000 of them: 1 s; 50,000 take about 80 ms).
SEARCH_ROWS = 50_000


def search_floor(filters: PublicFilters, since: datetime) -> datetime | None:
    """When the period holds more than SEARCH_ROWS reports of the ward (or category, or of all): the date
    of the SEARCH_ROWS-th newest, from which a search for words reads; else None (the whole period). Read
    from the date index alone (`report_ward_received`, `report_category_time`, `created_at`): no row."""
    scope = Report.objects.filter(created_at__gte=since)
    if filters.ward is not None:
        scope = scope.filter(ward_id=filters.ward.code)
    elif filters.category is not None:
        scope = scope.filter(category_id=filters.category.pk)
    found = list(
        scope.order_by("-created_at").values_list("created_at", flat=True)[SEARCH_ROWS - 1 : SEARCH_ROWS]
    )
    return found[0] if found else None


@dataclass(frozen=True)
class PublicQuery:
    reports: QuerySet[Report]
    searched_since: datetime | None = None  # a search for words read the reports received since then only


def public_reports(filters: PublicFilters, *, now: datetime | None = None) -> PublicQuery:
    """The public reports that pass the filters, in no order and without their related rows.

    A tracking code is found whatever the period (it names one report, perhaps older); words are looked
    for in the description and the address, lower case and without accents on both sides, as the officer
    queue does ("ổ gà", "O GA" and "o ga" find "Ổ gà trước số 5"), in the newest SEARCH_ROWS reports of the
    period at most (`search_floor`)."""
    now = now or timezone.now()
    # The status said through lower(), which no index holds: said as written, the planner read the reports of
    # these statuses from the deadline index (`report_sla`: 880,000 closed ones at a million reports, 1.5 s)
    # instead of walking the newest reports back from the `created_at` index and stopping at the page. The
    # officer queue's period does the same (selectors._queue_filtered).
    qs = (
        Report.objects.filter(is_public=True)
        .alias(status_as_read=Lower("status"))
        .filter(status_as_read__in=STATES[filters.state])
    )
    if filters.ward is not None:
        qs = qs.filter(ward_id=filters.ward.code)
    if filters.category is not None:
        qs = qs.filter(category_id=filters.category.pk)
    text = filters.q.strip()
    if text and _is_code(text):
        return PublicQuery(qs.filter(code=tracking_code(text)))
    since = now - timedelta(days=filters.period)
    floor = None
    if text:
        floor = search_floor(filters, since)
        qs = qs.filter(search_text__contains=search_key(text))
    return PublicQuery(qs.filter(created_at__gte=floor or since), floor)


@dataclass(frozen=True)
class PublicPage:
    number: int
    num_pages: int
    count: int  # counted up to MAX_PAGES pages (and one more report): see `more`
    more: bool  # more reports than the pages offered
    rows: list[Report]
    followers: dict[int, int]
    searched_since: datetime | None = None  # see `PublicQuery`


def public_page(filters: PublicFilters, page: int = 1, page_size: int | None = None) -> PublicPage:
    """One page of the public list, newest first, in three queries whatever the page size and the page (a
    search for words reads its floor first, `search_floor`):

    - the ids of the matching reports, newest first, up to MAX_PAGES pages and one more: the count and the
      page's ids at once, read from the date indexes (`created_at`, the ward's, the category's) and stopped
      there. One pass over the period: a search for a rare word reads the period's reports once, not once
      to count them and again for the page;
    - the page's rows with their category and commune/ward;
    - their follower counts.

    A page past the last is the last."""
    page_size = page_size or PAGE_SIZE
    limit = MAX_PAGES * page_size
    query = public_reports(filters)
    newest = query.reports.order_by("-created_at", "-pk")
    text = filters.q.strip()
    if text and not _is_code(text):
        ids = _publicly_matching(newest, search_key(text), limit + 1)
    else:
        ids = list(newest.values_list("pk", flat=True)[: limit + 1])
    more = len(ids) > limit
    count = min(len(ids), limit)
    num_pages = max(1, math.ceil(count / page_size))
    number = min(max(1, page), num_pages)
    wanted = ids[(number - 1) * page_size : number * page_size]
    found = Report.objects.select_related("category", "ward").only(*ROW_FIELDS).in_bulk(wanted)
    rows = [found[pk] for pk in wanted if pk in found]
    followers: dict[int, int] = {}
    if rows:
        followers = dict(
            Follower.objects.filter(report_id__in=wanted)
            .order_by()
            .values_list("report_id")
            .annotate(n=Count("pk"))
            .values_list("report_id", "n")
        )
    return PublicPage(number, num_pages, count, more, rows, followers, query.searched_since)


def _publicly_matching(reports: QuerySet[Report], key: str, wanted: int) -> list[int]:
    """The ids of `reports` (newest first) whose text AS THE PUBLIC READS IT holds `key`, at most `wanted`.

    The database matches the stored search text, which holds the phone numbers and e-mail addresses the
    page hides (`hide_contacts`): a search for "tranvanbinh.1985" or "0903" would find the report of the
    person it hides. Each row the database found is read again here through the same masking as the page."""
    found: list[int] = []
    for pk, description, address in reports.values_list("pk", "description", "address").iterator(2000):
        public = search_key(f"{hide_contacts(description)} {hide_contacts(address)}")
        if key in public:
            found.append(pk)
            if len(found) >= wanted:
                break
    return found


def _page_number(raw: str | None) -> int:
    """?page=…: a number from 1 on; anything else (text, negative, huge) is the first page."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()):  # "²" is a digit to isdigit(), not to int()
        return 1
    return max(1, int(raw[:7]) if len(raw) <= 7 else 10**7)  # past the last page: the last


def _grouped(n: int) -> str:
    """A number with its thousands grouped as the page's language writes them: 1.000 (vi), 1,000 (en)."""
    return number_format(n, 0, force_grouping=True)


def _page_links(number: int, num_pages: int) -> list[int | None]:
    """The page numbers the pager links to: the first, the last, and two on each side of the current one;
    None where pages are left out (shown as "…")."""
    wanted = {1, num_pages, *range(number - 2, number + 3)}
    shown: list[int | None] = []
    for n in sorted(p for p in wanted if 1 <= p <= num_pages):
        if shown and shown[-1] is not None and n > shown[-1] + 1:
            shown.append(None)
        shown.append(n)
    return shown


def _without(keep: QueryDict, name: str) -> str:
    query = keep.copy()
    query.pop(name, None)
    return query.urlencode()


def _applied_filters(filters: PublicFilters, keep: QueryDict) -> list[dict[str, str]]:
    """The filters applied, each with the list's address without it (removable labels above the list).
    The period is always applied: its label shows only when it is not the default, and its removal goes
    back to the default."""
    shown = []
    if filters.q:
        shown.append({"name": "q", "label": f"“{filters.q}”", "query": _without(keep, "q")})
    if filters.ward is not None:
        shown.append({"name": "ward", "label": filters.ward.name, "query": _without(keep, "ward")})
    if filters.category is not None:
        label = category_label(filters.category)
        shown.append({"name": "category", "label": label, "query": _without(keep, "category")})
    if filters.state != DEFAULT_STATE:
        label = str(STATE_LABELS[filters.state])
        shown.append({"name": "state", "label": label, "query": _without(keep, "state")})
    if filters.period != DEFAULT_PERIOD:
        label = str(PERIOD_LABELS[filters.period])
        shown.append({"name": "period", "label": label, "query": _without(keep, "period")})
    return shown


def _status_label(report: Report) -> str:
    return str(Status(report.status).label) if report.status in Status.values else report.status


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    """The public reports, newest first, filtered by the address's values; their places on a map above the
    list (the list alone when the script or the map cannot run)."""
    form = PublicFilterForm(request.GET)
    problems = form.problems()
    filters = PublicFilters(
        ward=form.value("ward"),
        category=form.value("category"),
        state=form.value("state"),
        period=form.value("period"),
        q=form.value("q") or "",
    )
    page = public_page(filters, _page_number(request.GET.get("page")), PAGE_SIZE)
    # The address of this list without its page (a refused value is kept as typed: the form shows it).
    keep = QueryDict(mutable=True)
    for name in ("q", "ward", "category", "state", "period"):
        value = (request.GET.get(name) or "").strip()
        if value and name not in form.errors:
            keep[name] = filters.ward.code if name == "ward" and filters.ward is not None else value
    rows = []
    for report in page.rows:
        ward_name = report.ward.name if report.ward_id else ""
        rows.append(
            {
                "report": report,
                "url": reverse("reports:track", args=[report.code]),
                "category": category_label(report.category),
                "description": report.public_description,
                "place": join_place(report.public_address, ward_name),
                "status": _status_label(report),
                "followers": page.followers.get(report.pk, 0),
                "reporter_name": report.public_reporter_name,
                # A closed report has no more updates: the tracking page offers no follow (services).
                "may_follow": report.status != Status.CLOSED,
            }
        )
    map_points = [
        {
            "code": row["report"].code,
            "lat": row["report"].lat,
            "lon": row["report"].lon,
            "category": row["category"],
            "status": row["status"],
            "done": row["report"].status in DONE_STATUSES,
            "url": row["url"],
        }
        for row in rows
        if row["report"].lat is not None and row["report"].lon is not None
    ]
    if page.more:
        count_text = _(
            "More than %(counter)s reports: only the newest %(counter)s are listed. Narrow the filters to "
            "see the others."
        ) % {"counter": _grouped(page.count)}
    else:
        count_text = ngettext("%(counter)s report", "%(counter)s reports", page.count) % {
            "counter": _grouped(page.count)
        }
    search_note = ""
    if page.searched_since is not None:
        search_note = _(
            "The search looked through the newest %(counter)s reports only, received since %(date)s. To search "
            "further back, choose a commune/ward or a category."
        ) % {
            "counter": _grouped(SEARCH_ROWS),
            "date": formats.date_format(timezone.localtime(page.searched_since), "SHORT_DATE_FORMAT"),
        }
    # The filters' lists in the page's language, built again only when the units or categories change (the
    # province's 168 wards in Vietnamese order took as long as the rest of the page).
    gen = configcache.generation()
    language = get_language() or "vi"

    def load_wards() -> tuple[WardOption, ...]:
        return tuple(ward_options(DEFAULT_PROVINCE))

    def load_categories() -> tuple[tuple[str, str], ...]:
        return tuple((c.code, category_label(c)) for c in _report_categories(retired=True))

    ward_value = (request.GET.get("ward") or "").strip()
    if filters.ward is not None:  # shown as the list of suggestions names it
        ward_value = ward_option_label(filters.ward.name)
    context = {
        "form": form,
        "filter_problems": problems,
        "filters": filters,
        "ward_value": ward_value,
        "wards": configcache.cached(
            ("reports:public_wards", DEFAULT_PROVINCE, language), load_wards, gen=gen
        ),
        "ward_words": division_words(),
        "categories": configcache.cached(("reports:public_categories", language), load_categories, gen=gen),
        "states": [(value, str(label)) for value, label in STATE_LABELS.items()],
        "periods": [(str(days), str(PERIOD_LABELS[days])) for days in PERIODS],
        "page": page,
        "page_links": [
            (n, _grouped(n)) if n is not None else (None, "…")
            for n in _page_links(page.number, page.num_pages)
        ],
        "page_number_text": _grouped(page.number),
        "num_pages_text": _grouped(page.num_pages),
        "rows": rows,
        "count_text": count_text,
        "search_note": search_note,
        "filters_query": keep.urlencode(),
        "applied": _applied_filters(filters, keep),
        "map_points": map_points,
        "map_province": DEFAULT_PROVINCE,
        **_map_settings(),
    }
    status = 400 if problems else 200
    return render(request, "reports/public_list.html", context, status=status)
