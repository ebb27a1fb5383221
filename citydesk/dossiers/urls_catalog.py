"""Pages of the procedure catalog (thủ tục hành chính). Included at the site root."""

from django.urls import path

from citydesk.dossiers import views_catalog as views

app_name = "dossiers_catalog"

urlpatterns = [
    path("thu-tuc/", views.catalog_list, name="list"),
    # Before the detail route: "nhap-xuat" is not a procedure code.
    path("thu-tuc/nhap-xuat/", views.catalog_manage, name="manage"),
    path("thu-tuc/nhap-xuat/danh-muc.xlsx", views.catalog_download, name="download"),
    path("thu-tuc/nhap-xuat/mau-trong.xlsx", views.catalog_blank, name="blank"),
    path("thu-tuc/<str:code>/", views.catalog_detail, name="detail"),
    path("thu-tuc/<str:code>/mau/<int:position>/", views.document_template, name="template"),
]
