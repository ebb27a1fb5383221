"""An officer's internal note on a dossier: for the handling units, never shown to the applicant."""

from __future__ import annotations

from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from citydesk.core.audit import Actor
from citydesk.core.errors import DomainError, NotAllowed, NotFound
from citydesk.core.models import User
from citydesk.dossiers import selectors
from citydesk.dossiers.models import Dossier, DossierEvent
from citydesk.dossiers.services.common import event
from citydesk.lib.text import nfc

NOTE_LIMIT = 4000


@transaction.atomic
def dossier_note(*, user: User, code: str, text: str) -> DossierEvent:
    """An internal note in the dossier's history, by one of its handling officers (the receiving unit,
    a step's unit, the heads above them, a delegate). The applicant's page never shows it."""
    dossier = Dossier.objects.select_for_update().filter(code=code).first()
    if dossier is None:
        raise NotFound(_("No dossier %(code)s.") % {"code": code}, field="code")
    if not selectors.may_handle(user, dossier, list(dossier.steps.all())):
        raise NotAllowed(_("You cannot act on dossier %(code)s.") % {"code": dossier.code})
    text = nfc(text or "").strip()
    if not text:
        raise DomainError(_("Write the note."), field="text")
    if len(text) > NOTE_LIMIT:
        raise DomainError(
            _("The note is too long (at most %(n)s characters).")
            % {"n": number_format(NOTE_LIMIT, force_grouping=True)},
            field="text",
        )
    actor = Actor(user_id=user.pk, label=user.full_name or user.username)
    return event(dossier, actor, DossierEvent.Kind.NOTE, note=text, public=False)
