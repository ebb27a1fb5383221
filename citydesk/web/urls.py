from django.contrib.auth import views as auth_views
from django.urls import path

from citydesk.web import views, views_accounts, views_audit, views_inbox

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("dang-ky/", views_accounts.signup, name="signup"),
    path("dang-ky/xac-nhan/", views_accounts.signup_confirm, name="signup_confirm"),
    path("quen-mat-khau/", views_accounts.password_reset, name="password_reset"),
    path("quen-mat-khau/dat-lai/", views_accounts.password_reset_confirm, name="password_reset_confirm"),
    path("lich-lam-viec/", views.calendar_page, name="calendar"),
    path("don-vi-hanh-chinh/", views.units_page, name="units"),
    path("cua-toi/phan-anh/", views.my_reports, name="my_reports"),
    path("cua-toi/ho-so/", views.my_dossiers, name="my_dossiers"),
    path("thong-bao/", views_inbox.inbox_page, name="inbox"),
    path("nhat-ky/", views_audit.audit_page, name="audit"),
]
