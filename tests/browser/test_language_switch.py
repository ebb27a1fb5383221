"""The language switch asks before it drops what a person typed and has not sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from citydesk.core.models import ServiceCategory

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switching_language_asks_before_dropping_typed_text(page: Any, traffic: Traffic) -> None:
    ServiceCategory.objects.create(
        code="road_damage", domain="report", name="Hư hỏng mặt đường", name_en="Road damage", working_days=5
    )
    page.goto("/phan-anh/moi/")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        if len(asked) == 1:
            dialog.dismiss()
        else:
            dialog.accept()

    page.on("dialog", answer)
    # Nothing typed: the switch happens without a question.
    with page.expect_navigation():
        page.locator("form.lang button[value=en]").click()
    assert asked == [] and page.locator("html").get_attribute("lang") == "en"
    page.fill("textarea[name=description]", "Ổ gà lớn trước nhà số 12")
    page.locator("form.lang button[value=vi]").click()
    page.wait_for_timeout(300)
    assert len(asked) == 1 and "lost" in asked[0]  # asked in the page's language (English)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.input_value("textarea[name=description]") == "Ổ gà lớn trước nhà số 12"
    with page.expect_navigation():
        page.locator("form.lang button[value=vi]").click()
    assert len(asked) == 2 and page.locator("html").get_attribute("lang") == "vi"
    assert traffic.problems() == []
