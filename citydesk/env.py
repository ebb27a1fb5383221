"""Typed readers for CITYDESK_* environment variables that fail loudly on bad values.

`KNOWN_VARIABLES` is the one list of the variables CityDesk reads: a reader refuses a name missing from it,
and a CITYDESK_* variable of the environment that is not in it (a typing mistake such as
CITYDESK_PRODUCTON) is named on stderr when the settings load, with the closest known name.
"""

import ast
import importlib.util
import os
import re
import sys
from collections.abc import Mapping
from datetime import time
from difflib import get_close_matches
from email.utils import parseaddr
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import TextIO
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.core.exceptions import ImproperlyConfigured

# Every environment variable CityDesk reads (README, "Configuration"); NAME_FILE is accepted for each.
SETTINGS_VARIABLES = (
    "DATABASE_URL",
    "CITYDESK_DATA_DIR",
    "CITYDESK_PRODUCTION",
    "CITYDESK_DEBUG",
    "CITYDESK_SECRET_KEY",
    "CITYDESK_ALLOWED_HOSTS",
    "CITYDESK_CSRF_TRUSTED_ORIGINS",
    "CITYDESK_DB_CONN_MAX_AGE",
    "CITYDESK_DB_PREPARED_STATEMENTS",
    "CITYDESK_LOGIN_FAILURE_LIMIT",
    "CITYDESK_LOGIN_COOLOFF_MINUTES",
    "CITYDESK_LOGIN_ACCOUNTS_PER_ADDRESS",
    "CITYDESK_TRUSTED_PROXIES",
    "CITYDESK_RATING_DEVICE_LIMIT_PER_HOUR",
    "CITYDESK_RATING_ADDRESS_LIMIT_PER_HOUR",
    "CITYDESK_RATING_CODE_ADDRESS_LIMIT_PER_HOUR",
    "CITYDESK_SSL_REDIRECT",
    "CITYDESK_HSTS_SECONDS",
    "CITYDESK_HSTS_PRELOAD",
    "CITYDESK_MAP_TILES_URL",
    "CITYDESK_STATIC_ROOT",
    "CITYDESK_MEDIA_ROOT",
    "CITYDESK_HEAT_DIR",
    "CITYDESK_CACHE_DIR",
    "CITYDESK_MAX_ATTACHMENTS",
    "CITYDESK_MAX_UNIT_ATTACHMENTS",
    "CITYDESK_OPEN311_CONTACT",
    "CITYDESK_OPEN311_KEY_SERVICE",
    "CITYDESK_MAX_ATTACHMENT_MB",
    "CITYDESK_MAX_DOSSIER_FILE_MB",
    "CITYDESK_MAX_STAGED_UPLOADS",
    "CITYDESK_STAGED_UPLOAD_HOURS",
    "CITYDESK_TASKS_BACKEND",
    "CITYDESK_EMAIL_BACKEND",
    "CITYDESK_EMAIL_HOST",
    "CITYDESK_EMAIL_PORT",
    "CITYDESK_EMAIL_USER",
    "CITYDESK_EMAIL_PASSWORD",
    "CITYDESK_EMAIL_TLS",
    "CITYDESK_EMAIL_TIMEOUT",
    "CITYDESK_HEALTH_TASKS_LATE_MINUTES",
    "CITYDESK_FROM_EMAIL",
    "CITYDESK_REPLY_TO",
    "CITYDESK_SMS_GATEWAY",
    "CITYDESK_SMS_URL",
    "CITYDESK_SMS_TOKEN",
    "CITYDESK_SMS_DIACRITICS",
    "CITYDESK_NOTIFY_MAX_ATTEMPTS",
    "CITYDESK_OFFICE_HOURS",
    "CITYDESK_SAME_DAY_CUTOFF",
    "CITYDESK_REPORT_CODE_PREFIX",
    "CITYDESK_BOUNDARY_CHECK_M",
    "CITYDESK_UNITS_RECHECK_SECONDS",
    "CITYDESK_REOPEN_DAYS",
    "CITYDESK_AUTO_CLOSE_DAYS",
    "CITYDESK_DOSSIER_PHONE_TRIES_PER_CODE",
    "CITYDESK_DOSSIER_PHONE_WINDOW_MINUTES",
    "CITYDESK_DOSSIER_PHONE_TRIES_PER_ADDRESS",
    "CITYDESK_DOSSIER_ONLINE_ADDRESS_LIMIT_PER_HOUR",
    "CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR",
    "CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY",
    "CITYDESK_DOSSIER_ONLINE_PHONE_LIMIT_PER_DAY",
    "CITYDESK_PERSONAL_DATA_ACCESS_YEARS",
    "CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR",
    "CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY",
    "CITYDESK_SLA_WARN_HOURS",
    "CITYDESK_PUBLIC_URL",
    "CITYDESK_INDICATOR_DEADLINE_WORKING_DAYS",
    "CITYDESK_FISCAL_YEAR_START_MONTH",
    "CITYDESK_LOG_LEVEL",
)
# Read by the scripts (scripts/run, scripts/test, .ci/run) and the test suite, not by the settings.
SCRIPT_VARIABLES = (
    "CITYDESK_PYTHON",
    "CITYDESK_WEB_WORKERS",
    "CITYDESK_INSTALL_KIND",
    "CITYDESK_REQUIRE_POSTGRES",
    "CITYDESK_CI_SUITE_TIMEOUT",
)
KNOWN_VARIABLES = frozenset(SETTINGS_VARIABLES + SCRIPT_VARIABLES)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """One line (in Vietnamese: the settings load before any translation) per CITYDESK_* variable of
    `environ` that CityDesk does not read, naming the closest known one."""
    known = KNOWN_VARIABLES | {f"{name}_FILE" for name in KNOWN_VARIABLES}
    lines = []
    for name in sorted(environ):
        if not name.startswith("CITYDESK_") or name in known:
            continue
        # Compared without the common prefix, which would make every name look alike.
        suffixes = {known_name.removeprefix("CITYDESK_"): known_name for known_name in sorted(known)}
        guess = get_close_matches(name.removeprefix("CITYDESK_"), list(suffixes), n=1, cutoff=0.6)
        hint = (
            f"có phải ý bạn là {suffixes[guess[0]]}?"
            if guess
            else "xem danh sách biến trong README, mục “Configuration”"
        )
        lines.append(
            f"citydesk: cảnh báo: CityDesk không dùng biến môi trường {name}, biến này bị bỏ qua ({hint})"
        )
    return lines


