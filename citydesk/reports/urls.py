"""Pages of the 1022 system (report form, hotline screen, tracking, officer queue). Included at the root."""

from django.urls import path

from citydesk.reports import views
from citydesk.reports.views import reply as reply_views

app_name = "reports"

urlpatterns = [
    # Citizens
    path("phan-anh/", views.public_list, name="public_list"),
    path("phan-anh/moi/", views.report_new, name="new"),
    path("phan-anh/da-gui/<str:code>/", views.report_sent, name="sent"),
    path("phan-anh/ban-do/wards.geojson", views.wards_geojson, name="wards_geojson"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("tra-cuu/<str:code>/", views.track, name="track"),
    path("tra-cuu/<str:code>/danh-gia/", views.rate, name="rate"),
    path("tra-cuu/<str:code>/theo-doi/", views.follow, name="follow"),
    path("tra-cuu/<str:code>/tra-loi/", reply_views.reply, name="reply"),
    path("bo-theo-doi/<str:key>/", views.citizen.unfollow, name="unfollow"),
    # Hotline operators
    path("tong-dai/", views.hotline, name="hotline"),
    path("tong-dai/goi-y/", views.hotline_suggest, name="hotline_suggest"),
    path("tong-dai/tra-cuu/", views.hotline_lookup, name="hotline_lookup"),
    path("tong-dai/phan-anh/<str:code>/", views.hotline_report, name="hotline_report"),
    # Officers
    path("xu-ly/", views.queue, name="queue"),
    path("xu-ly/giao-viec/", views.bulk_assign, name="bulk_assign"),
    path("xu-ly/<str:code>/", views.officer_report, name="officer"),
    path("xu-ly/<str:code>/thao-tac/", views.officer_action, name="action"),
    path("xu-ly/<str:code>/ghi-chu/", views.officer_note, name="note"),
    path("xu-ly/<str:code>/tep/", views.officer_attach, name="attach"),
    path("xu-ly/<str:code>/gop/", views.officer_merge, name="merge"),
    path("xu-ly/<str:code>/tach/", views.officer_unmerge, name="unmerge"),
    path("xu-ly/<str:code>/tam-dung/", views.officer_pause, name="pause"),
    path("xu-ly/<str:code>/tiep-tuc/", views.officer_resume, name="resume"),
]
