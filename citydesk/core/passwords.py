"""Password rules in the site's language.

Django 5.2's MinimumLengthValidator says its message with a msgid ("… at least %d characters") that its
Vietnamese catalog does not have (it translates the older "%(min_length)d" one), so a short password was
refused in English next to Vietnamese messages of the other validators. This one says it through CityDesk's
own catalog.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("This password is too short: it must have at least %(n)s characters.") % {
            "n": self.min_length
        }

    def get_help_text(self) -> str:
        return _("Your password must have at least %(n)s characters.") % {"n": self.min_length}
