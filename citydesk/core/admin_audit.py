"""Back-office changes go to the audit trail like every other change.

`AuditedAdmin` (a ModelAdmin mixin) records one AuditEntry per object created, changed or deleted in the
back office — through its form, the changelist's editable columns, the "delete selected" action and
inline rows (a user's memberships) — with the back-office user as the actor and, for a change, the
changed fields before → after. Secrets (password hashes, token hashes) are never written: only that
they changed. Add it first among the bases: `class RuleAdmin(AuditedAdmin, admin.ModelAdmin)`.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from citydesk.core.admin_labels import CodedChoices
from citydesk.core.audit import Actor, audit_record

SECRET_FIELDS = frozenset({"password", "key_hash"})
# Bookkeeping that changes without anyone editing configuration.
IGNORED_FIELDS = frozenset({"last_login", "updated_at"})
CHANGED = "(changed)"


def object_type_of(model: type[models.Model]) -> str:
    """ "RoutingRule" -> "routing_rule", as the services name their objects in the trail; a model whose
    services use another name says it in `audit_object_type` (Target: "dossier_target")."""
    declared = getattr(model, "audit_object_type", "")
    return declared or re.sub(r"(?<!^)(?=[A-Z])", "_", model._meta.object_name or "").lower()


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's stored fields (foreign keys by id, many-to-many as sorted ids)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in IGNORED_FIELDS:
            continue
        value = field.value_from_object(obj)
        data[field.name] = CHANGED if field.name in SECRET_FIELDS and value else value
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            data[field.name] = sorted(related.pk for related in field.value_from_object(obj))
    return data


def secret_values(obj: models.Model) -> dict[str, Any]:
    return {name: getattr(obj, name, None) for name in SECRET_FIELDS if hasattr(obj, name)}


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose value differs, before and after."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def admin_actor(request: HttpRequest) -> Actor:
    user = request.user
    return Actor(user_id=user.pk, label=getattr(user, "full_name", "") or user.get_username())


def record_change(
    request: HttpRequest,
    obj: models.Model,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    secrets_before: dict[str, Any] | None = None,
    object_id: str | int | None = None,
) -> None:
    """One audit row: created (no before), deleted (no after) or changed (only the changed fields)."""
    object_type = object_type_of(type(obj))
    if before is None:
        action = "create"
    elif after is None:
        action = "delete"
    else:
        action = "change"
        if secrets_before is not None:  # a new hash reads "(changed)" both times: compare the hashes
            for name, old in secrets_before.items():
                if old != getattr(obj, name, None):
                    before = {**before, name: "(previous)"}
        before, after = changes(before, after)
        if not after:
            return  # saved without a change: nothing happened
    audit_record(
        actor=admin_actor(request),
        action=f"{object_type}.{action}",
        object_type=object_type,
        object_id=obj.pk if object_id is None else object_id,
        before=before,
        after=after,
    )


class AuditedAdmin(CodedChoices, admin.ModelAdmin):
    """Audits saves and deletes. Set `audit_saves = False` on an admin that audits its saves itself
    (through a service): its deletions are still recorded."""

    audit_saves = True

    def audit_id(self, obj: Any) -> str | int:
        """How the trail names the object (the services' own name for it, where they have one)."""
        return obj.pk

    def _stored(self, obj: models.Model) -> models.Model | None:
        return type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk is not None else None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if self.audit_saves:
            stored = self._stored(obj) if change else None
            pending = getattr(request, "_audit_pending", {})
            pending[id(obj)] = (
                snapshot(stored) if stored is not None else None,
                secret_values(stored) if stored is not None else None,
            )
            request._audit_pending = pending  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            pending = getattr(request, "_audit_pending", {})
            obj = form.instance
            if id(obj) in pending:
                before, secrets_before = pending.pop(id(obj))
                record_change(
                    request,
                    obj,
                    before=before,
                    after=snapshot(obj),
                    secrets_before=secrets_before,
                    object_id=self.audit_id(obj),
                )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows (a user's memberships): each one created, changed or deleted is recorded."""
        # The forms' instances already carry the new values: read the stored ones.
        pks = [f.instance.pk for f in formset.initial_forms if f.instance.pk is not None]
        stored = {row.pk: snapshot(row) for row in formset.model._default_manager.filter(pk__in=pks)}
        # Django clears a deleted row's pk: keep each initial row's to name the deleted ones.
        initial_pks = {id(f.instance): f.instance.pk for f in formset.initial_forms}
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            record_change(request, obj, before=None, after=snapshot(obj))
        for obj, _fields in formset.changed_objects:
            record_change(request, obj, before=stored.get(obj.pk, {}), after=snapshot(obj))
        for obj in formset.deleted_objects:
            pk = initial_pks.get(id(obj), obj.pk)
            record_change(request, obj, before=stored.get(pk) or snapshot(obj), after=None, object_id=pk)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            before = snapshot(obj)
            pk = obj.pk
            super().delete_model(request, obj)
            obj.pk = pk  # Django clears it on delete; the trail names the deleted row
            record_change(request, obj, before=before, after=None, object_id=self.audit_id(obj))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            rows = [(obj, snapshot(obj)) for obj in queryset]
            super().delete_queryset(request, queryset)
            for obj, before in rows:
                record_change(request, obj, before=before, after=None, object_id=self.audit_id(obj))
