"""Pages of the satisfaction ratings (included at the site root)."""

from django.urls import path

from citydesk.ratings import import_template, kiosk_views, views

app_name = "ratings"

urlpatterns = [
    # The tablet at the desk and what it polls (the paired tablet only), and its pairing (a desk officer
    # signed in on the tablet).
    path("danh-gia/quay/<str:kiosk>/", kiosk_views.kiosk, name="kiosk"),
    path("danh-gia/quay/<str:kiosk>/trang-thai.json", kiosk_views.kiosk_state, name="kiosk_state"),
    path("danh-gia/quay/<str:kiosk>/ghep/", kiosk_views.kiosk_pair, name="kiosk_pair"),
    # The officer at the desk opens a transaction for the kiosk.
    path("danh-gia/giao-dich/", views.desk, name="desk"),
    # A desk without a kiosk: the citizen rates the transaction by its code (public).
    path("danh-gia/ma/", views.rate_by_code, name="by_code"),
    # The applicant rates the service of a finished dossier.
    path("danh-gia/ho-so/<str:code>/", views.dossier_rate, name="dossier"),
    # Heads and leaders: statistics and their export; administrators: import of historical counts.
    path("danh-gia/thong-ke/", views.stats, name="stats"),
    path("danh-gia/thong-ke.xlsx", views.stats_xlsx, name="stats_xlsx"),
    path("danh-gia/nhap/", views.import_counts, name="import"),
    path("danh-gia/nhap/mau.xlsx", import_template.import_template_xlsx, name="import_template"),
]
