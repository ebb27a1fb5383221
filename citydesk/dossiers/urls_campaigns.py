"""Pages of same-day campaigns, the backlog and the targets (officers' one-stop area, /mot-cua/)."""

from django.urls import path

from citydesk.dossiers import views_campaigns as views

app_name = "dossiers_campaigns"

urlpatterns = [
    path("mot-cua/chien-dich/", views.campaign_list, name="list"),
    path("mot-cua/chien-dich/moi/", views.campaign_new, name="create"),
    path("mot-cua/chien-dich/<int:pk>/", views.campaign_detail, name="detail"),
    path("mot-cua/chien-dich/<int:pk>/sua/", views.campaign_edit, name="edit"),
    path("mot-cua/chien-dich/<int:pk>/chien-dich.xlsx", views.campaign_export, name="export"),
    path("mot-cua/ton-dong/", views.backlog_view, name="backlog"),
    path("mot-cua/chi-tieu/", views.targets_view, name="targets"),
    path("mot-cua/chi-tieu/dat/", views.target_save, name="target_save"),
]
