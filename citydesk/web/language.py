"""The language switch, remembered for the person: their messages (e-mail, SMS, in-app) are written in it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.i18n import set_language

from citydesk.core.language import known_language, remember_language


def choose_language(request: HttpRequest) -> HttpResponse:
    """Django's switch (cookie and redirect), and for a signed-in person the choice is kept on the account,
    so that what the platform sends them later reads in the language they read the site in."""
    response = set_language(request)
    chosen = known_language(request.POST.get("language")) if request.method == "POST" else ""
    user = getattr(request, "user", None)
    if chosen and user is not None and user.is_authenticated:
        remember_language(user, chosen)
    return response


def language_after_login(request: HttpRequest, response: HttpResponse) -> None:
    """On signing in: a language chosen on this device before (its cookie) becomes the account's; else the
    account's language, chosen on another device, is set on this one."""
    user = request.user
    on_device = known_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if on_device:
        remember_language(user, on_device)
        return
    if known_language(user.language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
