"""The contest pages and API as a participant's phone and an organiser use them."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from contest.asynchronous.models import Attempt, Contest
from tests.contest_fixtures import open_contest, publish_bank

pytestmark = pytest.mark.django_db

IDENTITY = {
    "full_name": "Sùng Thị Mai",
    "phone": "0987 654 321",
    "commune": "02647",
    "target_group": "resident",
}


@pytest.fixture
def contest() -> Contest:
    publish_bank(12)
    return open_contest(answer_policy=Contest.AnswerPolicy.AFTER_SUBMIT)


def take_part(client, contest: Contest) -> Attempt:
    """Identify, then start straight away (skipping the warm-up question)."""
    client.post(f"/thi/{contest.slug}/dang-ky/", IDENTITY)
    client.post(f"/thi/{contest.slug}/bat-dau/", {"begin": "1"})
    return Attempt.objects.get()


def test_a_participant_takes_part_from_start_to_result(client, contest) -> None:
    response = client.post(f"/thi/{contest.slug}/dang-ky/", IDENTITY)
    # First the unscored warm-up question; the attempt (and its clock) starts after it.
    assert response.status_code == 302
    assert response["Location"] == f"/thi/{contest.slug}/bat-dau/"
    assert not Attempt.objects.exists()
    assert "Câu hỏi làm quen" in client.get(response["Location"]).content.decode()
    response = client.post(f"/thi/{contest.slug}/bat-dau/", {"begin": "1"})
    attempt = Attempt.objects.get()
    assert response["Location"] == f"/bai-thi/{attempt.token}/cau/1/"
    page = client.get(response["Location"]).content.decode()
    assert "Câu 1/5" in page
    for q in attempt.questions.all():
        key = [o.pk for o in q.version.options.all() if o.is_correct]
        client.post(f"/bai-thi/{attempt.token}/cau/{q.position}/", {"choice": key, "go": "next"})
    response = client.post(f"/bai-thi/{attempt.token}/nop-bai/", {"confirm": "on"})
    assert response["Location"] == f"/bai-thi/{attempt.token}/ket-qua/"
    result = client.get(response["Location"]).content.decode()
    assert "Điểm: 5/5" in result
    assert "Vì đó là đáp án đúng." in result  # explanations after submit, per the rules


def test_no_response_before_submission_reveals_a_correct_answer(client, contest) -> None:
    """Pages and API responses during the attempt must not mark the key in any way."""
    start = client.post(
        f"/api/v1/contests/{contest.slug}/attempts/", IDENTITY, content_type="application/json"
    )
    token = start.json()["token"]
    attempt = Attempt.objects.get(token=token)
    bodies = [start.content.decode()]
    bodies.append(client.get(f"/api/v1/attempts/{token}/").content.decode())
    for q in attempt.questions.all():
        bodies.append(client.get(f"/bai-thi/{token}/cau/{q.position}/").content.decode())
        any_option = q.option_order[0]
        bodies.append(
            client.post(
                f"/api/v1/attempts/{token}/answers/",
                {"position": q.position, "choice": [any_option]},
                content_type="application/json",
            ).content.decode()
        )
        bodies.append(client.get(f"/bai-thi/{token}/cau/{q.position}/").content.decode())
    bodies.append(client.get(f"/bai-thi/{token}/nop-bai/").content.decode())
    for body in bodies:
        assert "is_correct" not in body
        assert "correct" not in body.lower().replace("incorrect", "")
        assert "Vì đó là đáp án đúng." not in body  # no explanation
        assert "Đáp án:" not in body
    # the options shown are exactly the attempt's shuffled ids, nothing marks the key
    shown = json.loads(bodies[1])["questions"][0]["options"]
    assert [o["id"] for o in shown] == attempt.questions.get(position=1).option_order


def test_the_save_api_is_idempotent_and_rejects_late_answers(client, contest) -> None:
    token = client.post(
        f"/api/v1/contests/{contest.slug}/attempts/", IDENTITY, content_type="application/json"
    ).json()["token"]
    attempt = Attempt.objects.get(token=token)
    choice = {"position": 1, "choice": [attempt.questions.get(position=1).option_order[0]]}
    for _ in range(3):
        response = client.post(
            f"/api/v1/attempts/{token}/answers/", choice, content_type="application/json"
        )
        assert response.status_code == 200 and response.json()["saved"] is True
    assert attempt.questions.get(position=1).answer.revisions == 1
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=attempt.started_at)
    late = client.post(
        f"/api/v1/attempts/{token}/answers/", choice, content_type="application/json"
    )
    assert late.status_code == 409
    assert late.json()["code"] == "too_late"
    assert "hết giờ" in late.json()["error"]


def test_refreshing_after_time_is_up_shows_the_auto_submitted_result(client, contest) -> None:
    attempt = take_part(client, contest)
    Attempt.objects.filter(pk=attempt.pk).update(deadline_at=attempt.started_at)
    response = client.get(f"/bai-thi/{attempt.token}/cau/1/", follow=True)
    assert "tự động nộp" in response.content.decode()


def test_bad_identification_is_explained_in_vietnamese(client, contest) -> None:
    page = client.post(
        f"/thi/{contest.slug}/dang-ky/", {**IDENTITY, "phone": "12345"}
    ).content.decode()
    assert "Số điện thoại không hợp lệ" in page
    assert not Attempt.objects.exists()


def test_organiser_dashboard_and_exports(client, contest) -> None:
    from django.contrib.auth.models import Group, User

    attempt = take_part(client, contest)
    client.post(f"/bai-thi/{attempt.token}/nop-bai/", {"confirm": "on"})
    organiser = User.objects.create_user("dave")
    organiser.groups.add(Group.objects.get(name="organiser"))
    client.force_login(organiser)
    page = client.get(f"/to-chuc/thi/{contest.slug}/").content.decode()
    assert "Sùng Thị Mai" in page and "098****321" in page
    xlsx = client.get(f"/to-chuc/thi/{contest.slug}/xuat/ranking.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0].startswith("Xếp hạng cá nhân: Cuộc thi tìm hiểu kỹ năng số")
    header = rows[4]
    assert header[:3] == ("Hạng", "Họ và tên", "Số điện thoại")
    assert rows[5][:3] == (1, "Sùng Thị Mai", "098****321")
    csv_text = client.get(f"/to-chuc/thi/{contest.slug}/xuat/communes.csv").content.decode(
        "utf-8-sig"
    )
    assert "Phường Lào Cai" in csv_text
    client.post(f"/to-chuc/thi/{contest.slug}/publish_results/")
    public = client.get(f"/thi/{contest.slug}/ket-qua/").content.decode()
    assert "Sùng Thị Mai" in public
    assert "0987" not in public  # no phone on public pages


def test_participants_cannot_reach_organiser_pages(client, contest) -> None:
    assert client.get(f"/to-chuc/thi/{contest.slug}/").status_code == 302
    assert client.get(f"/thi/{contest.slug}/ket-qua/").status_code == 404  # not yet published