def warn_unknown_variables(environ: Mapping[str, str] | None = None, stream: TextIO | None = None) -> None:
    """Write `unknown_variables` to stderr: a warning, the settings load as usual."""
    for line in unknown_variables(os.environ if environ is None else environ):
        (stream or sys.stderr).write(line + "\n")


def redact_url(url: str) -> str:
    """A database address fit to print: its password replaced by *** (`postgres://user:***@host/db`),
    in the user part and in a `password=` query parameter. Everything up to the last "@" counts as the
    user part, so a password with an unencoded "@" or "/" is hidden too."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    base, question, query = rest.partition("?")
    if "@" in base:
        userinfo, _at, host = base.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        base = f"{user}:***@{host}" if colon else f"{userinfo}@{host}"
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(key.lower() == "password" for key, _value in pairs):
        query = urlencode(
            [(key, "***" if key.lower() == "password" else value) for key, value in pairs], safe="*/:@"
        )
    return f"{scheme}://{base}{question}{query}"


def _raw(name: str) -> str | None:
    """Value of NAME, or the contents of the file named by NAME_FILE (for secrets)."""
    if name not in KNOWN_VARIABLES:  # a new variable goes in the list, or it would be reported as unknown
        raise ImproperlyConfigured(f"{name} chưa có trong citydesk.env.SETTINGS_VARIABLES")
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"không đọc được tệp {name}_FILE={file_name!r}: {exc}") from exc
    return os.environ.get(name)


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} phải là true hoặc false (đang là {value!r})")


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} phải là một số nguyên (đang là {value!r})") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Addresses and networks, comma-separated (`127.0.0.1, 10.0.0.0/8, ::1`); a single address is a /32
    (/128) network. A word that is neither stops the start with the variable's name."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{name}: {item!r} không phải địa chỉ IP hay dải mạng (ví dụ 127.0.0.1, 10.0.0.0/8, ::1)"
            ) from exc
    return tuple(networks)


# --- Values with a shape: checked when the settings load, so a mistake stops every command at once ----

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def parse_clock(value: str, name: str) -> time:
    """A time of day written HH:MM (00:00-23:59); ImproperlyConfigured naming `name` otherwise."""
    match = _CLOCK.fullmatch(value.strip())
    if match is None:
        raise ImproperlyConfigured(
            f"{name}: {value.strip()!r} không phải giờ trong ngày dạng HH:MM (ví dụ 07:30)"
        )
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ImproperlyConfigured(
            f"{name}: {value.strip()!r} không phải giờ trong ngày (từ 00:00 đến 23:59)"
        )
    return time(hours, minutes)


def parse_office_hours(value: str, name: str) -> tuple[tuple[time, time], ...]:
    """Office periods `HH:MM-HH:MM,HH:MM-HH:MM`, each starting before it ends, in order, not overlapping."""
    periods: list[tuple[time, time]] = []
    for chunk in value.split(","):
        start_text, sep, end_text = chunk.partition("-")
        if not sep:
            raise ImproperlyConfigured(
                f"{name}: {chunk.strip()!r} không phải khoảng giờ làm việc dạng HH:MM-HH:MM "
                "(ví dụ 07:30-11:30,13:00-17:00)"
            )
        start, end = parse_clock(start_text, name), parse_clock(end_text, name)
        if not start < end:
            raise ImproperlyConfigured(
                f"{name}: khoảng giờ làm việc {chunk.strip()} phải bắt đầu trước khi kết thúc (không có khoảng qua nửa đêm)"
            )
        if periods and start < periods[-1][1]:
            raise ImproperlyConfigured(
                f"{name}: khoảng giờ làm việc {chunk.strip()} bắt đầu trước khi khoảng trước kết thúc "
                "(ghi các khoảng theo thứ tự, không chồng lên nhau)"
            )
        periods.append((start, end))
    return tuple(periods)


def env_clock(name: str, default: str) -> str:
    """A time of day HH:MM, checked; the value as given (stripped)."""
    value = env_str(name, default).strip() or default
    parse_clock(value, name)
    return value


def env_office_hours(name: str, default: str) -> str:
    """Office periods, checked (see `parse_office_hours`); the value as given (stripped)."""
    value = env_str(name, default).strip() or default
    parse_office_hours(value, name)
    return value


def env_log_level(name: str, default: str) -> str:
    """A logging level name (DEBUG, INFO, WARNING, ERROR, CRITICAL), any case; returned in capitals."""
    value = (env_str(name, default).strip() or default).upper()
    if value not in _LOG_LEVELS:
        raise ImproperlyConfigured(f"{name} phải là một trong {', '.join(_LOG_LEVELS)} (đang là {value!r})")
    return value


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def env_url(name: str, default: str, *, required: bool = False) -> str:
    """An http(s) address with a host (or empty, unless `required`); without its trailing slash."""
    value = env_str(name, default).strip().rstrip("/")
    if not value and not required:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(f"{name} phải là một địa chỉ http:// hoặc https:// (đang là {value!r})")
    return value


def env_origins(name: str) -> list[str]:
    """Origins, comma-separated, each `https://host` (or `http://`, a port, a `*.` wildcard subdomain):
    Django compares them with the browser's Origin header, which always has its scheme."""
    origins = env_list(name, [])
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
            raise ImproperlyConfigured(
                f"{name}: mỗi địa chỉ phải có dạng https://tên-miền, không có đường dẫn "
                f"(ví dụ https://citydesk.example.gov.vn; đang là {origin!r})"
            )
    return origins


