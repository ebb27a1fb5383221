from django.urls import path

from citydesk.ioc import views

app_name = "ioc"

urlpatterns = [
    path("dieu-hanh/", views.overview, name="overview"),
]
