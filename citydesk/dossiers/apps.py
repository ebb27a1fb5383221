from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "citydesk.dossiers"
    label = "dossiers"
    verbose_name = _("Administrative procedures and dossiers")

    def ready(self) -> None:
        from citydesk.core.deadline_follow import register
        from citydesk.dossiers.services.deadlines import follow_calendar

        register("dossiers", follow_calendar)  # open deadlines follow a change of the working calendar
