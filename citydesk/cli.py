"""The `citydesk` console command: Django's manage.py with CityDesk's settings.

A configuration mistake (a missing secret, an unreadable *_FILE, a variable that is not a number) is said in
one line naming the variable, with exit code 2, instead of a fifty-line traceback.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydesk.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv if argv is not None else sys.argv)
    except ImproperlyConfigured as exc:
        # Settings may be what failed: no translation machinery here. The messages are written in the site's
        # language (Vietnamese) and name the variable; the README's "Configuration" lists them all.
        sys.stderr.write(f"citydesk: lỗi cấu hình: {exc} (xem README, mục “Configuration”)\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
