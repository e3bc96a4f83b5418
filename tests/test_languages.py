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


MINORITY = ["hmn", "tay", "dao", "giay", "nung", "thai"]


@pytest.mark.parametrize("code", MINORITY)
def test_each_minority_language_can_be_chosen(client, code: str) -> None:
    response = client.post("/i18n/setlang/", {"language": code, "next": "/thi/"})
    assert response.status_code == 302 and response["Location"] == "/thi/"
    assert response.cookies["django_language"].value == code
    assert response.cookies["django_language"]["max-age"] == 365 * 24 * 3600
    page = client.get("/thi/").content.decode()
    # No UI catalogue covers these languages, so the page is (mostly) Vietnamese and
    # says so; the switch shows the chosen language as the current one.
    assert 'lang="vi"' in page.split("\n", 3)[2]
    assert "Các cuộc thi đang mở" in page  # untranslated strings fall back to Vietnamese
    assert f'<button name="language" value="{code}"' not in page  # it is the current one
    assert '<button name="language" value="vi" lang="vi">Tiếng Việt</button>' in page


def test_the_switch_names_each_language_in_itself_with_a_valid_lang_tag(client) -> None:
    page = client.get("/").content.decode()
    for code, tag, name in [
        ("en", "en", "English"),
        ("hmn", "hmn", "Hmoob"),
        ("tay", "tyz", "Tày"),
        ("dao", "ium", "Dao"),
        ("giay", "pcc", "Giáy"),
        ("nung", "nut", "Nùng"),
        ("thai", "blt", "Thái"),
    ]:
        assert f'<button name="language" value="{code}" lang="{tag}">{name}</button>' in page


def test_the_hmong_glossary_shows_where_it_has_a_word_and_vietnamese_elsewhere(client) -> None:
    from tests.contest_fixtures import publish_bank

    publish_bank(40, prefix="place")
    client.post("/i18n/setlang/", {"language": "hmn", "next": "/"})
    page = client.get("/xep-muc/").content.decode()
    assert "Koj lub npe" in page and "Xov tooj" in page and "Xyoo yug" in page  # glossary
    assert "Kiểm tra xếp mức kỹ năng số" in page  # no H'Mông entry: Vietnamese


def test_an_unknown_language_is_refused(client) -> None:
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert "django_language" not in response.cookies
    assert 'lang="vi"' in client.get("/").content.decode()


@pytest.mark.parametrize("code", MINORITY)
def test_minority_languages_use_vietnamese_dates_and_numbers(code: str) -> None:
    import datetime as dt

    from django.utils import formats, translation

    day = dt.date(2026, 9, 2)
    with translation.override("vi"):
        expected = (formats.date_format(day), formats.number_format(1234.5, 1, force_grouping=True))
    with translation.override(code):
        shown = (formats.date_format(day), formats.number_format(1234.5, 1, force_grouping=True))
    assert shown == expected == ("Ngày 02 tháng 9 năm 2026", "1234,5")  # a decimal comma
