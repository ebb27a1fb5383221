"""Messages of Django itself (its forms, validators and back office) that its Vietnamese translation words
awkwardly or wrongly: a space before the full stop ("…bằng với 0 ."), a typo ("quyển" for "quyền"), a
refusal that blames the account's rights where the records are kept on purpose.

Marked here so that `makemessages` keeps them in the project's catalogue, whose translations win over
Django's (LOCALE_PATHS come first). Nothing imports this module: it only carries the messages.
"""

from django.utils.translation import gettext_noop

DJANGO_MESSAGES = [
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    gettext_noop("%(model_name)s with this %(field_label)s already exists."),
    gettext_noop("Please correct the duplicate data for %(field)s."),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would result in deleting related objects, but your "
        "account doesn't have permission to delete the following types of objects:"
    ),
    gettext_noop(
        "Deleting the selected %(objects_name)s would result in deleting related objects, but your account "
        "doesn't have permission to delete the following types of objects:"
    ),
    # The user page (django.contrib.auth): "trạng thái superuser", "trang admin"; and a session is "Phiên",
    # with a capital in the middle of the permissions' names ("Xem Phiên").
    gettext_noop("superuser status"),
    gettext_noop("Designates that this user has all permissions without explicitly assigning them."),
    gettext_noop("Designates whether the user can log into this admin site."),
    gettext_noop("session"),
    # Names Django leaves without any Vietnamese (the sessions app read “Sessions” in the permission lists).
    gettext_noop("Sessions"),
    gettext_noop("sessions"),
]
