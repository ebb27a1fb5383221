"""The layout's template tags: `{% nav_access as nav %}` gives the flags of citydesk.web.nav.NavAccess;
`{% map_texts as texts %}` the texts of the maps' controls."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from citydesk.lib.text import nfc
from citydesk.web.nav import NavAccess, nav_access

register = template.Library()


@register.simple_tag(takes_context=True, name="nav_access")
def nav_access_tag(context: Any) -> NavAccess:
    request = context.get("request")
    if request is None:  # a template rendered without a request (e-mails, tests): public links only
        return NavAccess()
    return nav_access(request)


@register.simple_tag(name="map_texts")
def map_texts_tag() -> dict[str, str]:
    """The texts of the maps' own controls (Leaflet writes English ones), in the page's language: every
    page carries them (`json_script`, the CSP allows no inline script), the map scripts read them."""
    return {
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
    }


@register.simple_tag(name="language_choices")
def language_choices_tag() -> list[tuple[str, str]]:
    """(code, name in that language) of each language of the site: the header's buttons say "VI"/"EN" and
    carry the full name for screen readers (Django's names, in NFC like every text of the site)."""
    return [(code, nfc(get_language_info(code)["name_local"])) for code, _name in settings.LANGUAGES]
