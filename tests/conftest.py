"""Shared fixtures: a small organisation tree and one persona per role, plus an outsider."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from citydesk.core.audit import Actor
from citydesk.core.models import AdminUnit, DivisionLevel, Membership, Organisation, OrgKind, User
from citydesk.core.services import api_token_create
from citydesk.lib.text import search_key


@pytest.fixture(autouse=True, scope="session")
def _heat_directory(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The heat map's stores and the uploaded files of the tests go to temporary directories, not the checkout."""
    from django.conf import settings

    settings.CITYDESK_HEAT_DIR = tmp_path_factory.mktemp("heat")
    # Uploads and the demo's blank forms too (tests that look at the files set their own directory).
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    # Django's cache (files, as in production) in a directory of this run: counts never outlive it.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path_factory.mktemp("cache")),
        }
    }
    from django.test.signals import setting_changed

    setting_changed.send(sender=None, setting="CACHES", value=settings.CACHES, enter=True)


@pytest.fixture(autouse=True)
def _fast_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CITYDESK_UNITS_RECHECK_SECONDS = 0  # each test builds its own units


@pytest.fixture(autouse=True)
def _vietnamese_first():
    """Each test starts in the default language (Vietnamese); a request's language must not leak."""
    translation.activate("vi")
    yield
    translation.deactivate()


def make_unit(
    code: str,
    name: str,
    province: AdminUnit | None = None,
    lon: float | None = None,
    lat: float | None = None,
) -> AdminUnit:
    return AdminUnit.objects.create(
        code=code,
        name=name,
        search_name=search_key(name),
        division_type="phường" if province else "thành phố",
        level=DivisionLevel.WARD if province else DivisionLevel.PROVINCE,
        province=province,
        codename=search_key(name).replace(" ", "_"),
        centre_lon=lon,
        centre_lat=lat,
    )


@dataclass
class Personas:
    city: Organisation
    ward: Organisation
    other_ward: Organisation
    department: Organisation
    inspectorate: Organisation
    operator: User
    officer: User
    deputy: User
    head: User
    leader: User
    inspector: User
    admin: User
    department_head: User
    other_head: User
    citizen: User
    outsider: User

    def all_roles(self) -> dict[str, User]:
        return {
            "operator": self.operator,
            "officer": self.officer,
            "deputy": self.deputy,
            "head": self.head,
            "leader": self.leader,
            "inspector": self.inspector,
            "admin": self.admin,
            "citizen": self.citizen,
            "outsider": self.outsider,
        }


def _user(username: str, full_name: str, org: Organisation | None = None, role: str | None = None) -> User:
    user = User.objects.create_user(
        username=username, password="pw-" + username, full_name=full_name, email=f"{username}@example.vn"
    )
    if org is not None and role is not None:
        Membership.objects.create(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def personas(db) -> Personas:
    hcmc = make_unit("79", "Thành phố Hồ Chí Minh")
    ben_thanh = make_unit("26743", "Phường Bến Thành", hcmc, 106.694, 10.7713)
    sai_gon = make_unit("26740", "Phường Sài Gòn", hcmc, 106.703, 10.7788)
    city = Organisation.objects.create(
        code="79", name="UBND Thành phố Hồ Chí Minh", kind=OrgKind.PEOPLES_COMMITTEE, admin_unit=hcmc
    )
    ward = Organisation.objects.create(
        code="26743",
        name="UBND Phường Bến Thành",
        kind=OrgKind.PEOPLES_COMMITTEE,
        parent=city,
        admin_unit=ben_thanh,
    )
    other_ward = Organisation.objects.create(
        code="26740",
        name="UBND Phường Sài Gòn",
        kind=OrgKind.PEOPLES_COMMITTEE,
        parent=city,
        admin_unit=sai_gon,
    )
    department = Organisation.objects.create(
        code="79.SXD", name="Sở Xây dựng", kind=OrgKind.DEPARTMENT, parent=city
    )
    inspectorate = Organisation.objects.create(
        code="79.TTTP", name="Thanh tra Thành phố", kind=OrgKind.INSPECTORATE, parent=city
    )
    return Personas(
        city=city,
        ward=ward,
        other_ward=other_ward,
        department=department,
        inspectorate=inspectorate,
        operator=_user("operator", "Nguyễn Thị Lan", city, "operator"),
        officer=_user("officer", "Trần Văn Minh", ward, "officer"),
        deputy=_user("deputy", "Lê Thị Hồng", ward, "deputy"),
        head=_user("head", "Phạm Quốc Hùng", ward, "head"),
        leader=_user("leader", "Võ Văn Thành", city, "leader"),
        inspector=_user("inspector", "Đặng Thu Hà", inspectorate, "inspector"),
        admin=_user("admin", "Quản trị", city, "admin"),
        department_head=_user("director", "Hoàng Minh Tuấn", department, "head"),
        other_head=_user("other_head", "Bùi Văn Nam", other_ward, "head"),
        citizen=_user("citizen", "Ngô Thị Mai"),
        outsider=_user("outsider", "Người ngoài", other_ward, "officer"),
    )


@pytest.fixture
def staff(personas: Personas) -> Client:
    """A test client logged in to the back office as the demo's system administrator (a superuser)."""
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    client = Client()
    client.force_login(personas.admin)
    return client


@pytest.fixture
def token_for(db):
    def make(user: User) -> str:
        return api_token_create(actor=Actor.system("test"), user=user)

    return make


@pytest.fixture
def bearer(token_for):
    def headers(user: User) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {token_for(user)}"}

    return headers


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_report_header(config) -> str:
    url = os.environ.get("DATABASE_URL", "")
    return f"database: {'PostgreSQL' if url.startswith('postgres') else 'SQLite'} (DATABASE_URL={'set' if url else 'unset'})"


def _set_audit_guard(enabled: bool) -> None:
    """The append-only triggers block Django's flush between transactional tests: lift them then."""
    from citydesk.core.migrations import _0002_sql as sql

    with connection.cursor() as cursor:
        for statement in sql.guard_statements(connection.vendor, enabled):
            cursor.execute(statement)


_DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _audit_guard(request):
    """Every database test starts with the append-only triggers on. After a transactional test they are
    lifted, because Django then empties every table (DELETE / TRUNCATE) and the triggers would refuse."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        _DB_FIXTURES & set(request.fixturenames)
    )
    if not uses_db:
        yield
        return
    transactional = _is_transactional(request)
    request.getfixturevalue("transactional_db" if transactional else "db")
    _set_audit_guard(True)
    yield
    if transactional:
        _set_audit_guard(False)


def pytest_collection_modifyitems(config, items) -> None:
    """PostgreSQL-only tests: skipped with the reason on SQLite; CI's PostgreSQL pass must run them."""
    url = os.environ.get("DATABASE_URL", "")
    on_postgres = url.startswith(("postgres://", "postgresql://"))
    if os.environ.get("CITYDESK_REQUIRE_POSTGRES") == "1" and not on_postgres:
        raise pytest.UsageError("CITYDESK_REQUIRE_POSTGRES=1 but DATABASE_URL is not a PostgreSQL URL")
    if on_postgres:
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: set DATABASE_URL=postgres://… (CI runs it in its PostgreSQL pass)"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
