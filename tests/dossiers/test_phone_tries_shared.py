"""The wrong phone numbers counted per network address are shared by every web process of the machine:
with the per-process memory cache, each of gunicorn's workers allowed the limit again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from citydesk.dossiers.services.phone_checks import address_checks_left, address_limit

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.9"


def in_another_process(data_dir: Path, code: str, **env: str) -> str:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "citydesk.settings",
        "CITYDESK_DATA_DIR": str(data_dir),
        **env,
    }
    if "CITYDESK_CACHE_DIR" not in env:
        environment.pop("CITYDESK_CACHE_DIR", None)  # the default, under CITYDESK_DATA_DIR
    script = "import django; django.setup()\n" + code
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_wrong_answers_in_another_process_count_here(settings, tmp_path):
    shared = tmp_path / "cache"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(shared),
        }
    }
    assert address_checks_left(ADDRESS) == address_limit()
    in_another_process(
        tmp_path,
        "from citydesk.dossiers.services.phone_checks import address_check_failed\n"
        f"for _ in range(3): address_check_failed({ADDRESS!r})",
        CITYDESK_CACHE_DIR=str(shared),
    )
    assert address_checks_left(ADDRESS) == address_limit() - 3


def test_the_default_cache_is_a_directory_of_the_data_dir(tmp_path):
    where = in_another_process(
        tmp_path,
        "from django.conf import settings\n"
        "c = settings.CACHES['default']\n"
        "print(c['BACKEND'].rsplit('.', 1)[-1], c['LOCATION'])",
    )
    assert where == f"FileBasedCache {tmp_path.resolve() / 'cache'}"
