from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "citydesk.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        from citydesk.core import checks  # noqa: F401 - registers the deployment checks
        from citydesk.core.audit_guard import restore_after_migrate

        # Every `citydesk migrate` puts back the audit trail's protection if someone removed it.
        post_migrate.connect(restore_after_migrate, sender=self, dispatch_uid="core.audit_guard")
