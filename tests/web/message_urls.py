"""A test-only URLconf: the site, plus a page that flashes one message of each level and goes home."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

LEVEL_TEXTS = {
    "success": "Đã lưu hồ sơ.",
    "info": "Bạn sẽ nhận được thông báo.",
    "warning": "Không thêm được tệp ảnh.",
    "error": "Không gửi được phản ánh.",
}


def flash(request: HttpRequest) -> HttpResponse:
    for level, text in LEVEL_TEXTS.items():
        getattr(messages, level)(request, text)
    return redirect("web:home")


urlpatterns = [
    path("__test__/flash/", flash),
    path("", include("citydesk.urls")),
]
