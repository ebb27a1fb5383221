from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from citydesk.core.errors import DomainError
from citydesk.core.management.commands._output import TranslatedCommand, number
from citydesk.core.models import Membership, Organisation, User
from citydesk.core.powers import Role
from citydesk.lib.text import sort_key


class Command(TranslatedCommand):
    help = gettext_lazy(
        "List the accounts: log-in name, full name, unit and role, active or not; filter by unit code and role."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--unit", help=gettext_lazy("organisation code, e.g. 26743 or 79.SXD"))
        parser.add_argument(
            "--role",
            help=gettext_lazy("citizen, operator, officer, deputy, head, leader, inspector or admin"),
        )
        parser.add_argument("--inactive", action="store_true", help=gettext_lazy("only deactivated accounts"))

    def handle(self, *args: Any, **options: Any) -> None:
        memberships = Membership.objects.select_related("user", "organisation").filter(is_active=True)
        if options["unit"]:
            unit = Organisation.objects.filter(code=options["unit"].strip()).first()
            if unit is None:
                raise DomainError(
                    _("Unknown organisation code “%(c)s”.") % {"c": options["unit"]}, field="unit"
                )
            memberships = memberships.filter(organisation=unit)
        citizens = options["role"] == "citizen"  # create-user's word for an account with no unit
        if options["role"] and not citizens:
            if options["role"] not in Role.values:
                raise DomainError(
                    _("Unknown role “%(role)s”; choose one of: %(roles)s.")
                    % {"role": options["role"], "roles": ", ".join(["citizen", *Role.values])},
                    field="role",
                )
            memberships = memberships.filter(role=options["role"])
        rows = [
            (m.user, m.organisation.code, str(Role(m.role).label))
            for m in ([] if citizens else memberships)
            if not options["inactive"] or not m.user.is_active
        ]
        if citizens and options["unit"]:
            rows = []  # a citizen belongs to no unit
        elif citizens or (not options["unit"] and not options["role"]):  # accounts without a unit too
            members = Membership.objects.filter(is_active=True).values("user_id")
            others = (
                User.objects.exclude(pk__in=members)
                if citizens
                else User.objects.exclude(pk__in={user.pk for user, _u, _r in rows})
            )
            if options["inactive"]:
                others = others.filter(is_active=False)
            rows += [(user, "-", _("citizen") if citizens else "-") for user in others]
        rows.sort(key=lambda r: (sort_key(r[0].full_name or r[0].username), r[1]))
        for user, unit, role in rows:
            state = _("active") if user.is_active else _("deactivated")
            self.stdout.write(
                f"{user.username:<16} {user.full_name or '-':<28} {unit:<12} {role:<24} {state}"
            )
        self.stdout.write(ngettext("%(n)s account.", "%(n)s accounts.", len(rows)) % {"n": number(len(rows))})
