"""Review findings checked in a browser: the campaign form's procedure list on a 390 px phone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from citydesk.core.demo import DEMO_PASSWORD, seed_demo
from tests.browser.helpers import log_in

if TYPE_CHECKING:
    from .conftest import Traffic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# Each procedure's checkbox (width, height) and its label's right edge, with the list box's right edge.
CHECKBOXES = """() => {
  const grid = document.querySelector('#field-procedure_codes .camp-grid');
  const right = grid.getBoundingClientRect().right;
  return [...grid.querySelectorAll('label')].map(label => {
    const box = label.querySelector('input').getBoundingClientRect();
    return [box.width, box.height, label.getBoundingClientRect().right, right];
  });
}"""


def test_the_campaign_form_fits_a_phone(page: Any, traffic: Traffic) -> None:
    seed_demo()
    page.set_viewport_size(PHONE)
    log_in(page, "leader", DEMO_PASSWORD)
    response = page.goto("/mot-cua/chien-dich/moi/")
    assert response is not None and response.status == 200
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    boxes = page.evaluate(CHECKBOXES)
    assert len(boxes) > 5
    for width, height, label_right, grid_right in boxes:
        assert width >= 20 and height >= 20  # the checkbox keeps its size beside a long name
        assert label_right <= grid_right + 0.5  # the name wraps inside the box, not clipped by it
    assert traffic.problems() == []
