"""The layout's template tags: `{% nav_access as nav %}` gives the flags of citydesk.web.nav.NavAccess;
`{% map_texts as texts %}` the texts of the maps' controls."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, override
from django.utils.translation import gettext as _

from citydesk.lib.text import nfc
from citydesk.web.nav import NavAccess, nav_access
from citydesk.web.templatetags.text_lang import looks_vietnamese

register = template.Library()


@register.simple_tag(takes_context=True, name="nav_access")
def nav_access_tag(context: Any) -> NavAccess:
    request = context.get("request")
    if request is None:  # a template rendered without a request (e-mails, tests): public links only
        return NavAccess()
    return nav_access(request)


@register.simple_tag(takes_context=True, name="administrator_without_role")
def administrator_without_role_tag(context: Any) -> bool:
    """True for a system administrator (superuser, staff or the administrator role) holding no working
    role in any unit: a refused page tells them why (the working pages follow a role in a unit, not the
    administrator's rights) and where to give one."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    from citydesk.core.models import Membership
    from citydesk.core.powers import Role

    roles = set(Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True))
    administrator = user.is_superuser or user.is_staff or Role.ADMIN in roles
    return administrator and not roles - {Role.ADMIN}


@register.simple_tag(name="map_texts")
def map_texts_tag() -> dict[str, str]:
    """The texts of the maps' own controls (Leaflet writes English ones), in the page's language: every
    page carries them (`json_script`, the CSP allows no inline script), the map scripts read them."""
    return {
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
        "two_fingers": _("Use two fingers to move the map."),
    }


@register.simple_tag(name="language_choices")
def language_choices_tag() -> list[tuple[str, str]]:
    """(code, name in that language) of each language of the site: the header's buttons say "VI"/"EN" and
    carry the full name for screen readers (Django's names, in NFC like every text of the site)."""
    return [(code, nfc(get_language_info(code)["name_local"])) for code, _name in settings.LANGUAGES]


# A web address (the messages' tracking links, with their key) or a report (PA-…) / dossier (HS-…) code;
# a code inside an address is part of the address.
_LINKABLE = re.compile(r"(?P<url>https?://[^\s<>\"']+)|\b(?P<kind>PA|HS)-\d{2}-\d{6,}\b")
_URL_TRAILING = ".,;:!?)]"  # punctuation after an address in a sentence, not part of it


_CODE_IN_URL = re.compile(r"\b(?:PA|HS)-\d{2}-\d{6,}\b")


@register.simple_tag(takes_context=True, name="language_next")
def language_next_tag(context: Any) -> str:
    """Where the language switch brings the reader back: this page, or for a page answering a form (a refused
    form's page, whose address takes only POST) the page the form was sent from, as the browser names it
    (same-origin Referer, see SECURE_REFERRER_POLICY), else the home page."""
    request = context.get("request")
    if request is None:
        return "/"
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


def _url_label(url: str) -> str:
    """How a message's address reads on the page: a tracking link (with its key, long and meaningless to a
    reader, wrapping over lines on a phone) as the page of its code, "trang PA-26-000041"; another address
    as its site. The link itself is the whole address."""
    public = settings.CITYDESK_PUBLIC_URL.rstrip("/")
    if url.startswith(public + reverse("ioc:directives")):  # the platform's own page, not a quoted link
        return str(escape(_("See the directive")))
    code = _CODE_IN_URL.search(url)
    if code is not None:
        return str(escape(_("page %(code)s") % {"code": code.group(0)}))
    rest = url.split("://", 1)[-1]
    site, _slash, path = rest.partition("/")
    return f"{site}/…" if path else site


@register.filter(name="linked_codes")
def linked_codes_filter(text: str, officer: bool = False) -> str:
    """The text, escaped, with each web address a link to itself and each report (PA-…) and dossier (HS-…)
    code a link to its page: the handling page for an officer, the public tracking page for anyone else."""

    # The label of an address is part of the message's sentence ("Theo dõi tại trang PA-…"): written in the
    # message's language, whatever the page's.
    label_language = "vi" if looks_vietnamese(text) else get_language()

    def link(match: re.Match[str]) -> str:
        url = match.group("url")
        if url is not None:
            kept = url.rstrip(_URL_TRAILING)
            with override(label_language):
                label = _url_label(kept)
            return f'<a href="{kept}" class="message-url">{label}</a>{url[len(kept) :]}'
        code = match.group(0)
        if match.group("kind") == "PA":
            target = reverse("reports:officer" if officer else "reports:track", args=[code])
        else:
            target = reverse("dossiers:dossier" if officer else "dossiers:track", args=[code])
        return f'<a href="{target}" class="message-code">{code}</a>'

    return mark_safe(_LINKABLE.sub(link, str(escape(text))))


@register.simple_tag(takes_context=True, name="unread_messages")
def unread_messages_tag(context: Any) -> int:
    """Unread messages of the signed-in person's inbox (0 for a visitor): the header's count."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    from citydesk.notifications.services import inbox_unread_count

    return inbox_unread_count(user)
