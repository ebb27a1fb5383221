"""Who sees what in the operations center: a ward head their ward, a department head their sector,
the city's leaders the whole city (the organisations where they hold the dashboard power, and below)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from citydesk.core.errors import NotAllowed
from citydesk.core.models import Membership, Organisation, User
from citydesk.core.powers import ROLE_POWERS, Power
from citydesk.core.selectors import descendant_ids as _descendants


def dashboard_scope(user: User) -> frozenset[int] | None:
    """The organisation ids whose reports this user's dashboards count; None means the whole city.

    Raises NotAllowed for anyone without the dashboard power (citizens, officers, operators)."""
    if not user.is_authenticated:
        raise NotAllowed(_("Log in to open the operations center."))
    roots = {
        m.organisation_id
        for m in Membership.objects.filter(user=user, is_active=True).only("organisation_id", "role")
        if Power.VIEW_DASHBOARD in ROLE_POWERS.get(m.role, frozenset())
    }
    if not roots:
        raise NotAllowed(_("The operations center is for unit heads and the city's leaders."))
    units = _descendants(roots)
    if len(units) == Organisation.objects.count():
        return None  # every organisation: no unit filter (the roll-ups' smallest grains answer)
    return frozenset(units)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Template context for the dossier pages' sub-menu: the same flags as the main menu
    (`citydesk.web.nav`, the user's roles read once per request), only if a page asks."""
    from citydesk.web.nav import nav_access

    return {"may_open_ioc": SimpleLazyObject(lambda: nav_access(request).operations)}
