"""The menu's template tag: `{% nav_access as nav %}` gives the flags of citydesk.web.nav.NavAccess."""

from __future__ import annotations

from typing import Any

from django import template

from citydesk.web.nav import NavAccess, nav_access

register = template.Library()


@register.simple_tag(takes_context=True, name="nav_access")
def nav_access_tag(context: Any) -> NavAccess:
    request = context.get("request")
    if request is None:  # a template rendered without a request (e-mails, tests): public links only
        return NavAccess()
    return nav_access(request)
