"""The warm-up question ("Câu hỏi làm quen") before the first scored question of a
contest and of a placement test: unscored, nothing stored, the clock not yet
running, and skippable."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from contest.asynchronous import services
from contest.asynchronous.models import Attempt
from contest.placement.models import PlacementResponse, PlacementSession
from tests.contest_fixtures import open_contest, person, publish_bank

pytestmark = pytest.mark.django_db

IDENTITY = {
    "full_name": "Sùng Thị Mai",
    "phone": "0987 654 321",
    "commune": "02647",
    "target_group": "resident",
}


@pytest.fixture
def contest():
    publish_bank(12)
    return open_contest()


def test_a_first_timer_meets_the_warm_up_before_the_clock_starts(client, contest) -> None:
    response = client.post(f"/thi/{contest.slug}/dang-ky/", IDENTITY)
    warm_up_url = f"/thi/{contest.slug}/bat-dau/"
    assert response["Location"] == warm_up_url
    page = client.get(warm_up_url).content.decode()
    assert "<h1>Câu hỏi làm quen</h1>" in page
    assert "Câu này không tính điểm." in page
    assert "Bài thi có 5 câu hỏi, làm trong 15 phút." in page
    assert "Bỏ qua, bắt đầu làm bài" in page  # skippable
    # Trying an answer shows it back in plain words and stores nothing.
    page = client.post(warm_up_url, {"warm_up": "tablet"}).content.decode()
    assert "Bạn đã chọn: Máy tính bảng." in page
    assert '<button class="primary" name="begin" value="1">Bắt đầu làm bài</button>' in page
    assert not Attempt.objects.exists()
    response = client.post(warm_up_url, {"begin": "1"})
    attempt = Attempt.objects.get()
    assert response["Location"] == f"/bai-thi/{attempt.token}/cau/1/"
    assert attempt.questions.count() == 5  # the warm-up is not one of them


def test_a_participant_who_has_taken_part_before_starts_directly(client, contest) -> None:
    mai = person("Sùng Thị Mai", "0987654321")
    contest.attempts_allowed = 2
    contest.save(update_fields=["attempts_allowed"])
    services.attempt_submit(attempt=services.attempt_start(contest=contest, participant=mai))
    response = client.post(f"/thi/{contest.slug}/dang-ky/", IDENTITY)
    second = Attempt.objects.get(number=2)
    assert response["Location"] == f"/bai-thi/{second.token}/cau/1/"


def test_the_warm_up_sends_someone_with_an_attempt_under_way_back_to_it(client, contest) -> None:
    client.post(f"/thi/{contest.slug}/dang-ky/", IDENTITY)
    client.post(f"/thi/{contest.slug}/bat-dau/", {"begin": "1"})
    attempt = Attempt.objects.get()
    response = client.get(f"/thi/{contest.slug}/bat-dau/")
    assert response["Location"] == f"/bai-thi/{attempt.token}/cau/1/"


def test_the_warm_up_is_not_offered_to_someone_who_may_not_take_part(client, contest) -> None:
    contest.target_groups.set(["student"])
    session = client.session
    session["participant_id"] = person("Sùng Thị Mai", "0987654321").pk
    session.save()
    response = client.get(f"/thi/{contest.slug}/bat-dau/", follow=True)
    assert "Cuộc thi này không dành cho nhóm đối tượng của bạn." in response.content.decode()


def test_the_contest_page_leads_a_first_timer_to_the_warm_up(client, contest) -> None:
    session = client.session
    session["participant_id"] = person("Sùng Thị Mai", "0987654321").pk
    session.save()
    page = client.get(f"/thi/{contest.slug}/").content.decode()
    assert f'<a class="button primary" href="/thi/{contest.slug}/bat-dau/">' in page


# --- Placement ------------------------------------------------------------------

SELF_FORM = {**IDENTITY, "birth_year": "1968"}


@pytest.fixture
def bank() -> None:
    publish_bank(40, prefix="place")


def test_placement_on_ones_own_phone_starts_with_the_warm_up(client, bank) -> None:
    client.post("/xep-muc/", SELF_FORM)
    session = PlacementSession.objects.get()
    url = f"/xep-muc/{session.token}/"
    page = client.get(url).content.decode()
    assert "<h1>Câu hỏi làm quen</h1>" in page and "Không tính điểm" in page
    assert "Câu 1" not in page
    page = client.post(url, {"warm_up": "dont_know"}).content.decode()
    assert "Bạn đã bấm “Tôi không biết”." in page
    assert not PlacementResponse.objects.exists()
    session.refresh_from_db()
    assert session.engine_state["items"] == [] and session.status == "in_progress"
    response = client.post(url, {"action": "begin"})
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert "Câu 1" in page and "Câu hỏi làm quen" not in page


def test_a_scored_answer_sent_straight_away_counts_and_ends_the_warm_up(client, bank) -> None:
    client.post("/xep-muc/", SELF_FORM)
    session = PlacementSession.objects.select_related("current_version").get()
    version = session.current_version
    assert version is not None
    key = next(o.pk for o in version.options.all() if o.is_correct)
    client.post(f"/xep-muc/{session.token}/", {"position": 1, "choice": key})
    assert PlacementResponse.objects.count() == 1
    assert "Câu 2" in client.get(f"/xep-muc/{session.token}/").content.decode()


def test_the_kiosk_hands_over_with_the_warm_up_on_the_greeting(client, bank) -> None:
    volunteer = User.objects.create_user("tnv")
    volunteer.groups.add(Group.objects.get(name="volunteer"))
    client.force_login(volunteer)
    response = client.post("/xep-muc/tram/", {**SELF_FORM, "phone": ""})
    page = client.get(response["Location"]).content.decode()
    assert "Xin chào Sùng Thị Mai!" in page and "Câu hỏi làm quen" in page
    page = client.post(response["Location"], {"warm_up": "phone"}).content.decode()
    assert "Bạn đã chọn: Điện thoại." in page
    session = PlacementSession.objects.get()
    assert f'href="/xep-muc/{session.token}/">Bắt đầu làm bài</a>' in page
    # The kiosk's questions come without a second warm-up.
    assert "Câu 1" in client.get(f"/xep-muc/{session.token}/").content.decode()
