"""authorize() asked once per power and unit for one user: the rule behind a page's buttons and the API's
`allowed_actions`, without a query per row and per move."""

from __future__ import annotations

from citydesk.core.errors import NotAllowed
from citydesk.core.models import Organisation, User
from citydesk.core.services import authorize


class PowerCheck:
    """authorize() answers for one user, asked once per power and unit (one page, one queue)."""

    def __init__(self, user: User | None) -> None:
        self.user = user
        self.cache: dict[tuple[str, int], bool] = {}

    def holds(self, power: str, unit: Organisation) -> bool:
        user = self.user
        if user is None or not user.is_authenticated:
            return False
        key = (power, unit.pk)
        if key not in self.cache:
            try:
                authorize(user, power, unit)
            except NotAllowed:
                self.cache[key] = False
            else:
                self.cache[key] = True
        return self.cache[key]
