from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _value_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Keep the running totals in step with every value saved or deleted (see `running.py`)."""
    from citydesk.indicators import running

    if kwargs.get("raw"):  # loaddata: the fixture brings its own rows
        return
    running.changed(instance.indicator_id, instance.unit_id, instance.period_type, instance.period)


class IndicatorsConfig(AppConfig):
    name = "citydesk.indicators"
    label = "indicators"
    verbose_name = _("Socio-economic indicators")

    def ready(self) -> None:
        from citydesk.indicators.models import DataValue

        post_save.connect(_value_changed, sender=DataValue, dispatch_uid="indicators-running-save")
        post_delete.connect(_value_changed, sender=DataValue, dispatch_uid="indicators-running-delete")
