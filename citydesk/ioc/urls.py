from django.urls import path

from citydesk.ioc import directive_views, export_views, views

app_name = "ioc"

urlpatterns = [
    path("dieu-hanh/", views.overview, name="overview"),
    path("dieu-hanh/xuat.xlsx", export_views.overview_xlsx_view, name="overview_xlsx"),
    path("dieu-hanh/ban-tin.pdf", export_views.overview_pdf_view, name="overview_pdf"),
    # Follow-up directives (chỉ đạo theo dõi).
    path("dieu-hanh/chi-dao/", directive_views.directive_list, name="directives"),
    path("dieu-hanh/chi-dao/moi/", directive_views.directive_new, name="directive_new"),
    path(
        "dieu-hanh/chi-dao/<int:pk>/nhan/",
        directive_views.directive_acknowledge,
        name="directive_acknowledge",
    ),
    path("dieu-hanh/chi-dao/<int:pk>/xong/", directive_views.directive_complete, name="directive_complete"),
    path("dieu-hanh/chi-dao/<int:pk>/huy/", directive_views.directive_cancel, name="directive_cancel"),
    path(
        "dieu-hanh/chi-dao/<int:pk>/yeu-cau-tiep/",
        directive_views.directive_follow_up,
        name="directive_follow_up",
    ),
]
