"""CityDesk settings: one file, driven by DATABASE_URL and CITYDESK_* environment variables.

Every variable is listed in the README ("Configuration"). Secrets may also be given as NAME_FILE.
"""

import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from citydesk.env import (
    check_sms_gateway,
    env_bool,
    env_class_path,
    env_clock,
    env_email,
    env_int,
    env_list,
    env_log_level,
    env_networks,
    env_office_hours,
    env_origins,
    env_str,
    env_tiles_url,
    env_url,
    parse_clock,
    parse_office_hours,
    redact_url,
    warn_unknown_variables,
)

# A mistyped variable (CITYDESK_PRODUCTON=true) would be ignored without a word: named on stderr first, so
# that the line is there even when a setting below then stops with an error.
warn_unknown_variables()


def _int_between(name: str, default: int, low: int, high: int) -> int:
    """An integer variable within [low, high]; ImproperlyConfigured naming it otherwise."""
    value = env_int(name, default)
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name} phải từ {low} đến {high} (đang là {value})")
    return value


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("CITYDESK_DATA_DIR", str(Path.cwd()))).resolve()

PRODUCTION = env_bool("CITYDESK_PRODUCTION", False)
DEBUG = env_bool("CITYDESK_DEBUG", not PRODUCTION)

_DEV_SECRET = "citydesk-insecure-development-key-do-not-use-in-production-0123456789"
SECRET_KEY = env_str("CITYDESK_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "CITYDESK_PRODUCTION=true cần CITYDESK_SECRET_KEY (hoặc CITYDESK_SECRET_KEY_FILE, tệp chứa khóa): "
        f"một chuỗi bí mật ngẫu nhiên từ 50 ký tự trở lên (hiện có {len(SECRET_KEY)} ký tự)"
    )

ALLOWED_HOSTS = env_list("CITYDESK_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
# Each an origin with its scheme (https://citydesk.example.gov.vn): Django refuses a bare host name, in English
# and only in the checks of some commands (gunicorn would start with it).
CSRF_TRUSTED_ORIGINS = env_origins("CITYDESK_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' Swagger UI files locally (no CDN)
    "django_tasks",
    "citydesk.core.third_party.TasksConfig",  # django_tasks_db, named in Vietnamese
    "citydesk.core.third_party.AxesConfig",  # axes, named in Vietnamese
    "citydesk.core",
    "citydesk.notifications",
    "citydesk.reports",
    "citydesk.ioc",
    "citydesk.dossiers",
    "citydesk.ratings",
    "citydesk.indicators",
    "citydesk.web",
]

MIDDLEWARE = [
    # Before everything, Django's host validation included: a load balancer probing /healthz by the
    # machine's address (Host: 10.0.0.5) gets the health check, not 400 DisallowedHost.
    "citydesk.web.health_middleware.HealthCheckAnyHost",
    # First: everything after it (the log-in lock-out, rate limits) sees the visitor's own address.
    "citydesk.web.middleware.ForwardedClientAddress",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HEAD on the REST API answers as GET without the body (django-ninja routes GET only).
    "citydesk.web.middleware.ApiHeadAsGet",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # A NUL character (0x00) that PostgreSQL refused: 400, not a server error.
    "citydesk.web.middleware.NulCharacterRefusal",
    # An action's address opened in the browser: the site's page, not the browser's empty 405.
    "citydesk.web.middleware.MethodNotAllowedPage",
]

# SQLite ignores the INCLUDE columns of PostgreSQL covering indexes (reports.report_open_due); the
# index still works there as a plain partial index.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

ROOT_URLCONF = "citydesk.urls"
WSGI_APPLICATION = "citydesk.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "citydesk.ioc.access.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
_DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'citydesk.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", "").strip() or _DEFAULT_DATABASE_URL
# CityDesk's triggers, the operations center's roll-ups and the backups exist for these two only.
_ENGINES = ("django.db.backends.sqlite3", "django.db.backends.postgresql")
_DATABASE_URL_FORMS = (
    "sqlite:////đường/dẫn/citydesk.sqlite3 cho SQLite hoặc "
    "postgres://người_dùng:mật_khẩu@máy:5432/tên_cơ_sở_dữ_liệu cho PostgreSQL"
)
try:
    _db = dj_database_url.parse(DATABASE_URL)
except ValueError:  # no scheme (a bare path), or one dj-database-url does not know: its message is English
    _hint = f" (một tệp SQLite viết là sqlite:///{DATABASE_URL})" if DATABASE_URL.startswith("/") else ""
    raise ImproperlyConfigured(
        f"DATABASE_URL={redact_url(DATABASE_URL)!r} không phải địa chỉ cơ sở dữ liệu{_hint}: "
        f"CityDesk chỉ dùng SQLite hoặc PostgreSQL, viết {_DATABASE_URL_FORMS}"
    ) from None
if _db["ENGINE"] not in _ENGINES:
    raise ImproperlyConfigured(
        f"DATABASE_URL={redact_url(DATABASE_URL)!r}: CityDesk chỉ dùng SQLite hoặc PostgreSQL "
        f"(không dùng {DATABASE_URL.partition(':')[0]}), viết {_DATABASE_URL_FORMS}"
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Nothing is created here: a command that makes the database (migrate, restore) makes its folder first
    # (citydesk.cli), any other refuses a database file that does not exist, wherever it was started.
    # Persistent connection: closing the last connection to a WAL database checkpoints on every
    # request (measured: 1,250 -> 285 req/s). IMMEDIATE transactions avoid SQLITE_BUSY on upgrade.
    _db["CONN_MAX_AGE"] = None
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-20000;"
        ),
    }
