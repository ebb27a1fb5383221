"""Reads of the organisation tree shared by the subsystems."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from citydesk.core.models import AdminUnit, DivisionLevel, Organisation
from citydesk.core.validators import organisation_province


def descendant_ids(root_ids: Iterable[int]) -> set[int]:
    """Organisation ids and everything below them (one query per level: the tree is shallow)."""
    result = set(root_ids)
    frontier = set(result)
    while frontier:
        children = set(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = children - result
        result |= frontier
    return result


def names_told_apart(orgs: Iterable[Organisation]) -> dict[int, str]:
    """Each organisation's name as a list shows it: followed by its province's name when another one of
    the list has the same name (Hà Nội's and Hồ Chí Minh City's "Sở Tư pháp"), by its code when it has no
    province. One query for the province names, and only when two names meet."""
    orgs = list(orgs)
    seen = Counter(org.name for org in orgs)
    shared = {org.pk: organisation_province(org) for org in orgs if seen[org.name] > 1}
    names: dict[str, str] = {}
    if shared:
        names = dict(
            AdminUnit.objects.filter(
                level=DivisionLevel.PROVINCE, code__in=set(shared.values()) - {None}
            ).values_list("code", "name")
        )
    labels = {}
    for org in orgs:
        if org.pk not in shared:
            labels[org.pk] = org.name
        elif shared[org.pk] in names:
            labels[org.pk] = f"{org.name} – {names[shared[org.pk]]}"
        else:
            labels[org.pk] = f"{org.name} ({org.code})"
    return labels
