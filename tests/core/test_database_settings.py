"""The database settings made from DATABASE_URL and the CITYDESK_DB_* variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

POSTGRES_URL = "postgres://citydesk:secret@127.0.0.1:5432/citydesk"


def _database_settings(tmp_path: Path, **env: str) -> dict[str, Any]:
    """DATABASES["default"] as citydesk.settings makes it from these environment variables."""
    script = (
        "import json; from citydesk import settings; "
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("CITYDESK_", "DATABASE_URL"))}
    environment.update(CITYDESK_DATA_DIR=str(tmp_path), **env)
    done = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True)
    if done.returncode:
        raise AssertionError(done.stderr)
    return json.loads(done.stdout)


def test_postgresql_binds_parameters_on_the_server_and_prepares_repeated_statements(tmp_path: Path) -> None:
    options = _database_settings(tmp_path, DATABASE_URL=POSTGRES_URL)["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5


def test_prepared_statements_can_be_turned_off_for_pgbouncer(tmp_path: Path) -> None:
    options = _database_settings(
        tmp_path, DATABASE_URL=POSTGRES_URL, CITYDESK_DB_PREPARED_STATEMENTS="false"
    )["OPTIONS"]
    assert options["server_side_binding"] is True  # unnamed statements pass through PgBouncer
    assert options["prepare_threshold"] is None


def test_a_bad_prepared_statements_value_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="CITYDESK_DB_PREPARED_STATEMENTS"):
        _database_settings(tmp_path, DATABASE_URL=POSTGRES_URL, CITYDESK_DB_PREPARED_STATEMENTS="maybe")


def test_sqlite_keeps_its_own_options(tmp_path: Path) -> None:
    database = _database_settings(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "server_side_binding" not in database["OPTIONS"]
