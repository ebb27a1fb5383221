"""Reference data intake reads on every dossier, cached per process until the configuration changes.

The procedure catalog and the campaigns are watched by the configuration triggers (dossiers 0002),
organisations by core's; see `core/configcache.py`. Cached objects are shared: read them only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from citydesk.core import configcache
from citydesk.core.models import Organisation
from citydesk.dossiers.models import Campaign, Procedure, ProcedureDocument, ProcedureStep


@dataclass(frozen=True)
class CatalogEntry:
    procedure: Procedure
    documents: tuple[ProcedureDocument, ...]
    steps: tuple[ProcedureStep, ...]


@dataclass(frozen=True)
class CampaignEntry:
    id: int
    start: dt.date
    end: dt.date
    procedures: frozenset[int]
    units: frozenset[int]


@dataclass(frozen=True)
class Organisations:
    by_code: dict[str, Organisation]
    by_id: dict[int, Organisation]

    def city_of(self, unit: Organisation) -> Organisation:
        top, seen = unit, 0
        while top.parent_id is not None and top.parent_id in self.by_id and seen < 10:
            top = self.by_id[top.parent_id]
            seen += 1
        return top


def _load_catalog() -> dict[str, CatalogEntry]:
    procedures = Procedure.objects.filter(is_active=True).prefetch_related("documents", "steps")
    return {
        p.code: CatalogEntry(
            procedure=p,
            documents=tuple(sorted(p.documents.all(), key=lambda d: d.position)),
            steps=tuple(sorted(p.steps.all(), key=lambda s: s.position)),
        )
        for p in procedures
    }


def _load_campaigns() -> list[CampaignEntry]:
    entries = []
    for campaign in Campaign.objects.filter(is_active=True).prefetch_related("procedures", "units"):
        entries.append(
            CampaignEntry(
                id=campaign.pk,
                start=campaign.start_date,
                end=campaign.end_date,
                procedures=frozenset(p.pk for p in campaign.procedures.all()),
                units=frozenset(u.pk for u in campaign.units.all()),
            )
        )
    return sorted(entries, key=lambda c: (c.start, c.id))


def _load_organisations() -> Organisations:
    orgs = list(Organisation.objects.filter(is_active=True).select_related("admin_unit"))
    by_id = {o.pk: o for o in orgs}
    for org in orgs:  # the tree in memory: `ancestor_ids()` and `city_of` walk it without queries
        org.parent = by_id.get(org.parent_id) if org.parent_id else None  # type: ignore[assignment]
    return Organisations(by_code={o.code: o for o in orgs}, by_id=by_id)


def catalog_entry(code: str, *, gen: int | None) -> CatalogEntry | None:
    return configcache.cached("dossier_catalog", _load_catalog, gen=gen).get(code)


def organisations(*, gen: int | None) -> Organisations:
    return configcache.cached("dossier_organisations", _load_organisations, gen=gen)


def campaign_for(procedure_id: int, unit_id: int, day: dt.date, *, gen: int | None) -> int | None:
    """The id of the active campaign listing the procedure at the unit on `day` (the earliest)."""
    for campaign in configcache.cached("dossier_campaigns", _load_campaigns, gen=gen):
        if (
            campaign.start <= day <= campaign.end
            and procedure_id in campaign.procedures
            and unit_id in campaign.units
        ):
            return campaign.id
    return None
