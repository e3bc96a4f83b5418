"""Practice mode: unranked, the explanation right after each answer, what to learn next."""

from __future__ import annotations

import pytest

from question_banks.models import QuestionVersion
from tests.contest_fixtures import publish_bank

pytestmark = pytest.mark.django_db


def test_a_practice_round_explains_each_answer_and_suggests_what_to_learn(client) -> None:
    publish_bank(12)
    client.post("/luyen-tap/bat-dau/", {"target_group": "resident", "tag": "odd"})
    answered = 0
    while True:
        response = client.get("/luyen-tap/cau-hoi/")
        if response.status_code == 302:
            assert response["Location"] == "/luyen-tap/tong-ket/"
            break
        state = client.session["practice"]
        version = QuestionVersion.objects.get(pk=state["version_ids"][state["position"]])
        wrong = next(o.pk for o in version.options.all() if not o.is_correct)
        page = client.post("/luyen-tap/cau-hoi/", {"choice": [wrong]}).content.decode()
        assert "Chưa đúng." in page
        assert version.explanation in page  # explained right away
        assert "Đúng" in page  # the key is shown after answering
        client.post("/luyen-tap/cau-hoi/", {"go": "next"})
        answered += 1
    assert answered == 6  # the six "odd" questions
    summary = client.get("/luyen-tap/tong-ket/").content.decode()
    assert "Bạn trả lời đúng 0/6 câu." in summary
    assert "Bảo vệ dữ liệu cá nhân và quyền riêng tư" in summary  # competence 4.2 to learn next


def test_practice_questions_are_ordered_easiest_first(client) -> None:
    publish_bank(12)
    client.post("/luyen-tap/bat-dau/", {})
    ids = client.session["practice"]["version_ids"]
    difficulties = [QuestionVersion.objects.get(pk=pk).irt_b for pk in ids]
    assert difficulties == sorted(difficulties)
    assert len(ids) == 10


def test_an_empty_topic_returns_to_the_choice(client) -> None:
    assert client.post("/luyen-tap/bat-dau/", {"tag": "khong-co"})["Location"] == "/luyen-tap/"
