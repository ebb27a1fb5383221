"""A person's language: the one they read the site in, and the one the platform writes to them in."""

from __future__ import annotations

from django.conf import settings

from citydesk.core.models import User


def known_language(code: str | None) -> str:
    """`code` if the site speaks it, else ""."""
    return code if code and code in dict(settings.LANGUAGES) else ""


def remember_language(user: User, code: str) -> None:
    """Store `code` as the person's language (one UPDATE, only when it changes)."""
    code = known_language(code)
    if code and user.language != code:
        user.language = code
        User.objects.filter(pk=user.pk).update(language=code)
