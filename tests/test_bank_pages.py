"""Author and reviewer pages, as a person uses them."""

from __future__ import annotations

import pytest

from question_banks import services
from question_banks.models import QuestionVersion

pytestmark = pytest.mark.django_db

FORM = {
    "type": "single",
    "stem": "Biểu tượng nào dùng để bật Wi-Fi?",
    "explanation": "Biểu tượng hình quạt sóng là Wi-Fi.",
    "competence": "0.1",
    "target_groups": ["resident"],
    "difficulty": "-2",
    "tags": "thiet-bi",
    "option_1": "Hình quạt sóng",
    "correct_1": "on",
    "option_2": "Hình cục pin",
    "option_3": "Tôi không biết",
}


def test_an_author_writes_a_question_and_sends_it_for_review(client, alice) -> None:
    client.force_login(alice)
    response = client.post("/bank/new/", FORM)
    version = QuestionVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bank/q/{version.question.key}/"
    page = client.get(response["Location"]).content.decode()
    assert "Biểu tượng nào dùng để bật Wi-Fi?" in page
    assert "Gửi thẩm định" in page
    client.post(f"/bank/q/{version.question.key}/submit/", {"version": version.pk})
    version.refresh_from_db()
    assert version.status == "in_review"


def test_form_errors_are_shown_in_vietnamese(client, alice) -> None:
    client.force_login(alice)
    response = client.post("/bank/new/", {**FORM, "correct_1": "", "correct_2": ""})
    assert response.status_code == 200
    assert "Câu hỏi một đáp án phải có đúng 1 phương án đúng." in response.content.decode()
    assert not QuestionVersion.objects.exists()


def test_the_reviewer_page_hides_approval_from_the_author(client, carol, question_data) -> None:
    version = services.question_create(author=carol, data=question_data())
    services.question_submit(version=version, actor=carol)
    client.force_login(carol)
    page = client.get(f"/bank/q/{version.question.key}/").content.decode()
    assert "không được tự thẩm định" in page
    assert "Duyệt và xuất bản</button>" not in page
    response = client.post(
        f"/bank/q/{version.question.key}/approve/", {"version": version.pk}, follow=True
    )
    assert "Không được tự thẩm định" in response.content.decode()
    version.refresh_from_db()
    assert version.status == "in_review"


def test_a_reviewer_approves_from_the_queue(client, alice, bob, question_data) -> None:
    version = services.question_create(author=alice, data=question_data())
    services.question_submit(version=version, actor=alice)
    client.force_login(bob)
    assert version.question.key in client.get("/bank/review/").content.decode()
    client.post(
        f"/bank/q/{version.question.key}/approve/", {"version": version.pk, "comment": "Đạt"}
    )
    version.refresh_from_db()
    assert version.status == "published"


def test_the_phone_preview_hides_the_answer_unless_asked(client, alice, question_data) -> None:
    version = services.question_create(author=alice, data=question_data())
    client.force_login(alice)
    url = f"/bank/q/{version.question.key}/v1/preview/"
    assert 'class="correct"' not in client.get(url).content.decode()
    assert 'class="correct"' in client.get(url, {"answer": "1"}).content.decode()


def test_the_list_filters_and_pages(client, alice, question_data) -> None:
    for i in range(3):
        services.question_create(
            author=alice, data=question_data(key=f"list-{i}", competence="6.1" if i else "4.2")
        )
    client.force_login(alice)
    page = client.get("/bank/", {"competence": "6.1"}).content.decode()
    assert "list-1" in page and "list-2" in page and "list-0" not in page


def test_people_without_a_role_are_turned_away(client, eve) -> None:
    client.force_login(eve)
    assert client.get("/bank/").status_code == 403
    assert client.get("/bank/new/").status_code == 403
    assert client.get("/bank/", follow=False).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client) -> None:
    response = client.get("/bank/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
