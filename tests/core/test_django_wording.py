"""Django's own Vietnamese messages that read badly are worded again by the project's catalogue."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils import translation
from django.utils.translation import gettext

from citydesk.core.django_wording import DJANGO_MESSAGES


def test_every_reworded_message_has_a_vietnamese_text_without_a_space_before_the_stop():
    with translation.override("vi"):
        for msgid in DJANGO_MESSAGES:
            text = gettext(msgid)
            assert text != msgid, msgid
            assert " ." not in text and "quyển" not in text, text


def test_a_validators_message_reads_cleanly():
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        MinValueValidator(0)(-1)
    assert refused.value.messages == ["Giá trị phải lớn hơn hoặc bằng 0."]