# The SMS gateway classes CityDesk ships that send to an HTTP address, and the settings each needs.
_SMS_GATEWAY_NEEDS = {
    "citydesk.notifications.channels.HttpJsonSmsGateway": (
        ("CITYDESK_SMS_URL", "địa chỉ http(s) của cổng SMS"),
        ("CITYDESK_SMS_TOKEN", "mã truy cập của cổng, hoặc CITYDESK_SMS_TOKEN_FILE"),
    ),
}


def check_sms_gateway(gateway: str, url: str, token: str) -> None:
    """The HTTP gateway without its address or token would fail every SMS (retried, then dropped, the
    citizens never told): ImproperlyConfigured naming what is missing."""
    values = {"CITYDESK_SMS_URL": url, "CITYDESK_SMS_TOKEN": token}
    missing = [
        f"{name} ({what})" for name, what in _SMS_GATEWAY_NEEDS.get(gateway, ()) if not values[name].strip()
    ]
    if missing:
        raise ImproperlyConfigured(
            f"CITYDESK_SMS_GATEWAY={gateway.rpartition('.')[2]} cần "
            + " và ".join(missing)
            + ": thiếu thì không gửi được tin nhắn SMS nào"
        )


def env_class_path(name: str, default: str) -> str:
    """A dotted path `package.module.Class` naming a class that exists, checked without importing the module
    (it may need the settings being loaded): the module is found and its source defines or imports the name."""
    value = env_str(name, default).strip() or default
    module_name, _dot, attribute = value.rpartition(".")
    if not module_name or not all(part.isidentifier() for part in value.split(".")):
        raise ImproperlyConfigured(
            f"{name} phải là một đường dẫn dạng package.module.ClassName (đang là {value!r})"
        )
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise ImproperlyConfigured(f"{name}={value!r}: không có mô-đun {module_name!r} (gõ nhầm?)")
    names = _top_level_names(Path(spec.origin)) if spec.origin and spec.origin.endswith(".py") else None
    if names is not None and attribute not in names:
        raise ImproperlyConfigured(f"{name}={value!r}: mô-đun {module_name!r} không có {attribute!r}")
    return value


