from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_rollups(sender: AppConfig, *, verbosity: int = 1, using: str = "default", **kwargs: Any) -> None:
    from citydesk.ioc import rollup

    rollup.ensure_installed(verbosity=verbosity)


class IocConfig(AppConfig):
    name = "citydesk.ioc"
    label = "ioc"
    verbose_name = _("Operations center")

    def ready(self) -> None:
        post_migrate.connect(_install_rollups, sender=self, dispatch_uid="citydesk.ioc.rollups")
