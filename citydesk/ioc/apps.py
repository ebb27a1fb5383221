from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IocConfig(AppConfig):
    name = "citydesk.ioc"
    label = "ioc"
    verbose_name = _("Operations center")
