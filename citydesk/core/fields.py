"""Model fields shared by the subsystems."""

from __future__ import annotations

from typing import Any

from django.db import models

from citydesk.lib.text import search_key


class SearchTextField(models.TextField):
    """The lower-case, accent-free text a search looks in ("Ổ gà" is found by "ổ gà" and "o ga"), made
    from the model's `sources` fields whenever the row is written through the ORM or a `RowWriter`
    (both call `pre_save`). A `QuerySet.update()` of a source field must set it too.

    Nullable, without a default in the database: adding it to a large table is then a plain `ADD COLUMN`
    on SQLite, not a rebuild of the table (which would drop its triggers); the migration that adds it
    fills the existing rows."""

    def __init__(self, *args: Any, sources: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.sources = tuple(sources)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["sources"] = self.sources
        for key, value in (("editable", False), ("blank", True), ("null", True)):
            if kwargs.get(key, value) == value:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def text_of(self, instance: models.Model) -> str:
        return search_key(" ".join(str(getattr(instance, source) or "") for source in self.sources))

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.text_of(model_instance)
        setattr(model_instance, self.attname, value)
        return value