else:
    _db["CONN_MAX_AGE"] = _int_between("CITYDESK_DB_CONN_MAX_AGE", 600, 0, 86_400)
    _db["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server, not quoted into the SQL by Python (psycopg's ClientCursor, Django's
    # default), and a statement run five times on a connection is prepared: parsed and planned once.
    # Measured on a report intake: 4.0 -> 2.6 ms of the worker's CPU, 1.8 -> 1.1 ms of PostgreSQL's.
    # Behind PgBouncer in transaction mode before 1.21 (no prepared statements there), set
    # CITYDESK_DB_PREPARED_STATEMENTS=false.
    _db["OPTIONS"] = {
        **_db.get("OPTIONS", {}),
        "server_side_binding": True,
        "prepare_threshold": 5 if env_bool("CITYDESK_DB_PREPARED_STATEMENTS", True) else None,
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth and security ----------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's own says its message in English in Vietnamese (a msgid its catalog lacks): see core/passwords.py.
    {"NAME": "citydesk.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # One password tried on many accounts from one address (citydesk.core.login_guard).
    "citydesk.core.login_guard.AddressGuardBackend",
    # Django's model backend, with the account's e-mail address or phone number in place of its user name
    # (citydesk.core.accounts): after the two above, whose lock-outs apply first.
    "citydesk.core.accounts.IdentifierBackend",
]
AXES_FAILURE_LIMIT = _int_between("CITYDESK_LOGIN_FAILURE_LIMIT", 5, 1, 1000)
AXES_COOLOFF_TIME = _int_between("CITYDESK_LOGIN_COOLOFF_MINUTES", 15, 1, 7 * 24 * 60) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# An account's wrong passwords count together whether it was named by user name, e-mail or phone.
AXES_USERNAME_CALLABLE = "citydesk.core.accounts.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False
CITYDESK_LOGIN_ACCOUNTS_PER_ADDRESS = _int_between("CITYDESK_LOGIN_ACCOUNTS_PER_ADDRESS", 20, 2, 10_000)
# The reverse proxies (nginx, a load balancer) whose X-Forwarded-For names the visitor: behind one, the
# connection's address is the proxy's, and the log-in lock-out and the per-address rating limit would count
# every visitor as one (citydesk.web.middleware.ForwardedClientAddress). Unset: the header is ignored.
CITYDESK_TRUSTED_PROXIES = env_networks("CITYDESK_TRUSTED_PROXIES")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Load balancers probe /healthz over plain HTTP inside the network: no redirect to https for it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Read (and so checked) in both modes: a mistake stops every command at once, not only in production.
_SSL_REDIRECT = env_bool("CITYDESK_SSL_REDIRECT", True)
_HSTS_SECONDS = _int_between("CITYDESK_HSTS_SECONDS", 31_536_000, 0, 10 * 31_536_000)
_HSTS_PRELOAD = env_bool("CITYDESK_HSTS_PRELOAD", False)
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _SSL_REDIRECT
    SECURE_HSTS_SECONDS = _HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _HSTS_PRELOAD
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SILENCED_SYSTEM_CHECKS += [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Map tiles: none by default (the map draws unit boundaries); a city's own tile server may be named.
CITYDESK_MAP_TILES_URL = env_tiles_url("CITYDESK_MAP_TILES_URL")
_TILE_ORIGIN = (
    "/".join(CITYDESK_MAP_TILES_URL.split("/")[:3]) if CITYDESK_MAP_TILES_URL.startswith("http") else ""
)

# Content-Security-Policy: every asset is served by us (no CDN); no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Languages, time ------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Vietnamese numbers are grouped 1.234.567,8 where a page asks for grouping (citydesk/formats/vi).
FORMAT_MODULE_PATH = ["citydesk.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("CITYDESK_STATIC_ROOT", str(DATA_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Uploaded files (report photos). Never served as static files: views check who may see them.
MEDIA_ROOT = Path(env_str("CITYDESK_MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media/"


# Django's cache: the counts that limit guessing (wrong phone numbers per network address) and the wards'
# map. Files in one directory, so that every web process of the machine shares the counts (the default
# per-process memory let each of N processes allow the limit again); a city running several machines
# sets a shared backend (Redis, Memcached) in its own settings.
CACHES = {
    "default": {
        "BACKEND": "citydesk.lib.cache.FileBasedCache",
        "LOCATION": env_str("CITYDESK_CACHE_DIR", str(DATA_DIR / "cache")),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
}
# The operations center's heat-map store (ioc/heat.py): derived data, shared by every process.
CITYDESK_HEAT_DIR = Path(env_str("CITYDESK_HEAT_DIR", str(DATA_DIR / "heat")))
CITYDESK_MAX_ATTACHMENTS = _int_between("CITYDESK_MAX_ATTACHMENTS", 5, 0, 50)
# The handling unit's own files on a report (evidence of the work, official letters), counted apart.
CITYDESK_MAX_UNIT_ATTACHMENTS = _int_between("CITYDESK_MAX_UNIT_ATTACHMENTS", 20, 0, 100)
# Open311 discovery: who client developers ask for an api_key (an e-mail or a phone of the city's IT
# department), and a whole text replacing the default key_service sentence.
CITYDESK_OPEN311_CONTACT = env_str("CITYDESK_OPEN311_CONTACT", "")
CITYDESK_OPEN311_KEY_SERVICE = env_str("CITYDESK_OPEN311_KEY_SERVICE", "")
CITYDESK_MAX_ATTACHMENT_MB = _int_between("CITYDESK_MAX_ATTACHMENT_MB", 10, 1, 100)
# Each paper attached to a dossier (dossiers/services/intake.py), in MB.
CITYDESK_MAX_DOSSIER_FILE_MB = _int_between("CITYDESK_MAX_DOSSIER_FILE_MB", 10, 1, 100)
# Files of a refused online filing, kept for the next try (dossiers/staging.py): per browser session, hours kept.
CITYDESK_MAX_STAGED_UPLOADS = _int_between("CITYDESK_MAX_STAGED_UPLOADS", 20, 0, 200)
CITYDESK_STAGED_UPLOAD_HOURS = _int_between("CITYDESK_STAGED_UPLOAD_HOURS", 24, 1, 24 * 30)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Background work and notifications ------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_class_path("CITYDESK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# /healthz says "degraded" when a task has waited longer than this for the worker (minutes): the worker is
# stopped or stuck, and SMS, e-mails and the deadline sweep with it. The periodic tasks run every 5 to 10 minutes.
CITYDESK_HEALTH_TASKS_LATE_MINUTES = _int_between("CITYDESK_HEALTH_TASKS_LATE_MINUTES", 15, 1, 24 * 60)
EMAIL_BACKEND = env_class_path("CITYDESK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("CITYDESK_EMAIL_HOST", "localhost")
EMAIL_PORT = _int_between("CITYDESK_EMAIL_PORT", 25, 1, 65_535)
EMAIL_HOST_USER = env_str("CITYDESK_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("CITYDESK_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CITYDESK_EMAIL_TLS", False)
# Seconds an SMTP connection waits for the server (connect, each reply). Without it, a server that accepts
# the connection and never answers holds the task worker for ever: no SMS, no SLA sweep, nothing logged.
EMAIL_TIMEOUT = _int_between("CITYDESK_EMAIL_TIMEOUT", 20, 1, 600)
DEFAULT_FROM_EMAIL = (
    env_email("CITYDESK_FROM_EMAIL", "CityDesk <no-reply@citydesk.local>")
    or "CityDesk <no-reply@citydesk.local>"
)
# The mailbox wired to `citydesk ingest-email`: set, messages carry it as Reply-To and a request for
# information invites the reporter to simply reply; unset, nothing promises that a reply is read.
CITYDESK_REPLY_TO = env_email("CITYDESK_REPLY_TO", "")
CITYDESK_SMS_GATEWAY = env_class_path("CITYDESK_SMS_GATEWAY", "citydesk.notifications.channels.LogSmsGateway")
CITYDESK_SMS_URL = env_url("CITYDESK_SMS_URL", "")
CITYDESK_SMS_TOKEN = env_str("CITYDESK_SMS_TOKEN", "")
# The HTTP gateway without its address (or token) would fail every SMS, retried, then dropped: said at start.
check_sms_gateway(CITYDESK_SMS_GATEWAY, CITYDESK_SMS_URL, CITYDESK_SMS_TOKEN)
# SMS go out without accents, as Vietnamese SMS usually are (a part carries 160 characters, not 70);
# true sends them with their diacritics.
CITYDESK_SMS_DIACRITICS = env_bool("CITYDESK_SMS_DIACRITICS", False)
CITYDESK_NOTIFY_MAX_ATTEMPTS = _int_between("CITYDESK_NOTIFY_MAX_ATTEMPTS", 8, 1, 100)

# --- Working-day calendar -------------------------------------------------------------------------
# Checked here (core/calendar.py parses them the same way): a mistake stops every command at start.
CITYDESK_OFFICE_HOURS = env_office_hours("CITYDESK_OFFICE_HOURS", "07:30-11:30,13:00-17:00")
CITYDESK_SAME_DAY_CUTOFF = env_clock("CITYDESK_SAME_DAY_CUTOFF", "15:00")
_close_of_office = parse_office_hours(CITYDESK_OFFICE_HOURS, "CITYDESK_OFFICE_HOURS")[-1][1]
if parse_clock(CITYDESK_SAME_DAY_CUTOFF, "CITYDESK_SAME_DAY_CUTOFF") > _close_of_office:
    raise ImproperlyConfigured(
        f"CITYDESK_SAME_DAY_CUTOFF={CITYDESK_SAME_DAY_CUTOFF} muộn hơn giờ hết giờ làm việc "
        f"{_close_of_office:%H:%M} (CITYDESK_OFFICE_HOURS={CITYDESK_OFFICE_HOURS})"
    )

# --- Citizen reports -----------------------------------------------------------------------------
# Codes read PA-26-000123: capital letters only (lookups parse them so), 10 at most (the code field holds 20).
CITYDESK_REPORT_CODE_PREFIX = env_str("CITYDESK_REPORT_CODE_PREFIX", "PA").strip() or "PA"
if not re.fullmatch(r"[A-Z]{1,10}", CITYDESK_REPORT_CODE_PREFIX):
    raise ImproperlyConfigured(
        f"CITYDESK_REPORT_CODE_PREFIX phải gồm 1 đến 10 chữ cái in hoa A-Z (đang là {CITYDESK_REPORT_CODE_PREFIX!r})"
    )
CITYDESK_BOUNDARY_CHECK_M = _int_between("CITYDESK_BOUNDARY_CHECK_M", 100, 0, 10_000)
CITYDESK_UNITS_RECHECK_SECONDS = _int_between("CITYDESK_UNITS_RECHECK_SECONDS", 30, 1, 86_400)
CITYDESK_REOPEN_DAYS = _int_between("CITYDESK_REOPEN_DAYS", 7, 0, 365)
CITYDESK_AUTO_CLOSE_DAYS = _int_between("CITYDESK_AUTO_CLOSE_DAYS", 7, 0, 365)
# A dossier's public phone check: wrong answers allowed on one dossier, from every browser together,
# within a window (minutes) from the first; then it is closed to everyone until the window ends.
CITYDESK_DOSSIER_PHONE_TRIES_PER_CODE = _int_between("CITYDESK_DOSSIER_PHONE_TRIES_PER_CODE", 10, 1, 1000)
CITYDESK_DOSSIER_PHONE_WINDOW_MINUTES = _int_between(
    "CITYDESK_DOSSIER_PHONE_WINDOW_MINUTES", 60, 1, 7 * 24 * 60
)
# ... and wrong answers from one network address across every dossier (a phone number tried on every code).
CITYDESK_DOSSIER_PHONE_TRIES_PER_ADDRESS = _int_between(
    "CITYDESK_DOSSIER_PHONE_TRIES_PER_ADDRESS", 20, 1, 10_000
)
# Online filings (web form and POST /api/v1/dossiers/online), signed in or not: from one network address an
# hour, and naming one phone number a day (dossiers/views/citizen.py). Each filing costs a ward a deadline
# and sends an SMS to the number given: without a limit, anyone could flood a queue or a phone.
CITYDESK_DOSSIER_ONLINE_ADDRESS_LIMIT_PER_HOUR = _int_between(
    "CITYDESK_DOSSIER_ONLINE_ADDRESS_LIMIT_PER_HOUR", 20, 1, 100_000
)
CITYDESK_DOSSIER_ONLINE_PHONE_LIMIT_PER_DAY = _int_between(
    "CITYDESK_DOSSIER_ONLINE_PHONE_LIMIT_PER_DAY", 5, 1, 1_000
)
# Citizen reports (app, and the web form and Open311 once their views pass the address) from one network
# address (an IPv6 /64) an hour, by callers who are not staff: past it 429 with Retry-After, nothing stored.
# And the acknowledgements a day to one e-mail address or phone number given without an account: past it
# the report is still taken, nothing is sent there (reports/services/intake.py). Each report costs a ward a
# deadline and sends its acknowledgement to an address nobody checked.
CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR = _int_between(
    "CITYDESK_REPORT_ADDRESS_LIMIT_PER_HOUR", 30, 1, 1_000_000
)
CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY = _int_between(
    "CITYDESK_REPORT_ACKS_PER_CONTACT_PER_DAY", 5, 1, 1_000_000
)
# How long the record of who opened a case's personal data is kept (core.access).
CITYDESK_PERSONAL_DATA_ACCESS_YEARS = _int_between("CITYDESK_PERSONAL_DATA_ACCESS_YEARS", 5, 1, 50)
CITYDESK_SLA_WARN_HOURS = _int_between("CITYDESK_SLA_WARN_HOURS", 8, 0, 24 * 30)
# Ratings from the web and the app: at most this many an hour from one device, and from one address.
CITYDESK_RATING_DEVICE_LIMIT_PER_HOUR = _int_between("CITYDESK_RATING_DEVICE_LIMIT_PER_HOUR", 10, 1, 10_000)
CITYDESK_RATING_ADDRESS_LIMIT_PER_HOUR = _int_between(
    "CITYDESK_RATING_ADDRESS_LIMIT_PER_HOUR", 60, 1, 100_000
)
# Desk ratings by a transaction's code (a desk without a tablet): at most this many an hour from one address.
CITYDESK_RATING_CODE_ADDRESS_LIMIT_PER_HOUR = _int_between(
    "CITYDESK_RATING_CODE_ADDRESS_LIMIT_PER_HOUR", 20, 1, 10_000
)
# The address citizens and officers reach the site at, for links in SMS, e-mails and receipts. Production
# must set it: `check --deploy` warns (citydesk.W001/W002) while it is a local or plain-http address.
CITYDESK_PUBLIC_URL = env_url("CITYDESK_PUBLIC_URL", "http://127.0.0.1:8000")

# --- Socio-economic indicators (docs/indicators.md) -----------------------------------------------
# A unit's report is due at close of office on the Nth working day after its period ends.
CITYDESK_INDICATOR_DEADLINE_WORKING_DAYS = _int_between("CITYDESK_INDICATOR_DEADLINE_WORKING_DAYS", 5, 0, 60)
# The month a fiscal year starts on (1: the calendar year, as in Vietnam).
CITYDESK_FISCAL_YEAR_START_MONTH = _int_between("CITYDESK_FISCAL_YEAR_START_MONTH", 1, 1, 12)

# --- Logging: one JSON object per line -----------------------------------------------------------
LOG_LEVEL = env_log_level("CITYDESK_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "citydesk.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
