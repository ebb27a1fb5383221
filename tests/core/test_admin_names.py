"""The back office speaks Vietnamese: every app and model it lists, and Django's own words."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_every_app_and_model_in_the_back_office_has_a_vietnamese_name():
    untranslated = []
    for model in admin.site._registry:
        app = apps.get_app_config(model._meta.app_label)
        with translation.override("en"):
            english = (str(app.verbose_name), str(model._meta.verbose_name_plural))
        with translation.override("vi"):
            vietnamese = (str(app.verbose_name), str(model._meta.verbose_name_plural))
        for en, vi in zip(english, vietnamese, strict=True):
            if en == vi:
                untranslated.append(en)
    assert untranslated == []


def test_the_change_link_is_not_taken_by_the_dashboards_word(client, personas):
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    client.force_login(personas.admin)
    html = client.get("/quan-tri/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Thay đổi" in html and "Chênh lệch" not in html


def test_the_user_pages_say_djangos_words_in_vietnamese(client, personas):
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    client.force_login(personas.admin)
    add = client.get("/quan-tri/core/user/add/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    change = client.get(f"/quan-tri/core/user/{personas.officer.pk}/change/", HTTP_ACCEPT_LANGUAGE="vi")
    change_page = change.content.decode()
    for english in ("you’ll be able to edit more user options", "authenticate using a password"):
        assert english not in add, english
    assert "Sau khi tạo người dùng" in add and "đăng nhập bằng mật khẩu hay không" in add
    assert "Raw passwords are not stored" not in change_page
    assert "tình trạng nhân viên" not in change_page.lower()  # is_staff is the back office's door
    assert "quyền vào trang quản trị" in change_page.lower()
