"""Messages of Django itself that its Vietnamese catalogs leave in English on the back office.

Never called: `makemessages` extracts these msgids into CityDesk's catalog, which is read before Django's
own (LOCALE_PATHS), so the back office shows its Vietnamese. The msgids must stay exactly Django's.

- "Please correct the error below." is a plural message in Django 5's admin templates
  (`{% blocktranslate count %}`), looked up as msgid + plural. Django's Vietnamese admin catalog, and
  ours until now (web/admin_strings.py), have only the two singular msgids, which a plural lookup never
  finds: hence the English. The call below makes `makemessages` write the plural entry.
- "Enter a valid JSON." (forms.JSONField) and the ManagementForm message (formsets) have an empty
  translation in Django's Vietnamese catalog.
- Words Django's Vietnamese catalogs translate wrongly: "History" as “Bản ghi nhớ” (a memo), "log entry"
  as “đăng nhập” (a log-in), "permission(s)" as “cho phép” (to allow), "groups" as “Các nhóm” in the
  middle of a sentence (“Chọn Các nhóm…”).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop, ngettext

DJANGO_WORDS = (
    gettext_noop("History"),
    gettext_noop("log entry"),
    gettext_noop("log entries"),
    gettext_noop("permission"),
    gettext_noop("permissions"),
    gettext_noop("groups"),
)

DJANGO_FORM_MESSAGES = (
    gettext_noop("Enter a valid JSON."),
    gettext_noop(
        "ManagementForm data is missing or has been tampered with. Missing fields: "
        "%(field_names)s. You may need to file a bug report if the issue persists."
    ),
)


def _admin_plural_messages(count: int) -> str:  # pragma: no cover - only read by makemessages
    return ngettext("Please correct the error below.", "Please correct the errors below.", count)
