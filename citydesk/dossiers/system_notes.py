"""The notes the platform writes in a dossier's history, by key (see `core.history_notes`).

Writers store `system_note(KEY, **args)` on the event (`services.common.event(..., **system_note(...))`):
a channel code, an ISO datetime, an amount in đồng, a payment provider's or desk method's code, a
reference; `DossierEvent.display_note` renders them in the reader's language. The msgids are the ones
the services used to store already translated; migration 0008 turns the notes stored that way into keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from citydesk.core.history_notes import label, local_datetime, register, role, system_note
from citydesk.dossiers.models import Channel, in_active_language

__all__ = ["role", "system_note"]


def _amount(value: Any) -> str:
    from citydesk.dossiers.services.common import vnd  # the amount as the active language writes it

    return vnd(int(value))


def _provider(value: str) -> str:
    from citydesk.dossiers.payments import provider_label

    return provider_label(value)


def _desk_method(value: str) -> str:
    from citydesk.dossiers.payments import DESK_METHODS

    method = DESK_METHODS.get(value)
    return str(method) if method is not None else value


def _received(args: Mapping[str, Any]) -> dict[str, str]:
    return {"channel": label(Channel, args["channel"]), "due": local_datetime(args["due"])}


RECEIVED = register("dossier.received", _("Received (%(channel)s); due %(due)s."), _received)
PAID_ONLINE = register(
    "dossier.paid_online",
    _("%(amount)s paid through %(provider)s (%(ref)s)."),
    lambda a: {"amount": _amount(a["amount"]), "provider": _provider(a["provider"]), "ref": a["ref"]},
)
PAID_AT_DESK = register(
    "dossier.paid_at_desk",
    _("%(amount)s paid: %(method)s, receipt no. %(receipt)s."),
    lambda a: {"amount": _amount(a["amount"]), "method": _desk_method(a["method"]), "receipt": a["receipt"]},
)
# The step a forward completed, by its names as the dossier has them (“%(step)s” alone: no wording).
STEP_DONE = register(
    "dossier.step_done",
    "%(step)s",
    lambda a: {"step": in_active_language(a["name"], a.get("name_en") or "")},
)
CALENDAR_MOVED = register(
    "dossier.calendar_moved",
    _("Due time moved to %(d)s: the working calendar changed (%(reason)s)."),
    lambda a: {"d": local_datetime(a["due"]), "reason": a["reason"]},
)
