"""What the commands print: counts named in the site's language, numbers grouped the local way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from citydesk.core.errors import DomainError
from citydesk.core.management.base import CityDeskCommand

# Keys of the counts the loaders return (core.units, the demo seeds, the SLA sweep).
COUNT_LABELS: dict[str, Any] = {
    "provinces": _("province-level units"),
    "wards": _("commune-level units"),
    "legacy_units": _("units before 2025"),
    "legacy_mappings": _("old-to-new unit links"),
    "approximate_boundaries": _("approximate boundaries"),
    "organisations": _("organisations"),
    "users_created": _("users created"),
    "categories": _("service categories"),
    "procedures": _("procedures"),
    "forms": _("blank forms added"),
    "demo_reports": _("demo reports"),
    "demo_dossiers": _("demo dossiers"),
    "demo_targets": _("demo one-stop targets"),
    "demo_ratings": _("demo ratings"),
    "indicator_groups": _("indicator groups"),
    "indicators": _("indicators"),
    "indicator_values": _("indicator values"),
    "indicator_plans": _("indicator plans"),
    "indicator_platform_values": _("values computed from the platform"),
    "indicator_findings_open": _("open indicator findings"),
    "warned": _("warned before the deadline"),
    "escalated": _("escalated to the unit head"),
    "escalated_nobody": _("overdue, nobody to tell"),
    "auto_closed": _("closed without the citizen's answer"),
    "triage_warned": _("warned before the triage deadline"),
    "triage_escalated": _("not classified in time, escalated to the unit head"),
    "triage_escalated_nobody": _("not classified in time, nobody to tell"),
}


def number(value: int | float, decimals: int | None = None) -> str:
    return number_format(value, decimal_pos=decimals, force_grouping=True)


def count_text(counts: dict[str, int]) -> str:
    """ "tỉnh, thành phố: 34; phường, xã: 3.321" — each count with its name."""
    return "; ".join(f"{COUNT_LABELS.get(key, key)}: {number(value)}" for key, value in counts.items())


def whole_number(value: Any, option: str, *, low: int = 1, high: int | None = None) -> int:
    """A command-line option's whole number in [low, high]; DomainError naming the option otherwise."""
    try:
        result = int(str(value).strip().replace("_", "").replace(",", ""))
    except (TypeError, ValueError):
        raise DomainError(
            gettext("%(option)s must be a whole number, not “%(value)s”.")
            % {"option": option, "value": value},
            field=option.lstrip("-"),
        ) from None
    if result < low or (high is not None and result > high):
        message = (
            gettext("%(option)s must be at least %(low)s (got %(value)s).")
            if high is None
            else gettext("%(option)s must be between %(low)s and %(high)s (got %(value)s).")
        )
        values = {"option": option, "low": number(low), "value": number(result)}
        raise DomainError(message % {**values, "high": number(high or 0)}, field=option.lstrip("-"))
    return result


class TranslatedCommand(CityDeskCommand):
    """A command whose `help` is a lazy translation: argparse needs it as a plain string."""

    def get_version(self) -> str:
        """`citydesk COMMAND --version`: CityDesk's version, not Django's (as `citydesk --version`)."""
        from citydesk.cli import version_text

        return version_text()

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)


def readable_file(path: Path) -> Path:
    """The path of an input file that exists, or the command's error (exit 2) saying it does not."""
    if not path.is_file():
        raise CommandError(gettext("%(file)s: file not found.") % {"file": path}, returncode=2)
    return path


def import_rejected(path: Path, exc: Any, *, limit: int = 200) -> CommandError:
    """An all-or-nothing import refused: the reason, then each row's problem (row, column, message)."""
    lines = [f"{path}: {exc.message}"]
    # A refusal of the whole file may carry itself as its one row error ("Tệp trống." twice): said once.
    errors = [e for e in exc.errors if e.column or e.message != exc.message]
    for error in errors[:limit]:
        lines.append(
            "  "
            + gettext("row %(row)s, %(column)s: %(message)s")
            % {"row": error.row, "column": error.column or "-", "message": error.message}
        )
    if len(errors) > limit:
        more = len(errors) - limit
        lines.append("  " + ngettext("… and %(n)s more", "… and %(n)s more", more) % {"n": number(more)})
    return CommandError("\n".join(lines), returncode=2)


def add_production_guard(parser: Any) -> None:
    """`--allow-production`, for the commands that load made-up data (see `refuse_in_production`)."""
    parser.add_argument(
        "--allow-production",
        action="store_true",
        help=_("run even with CITYDESK_PRODUCTION=true (a public demo site); never on a city's real data"),
    )


def refuse_in_production(options: dict[str, Any], *, what: str) -> None:
    """Made-up data (demo accounts with the published password, fake reports) has no place on a production
    installation: refused there unless `--allow-production` says it is a demo site run in production mode."""
    from django.conf import settings

    if settings.PRODUCTION and not options.get("allow_production"):
        raise DomainError(
            gettext(
                "This installation runs with CITYDESK_PRODUCTION=true: %(what)s would add made-up data to it. "
                "To load only the starting catalogue (administrative units, service categories, procedures), "
                "run “citydesk seed-catalog”; for a public demo site, add --allow-production."
            )
            % {"what": what},
            field="allow-production",
        )
