"""The indicator dashboards (chỉ tiêu kinh tế – xã hội): summary, group, indicator, exports, findings."""

from django.urls import path

from citydesk.indicators import views_dashboards as views
from citydesk.indicators import views_findings

app_name = "indicators"

urlpatterns = [
    path("chi-tieu-ktxh/", views.summary, name="summary"),
    path("chi-tieu-ktxh/nhom/<str:code>/", views.group_page, name="group"),
    path("chi-tieu-ktxh/chi-tieu/<str:code>/", views.indicator_page, name="indicator"),
    path("chi-tieu-ktxh/xuat.xlsx", views.export_xlsx, name="export_xlsx"),
    path("chi-tieu-ktxh/bao-cao.pdf", views.export_pdf, name="export_pdf"),
    path(
        "chi-tieu-ktxh/bat-thuong/<int:pk>/<str:action>/",
        views_findings.finding_action,
        name="finding_action",
    ),
]
