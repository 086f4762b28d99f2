"""Writing audit events. Call inside the transaction of the change being recorded."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from readerstudy.audit.models import AuditEvent


class Actor:
    """Who performs a change: a user, or a non-human agent (a model reader, a command)."""

    def __init__(self, *, user=None, label: str | None = None):
        if user is None and not label:
            raise ValueError("An actor needs a user or a label.")
        self.user = user if (user is not None and user.is_authenticated) else None
        self.label = label or user.get_username()

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls(label=f"system:{what}")

    def __str__(self) -> str:
        return self.label


def audit_record(
    *,
    actor: Actor,
    action: str,
    obj: Any,
    study: Any = None,
    old: Any = None,
    new: Any = None,
    reason: str = "",
) -> AuditEvent:
    if not transaction.get_connection().in_atomic_block:
        # An event written outside the change's transaction could survive a rolled-back change.
        raise RuntimeError("audit_record must run inside the transaction of the change.")
    return AuditEvent.objects.create(
        actor=actor.user,
        actor_label=actor.label,
        action=action,
        study=study,
        object_type=type(obj)._meta.label_lower if hasattr(obj, "_meta") else str(type(obj)),
        object_id=str(getattr(obj, "pk", obj)),
        old=old,
        new=new,
        reason=reason,
    )
