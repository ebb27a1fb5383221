from django.contrib import admin
from django.urls import include, path

from citydesk.api import api
from citydesk.web.language import choose_language
from citydesk.web.views import favicon, healthz

admin.site.site_header = "CityDesk"
admin.site.site_title = "CityDesk"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("api/v1/", api.urls),
    path("i18n/setlang/", choose_language, name="set_language"),
    path("quan-tri/", admin.site.urls),
    path("open311/v2/", include("citydesk.reports.open311_urls")),
    path("", include("citydesk.reports.urls")),
    path("", include("citydesk.ioc.urls")),
    path("", include("citydesk.dossiers.urls_catalog")),
    path("", include("citydesk.dossiers.urls_campaigns")),
    path("", include("citydesk.dossiers.urls")),
    path("", include("citydesk.ratings.urls")),
    path("", include("citydesk.indicators.urls_entry")),
    path("", include("citydesk.indicators.urls_dashboards")),
    path("", include("citydesk.web.urls")),
]
