import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citydesk.settings")
application = get_wsgi_application()


def settle() -> None:
    """Load the URLconf (and so every view module) now, then move everything alive into the garbage
    collector's permanent generation. A worker's start-up objects are never garbage, yet every full
    collection would walk them all during requests: a city dashboard allocates enough to trigger
    several, which cost it up to a third of its time in a worker with a large heap."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - importing the views is the point
    gc.collect()
    gc.freeze()


settle()
