"""authorize() asked once per power and unit for one user: the rule behind a page's buttons and the API's
`allowed_actions`, in a fixed number of queries however many units a page shows."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from django.utils import timezone

from citydesk.core.errors import NotAllowed
from citydesk.core.models import Delegation, Membership, Organisation, User
from citydesk.core.powers import ROLE_POWERS, ROLES_RECEIVING_UNIT_DELEGATION
from citydesk.core.services import authorize


class PowerCheck:
    """Answers "may this user use this power over this unit?" for a whole page: the user's roles, the
    organisation tree and whether any delegation could apply are read once (three queries); own-right
    answers are then computed in memory, and only a user who has a delegation in force is asked through
    authorize() (the full rule), once per power and unit."""

    def __init__(self, user: User | None) -> None:
        self.user = user
        self.cache: dict[tuple[str, int], bool] = {}
        self.extra: dict[tuple, bool] = {}
        self._roles: dict[int, set[str]] | None = None
        self._parent_of: dict[int, int | None] = {}
        self._delegated = False

    def _load(self, user: User) -> dict[int, set[str]]:
        if self._roles is None:
            roles: dict[int, set[str]] = {}
            for org_id, role in Membership.objects.filter(user=user, is_active=True).values_list(
                "organisation_id", "role"
            ):
                roles.setdefault(org_id, set()).add(role)
            self._roles = roles
            self._parent_of = dict(Organisation.objects.values_list("id", "parent_id"))
            day = timezone.localdate()
            head_of = [org for org, held in roles.items() if held & set(ROLES_RECEIVING_UNIT_DELEGATION)]
            self._delegated = Delegation.objects.filter(
                Q(delegate_user=user) | Q(delegate_organisation_id__in=head_of),
                start_date__lte=day,
                end_date__gte=day,
                revoked_at__isnull=True,
            ).exists()
        return self._roles

    def _ancestors(self, unit_id: int) -> list[int]:
        ids: list[int] = []
        node: int | None = unit_id
        while node is not None and node not in ids:
            ids.append(node)
            node = self._parent_of.get(node)
        return ids

    @property
    def delegated(self) -> bool:
        """May a delegation in force give this user some power (read once, with the roles)?"""
        user = self.user
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        self._load(user)
        return self._delegated

    def holds_in_own_right(self, power: str, unit: Organisation) -> bool:
        """Holds `power` over `unit` by a role (not a delegation): in memory, after the first call."""
        user = self.user
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        roles = self._load(user)
        return any(
            power in ROLE_POWERS[role] for org in self._ancestors(unit.pk) for role in roles.get(org, ())
        )

    def remembered(self, key: tuple, answer: Callable[[], bool]) -> bool:
        """`answer()` once per key for the page (a question asked of every row, e.g. whether a
        delegation reaches a dossier received at a given unit)."""
        if key not in self.extra:
            self.extra[key] = answer()
        return self.extra[key]

    def holds(self, power: str, unit: Organisation) -> bool:
        user = self.user
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        key = (power, unit.pk)
        if key not in self.cache:
            own = self.holds_in_own_right(power, unit)
            if own or not self._delegated:
                self.cache[key] = own
            else:  # a delegation is in force somewhere: the full rule decides
                try:
                    authorize(user, power, unit)
                except NotAllowed:
                    self.cache[key] = False
                else:
                    self.cache[key] = True
        return self.cache[key]