def env_tiles_url(name: str) -> str:
    """A map tile address template (empty: no tiles): http(s)://host/… or /path…, with {z}, {x} and {y}."""
    value = env_str(name, "").strip()
    if not value:
        return value
    parts = urlsplit(value)
    absolute = parts.scheme in ("http", "https") and bool(parts.netloc)
    local = not parts.scheme and not parts.netloc and value.startswith("/")
    if not (absolute or local) or not all(p in value for p in ("{z}", "{x}", "{y}")):
        raise ImproperlyConfigured(
            f"{name} phải là địa chỉ ô bản đồ có {{z}}, {{x}} và {{y}}, bắt đầu bằng https:// hoặc / "
            f"(ví dụ https://tiles.example.gov.vn/{{z}}/{{x}}/{{y}}.png; đang là {value!r})"
        )
    return value


def _top_level_names(source: Path) -> set[str] | None:
    """Names a module's source binds outside functions and classes; None when that cannot be told."""
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None  # not ours to judge: the import will say
    names: set[str] = set()
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if any(alias.name == "*" for alias in node.names):
                return None
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        else:  # if / try / with / for blocks at the top level bind names too
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    pending.append(child)
                elif isinstance(child, ast.ExceptHandler):
                    pending.extend(child.body)
    return None if "__getattr__" in names else names


def env_email(name: str, default: str) -> str:
    """An e-mail address, bare or with a display name (`CityDesk <no-reply@example.gov.vn>`); may be empty."""
    value = env_str(name, default).strip()
    if not value:
        return value
    _display, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    if not (at and local and "." in domain and " " not in address):
        raise ImproperlyConfigured(
            f"{name} phải là một địa chỉ e-mail như no-reply@example.gov.vn (đang là {value!r})"
        )
    return value
