"""Vietnamese first, English on request, remembered by the language switch."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_pages_are_vietnamese_even_for_an_english_browser(client) -> None:
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="vi"' in page
    assert "Đăng nhập cho cán bộ" in page


def test_the_language_switch_is_remembered(client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    assert "Đăng nhập cho cán bộ" not in page
    assert '<button name="language" value="vi"' in page  # the way back
