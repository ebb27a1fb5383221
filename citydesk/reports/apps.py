from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "citydesk.reports"
    label = "reports"
    verbose_name = _("Citizen reports (1022)")
