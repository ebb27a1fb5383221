from typing import Any

from django.utils.translation import gettext_lazy

from citydesk.core.demo import seed_catalog
from citydesk.core.management.commands._output import TranslatedCommand, count_text


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Load the starting catalogue of a real installation (idempotent): the 34 provinces and 3,321 "
        "commune-level units, the service categories with their questions, and the common administrative "
        "procedures. Nothing made up: no accounts, no organisations, no reports or dossiers. What is already "
        "there, an administrator's edits included, is left as it is."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(count_text(seed_catalog()))
