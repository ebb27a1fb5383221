"""Pages of indicator data entry, progress and review."""

from django.urls import path

from citydesk.indicators import views_entry, views_findings

app_name = "indicators_entry"

urlpatterns = [
    path("chi-tieu-ktxh/nhap/", views_entry.entry_choose, name="choose"),
    path("chi-tieu-ktxh/nhap/tai-len/", views_entry.entry_import, name="import"),
    path("chi-tieu-ktxh/nhap/mau/", views_entry.entry_template, name="template"),
    path("chi-tieu-ktxh/nhap/bat-thuong/", views_findings.unit_findings, name="findings"),
    path("chi-tieu-ktxh/nhap/<str:group>/<str:unit>/<str:period>/", views_entry.entry_form, name="form"),
    path("chi-tieu-ktxh/tien-do/", views_entry.progress, name="progress"),
    path("chi-tieu-ktxh/tien-do/nhac/", views_entry.remind, name="remind"),
    path("chi-tieu-ktxh/tien-do/nhac-tat-ca/", views_entry.remind_all, name="remind_all"),
    path("chi-tieu-ktxh/duyet/<str:group>/<str:unit>/<str:period>/", views_entry.review, name="review"),
]
