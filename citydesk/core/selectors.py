"""Reads of the organisation tree shared by the subsystems."""

from __future__ import annotations

from collections.abc import Iterable

from citydesk.core.models import Organisation


def descendant_ids(root_ids: Iterable[int]) -> set[int]:
    """Organisation ids and everything below them (one query per level: the tree is shallow)."""
    result = set(root_ids)
    frontier = set(result)
    while frontier:
        children = set(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = children - result
        result |= frontier
    return result
