"""Django's file cache as CityDesk uses it (settings.CACHES)."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.filebased import FileBasedCache as DjangoFileBasedCache


class FileBasedCache(DjangoFileBasedCache):
    """Django's file cache, its directory made when the first entry is written, not when the cache is opened:
    Django's system checks open it for every command, and a command refused for a wrong CITYDESK_DATA_DIR
    (or run from another folder) left a `cache` folder there."""

    def __init__(self, dir: str, params: dict[str, Any]) -> None:
        self._opened = False
        super().__init__(dir, params)
        self._opened = True

    def _createdir(self) -> None:
        if self._opened:
            super()._createdir()
