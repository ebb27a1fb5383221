"""Typed readers for CITYDESK_* environment variables that fail loudly on bad values."""

import ast
import importlib.util
import os
import re
from datetime import time
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def _raw(name: str) -> str | None:
    """Value of NAME, or the contents of the file named by NAME_FILE (for secrets)."""
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
