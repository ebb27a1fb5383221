from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "citydesk.reports"
    label = "reports"
    verbose_name = _("Citizen reports (1022)")

    def ready(self) -> None:
        from citydesk.core.deadline_follow import register
        from citydesk.reports.services.deadlines import follow_calendar

        register("reports", follow_calendar)  # open deadlines follow a change of the working calendar
