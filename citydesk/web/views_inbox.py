"""The signed-in person's notifications (in-app messages): escalations, assignments, answers, reminders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from citydesk.notifications.models import Channel, Notification
from citydesk.notifications.services import inbox_mark_read, inbox_unread_count

PAGE_SIZE = 30


@login_required
@require_http_methods(["GET", "POST"])
def inbox_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # One message ("read" = its id) or every one ("read" = "all"); the page comes back where it was.
        wanted = request.POST.get("read", "")
        if wanted == "all":
            inbox_mark_read(request.user)
        elif wanted.isdigit():
            inbox_mark_read(request.user, [int(wanted)])
        page = request.POST.get("page", "")
        return redirect(f"{request.path}?page={page}" if page.isdigit() else request.path)
    messages = Notification.objects.filter(
        recipient=request.user, channel=Channel.IN_APP, status=Notification.Status.SENT
    ).order_by("-created_at", "-id")
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    from citydesk.reports.selectors import working_units

    context = {
        "page": page,
        "unread": inbox_unread_count(request.user),
        # Codes lead an officer to the handling pages, anyone else to the public tracking pages.
        "officer": bool(working_units(request.user)),
    }
    return render(request, "web/inbox.html", context)
