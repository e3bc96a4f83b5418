"""Accessible time: an organiser (or a kiosk volunteer) grants a person more time;
the server's deadlines for contest attempts and placement sessions honour it, and
pausing a placement session stops its clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.utils import timezone

from community.models import AuditEvent, Participant
from contest.asynchronous import services
from contest.asynchronous.accessible_time import extra_time_grant
from contest.asynchronous.models import Attempt
from contest.placement import services as placement
from contest.placement.models import PlacementSession
from tests.contest_fixtures import key_choice, open_contest, person, publish_bank

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def contest():
    publish_bank(12)
    return open_contest(duration_minutes=20)


@pytest.fixture
def organiser() -> User:
    user = User.objects.create_user("dave")
    user.groups.add(Group.objects.get(name="organiser"))
    return user


def test_a_grant_before_the_start_lengthens_the_attempt(contest, organiser) -> None:
    mai = person("Sùng Thị Mai")
    extra_time_grant(participant=mai, percent=50, actor=organiser)
    now = timezone.now()
    attempt = services.attempt_start(contest=contest, participant=mai, now=now)
    assert attempt.deadline_at == now + 30 * MINUTE
    others = services.attempt_start(contest=contest, participant=person("Lò Văn A", "0912000002"))
    assert others.deadline_at - others.started_at == 20 * MINUTE


def test_a_grant_during_the_attempt_extends_it_and_the_server_honours_it(
    contest, organiser
) -> None:
    mai = person("Sùng Thị Mai")
    start = timezone.now() - 19 * MINUTE
    attempt = services.attempt_start(contest=contest, participant=mai, now=start)
    grant = extra_time_grant(participant=mai, percent=100, actor=organiser)
    assert grant.attempts_extended == 1
    attempt.refresh_from_db()
    assert attempt.deadline_at == start + 40 * MINUTE
    question = attempt.questions.get(position=1)
    # After the normal 20 minutes, before the extended 40: the answer counts.
    services.answer_save(
        attempt=attempt, position=1, choice=key_choice(question), now=start + 25 * MINUTE
    )
    with pytest.raises(ValidationError) as late:
        services.answer_save(
            attempt=attempt,
            position=2,
            choice=[0],
            now=start + 40 * MINUTE + dt.timedelta(seconds=1),
        )
    assert late.value.code == "too_late"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.AUTO_SUBMITTED and attempt.score == 1


def test_the_extra_time_reaches_past_the_end_of_the_contest_window(organiser) -> None:
    publish_bank(12)
    now = timezone.now()
    contest = open_contest(duration_minutes=20, closes_at=now + 10 * MINUTE)
    mai = person("Sùng Thị Mai", extra_time_percent=50)
    attempt = services.attempt_start(contest=contest, participant=mai, now=now)
    assert attempt.deadline_at == contest.closes_at + 10 * MINUTE  # the window, then her share


def test_lowering_a_grant_never_shortens_a_running_attempt(contest, organiser) -> None:
    mai = person("Sùng Thị Mai", extra_time_percent=100)
    attempt = services.attempt_start(contest=contest, participant=mai)
    deadline = attempt.deadline_at
    extra_time_grant(participant=mai, percent=0, actor=organiser)
    attempt.refresh_from_db()
    assert attempt.deadline_at == deadline
    mai.refresh_from_db()
    assert mai.extra_time_percent == 0


def test_a_grant_is_audited_and_only_the_offered_shares_are_accepted(contest, organiser) -> None:
    mai = person("Sùng Thị Mai")
    extra_time_grant(participant=mai, percent=25, actor=organiser)
    event = AuditEvent.objects.get(action="participant.extra_time")
    assert (event.actor, event.target, event.detail) == (
        organiser,
        f"participant:{mai.pk}",
        {"from": 0, "to": 25},
    )
    with pytest.raises(ValidationError):
        extra_time_grant(participant=mai, percent=300, actor=organiser)


def test_an_organiser_grants_time_by_phone_number_on_the_dashboard(
    client, contest, organiser
) -> None:
    mai = person("Sùng Thị Mai", "0987654321")
    attempt = services.attempt_start(contest=contest, participant=mai)
    deadline = attempt.deadline_at
    client.force_login(organiser)
    page = client.get(f"/to-chuc/thi/{contest.slug}/").content.decode()
    assert "Thêm thời gian làm bài (hỗ trợ tiếp cận)" in page
    url = f"/to-chuc/thi/{contest.slug}/extra_time/"
    page = client.post(url, {"phone": "0987 654 321", "extra_time": "50"}, follow=True)
    text = page.content.decode()
    assert "Đã lưu: Sùng Thị Mai — Thêm 50% (gấp 1,5 lần)." in text
    assert "Bài đang làm đã được cộng thêm giờ." in text
    attempt.refresh_from_db()
    assert attempt.deadline_at == deadline + 10 * MINUTE
    assert "Sùng Thị Mai — Thêm 50% (gấp 1,5 lần)" in text  # the list of people granted time
    # Bad input is explained in Vietnamese and changes nothing.
    unknown = client.post(url, {"phone": "0912 999 999", "extra_time": "100"}, follow=True)
    assert "Không tìm thấy người dự thi có số điện thoại này." in unknown.content.decode()
    invalid = client.post(url, {"phone": "12345", "extra_time": "100"}, follow=True)
    assert "Số điện thoại không hợp lệ" in invalid.content.decode()
    assert Participant.objects.get(pk=mai.pk).extra_time_percent == 50


def test_participants_cannot_grant_themselves_time(client, contest) -> None:
    mai = person("Sùng Thị Mai", "0987654321")
    url = f"/to-chuc/thi/{contest.slug}/extra_time/"
    assert client.post(url, {"phone": "0987654321", "extra_time": "100"}).status_code == 302
    volunteer = User.objects.create_user("tnv")
    volunteer.groups.add(Group.objects.get(name="volunteer"))
    client.force_login(volunteer)
    assert client.post(url, {"phone": "0987654321", "extra_time": "100"}).status_code == 403
    assert Participant.objects.get(pk=mai.pk).extra_time_percent == 0


def test_the_contest_page_tells_the_person_their_time(client, contest) -> None:
    mai = person("Sùng Thị Mai", "0987654321", extra_time_percent=50)
    session = client.session
    session["participant_id"] = mai.pk
    session.save()
    page = client.get(f"/thi/{contest.slug}/").content.decode()
    assert "Bạn được thêm thời gian: làm trong 30 phút." in page


# --- Placement ------------------------------------------------------------------


@pytest.fixture
def bank() -> None:
    publish_bank(40, prefix="place")


def test_a_placement_session_carries_the_persons_extra_time(bank) -> None:
    now = timezone.now()
    plain = placement.session_start(participant=person(birth_year=1968), now=now)
    assert plain.deadline_at == now + 40 * MINUTE
    slow = person("Sùng Thị Mai", "0987654321", birth_year=1950, extra_time_percent=50)
    session = placement.session_start(participant=slow, now=now)
    assert session.deadline_at == now + 60 * MINUTE


def test_a_grant_extends_a_placement_session_under_way(bank) -> None:
    mai = person("Sùng Thị Mai", "0987654321", birth_year=1950)
    session = placement.session_start(participant=mai)
    deadline = session.deadline_at
    grant = extra_time_grant(participant=mai, percent=100, actor=None)
    assert grant.sessions_extended == 1
    session.refresh_from_db()
    assert session.deadline_at == deadline + 40 * MINUTE


def test_a_volunteer_grants_time_at_the_kiosk(client, bank) -> None:
    volunteer = User.objects.create_user("tnv")
    volunteer.groups.add(Group.objects.get(name="volunteer"))
    client.force_login(volunteer)
    form = {
        "full_name": "Hoàng Văn Páo",
        "phone": "",
        "birth_year": "1948",
        "commune": "02647",
        "target_group": "resident",
        "extra_time": "100",
    }
    client.post("/xep-muc/tram/", form)
    session = PlacementSession.objects.get()
    assert session.deadline_at - session.started_at == 80 * MINUTE
    assert session.participant.extra_time_percent == 100
    assert AuditEvent.objects.get(action="participant.extra_time").actor == volunteer


def test_pausing_stops_the_clock(bank) -> None:
    start = timezone.now()
    session = placement.session_start(participant=person(birth_year=1968), now=start)
    session = placement.session_pause(session=session, now=start + 10 * MINUTE)
    # Back after lunch, long after the 40 minutes would have run out.
    back = start + 3 * 60 * MINUTE
    session = placement.session_resume(session=session, now=back)
    assert session.status == PlacementSession.Status.IN_PROGRESS
    assert session.deadline_at == back + 30 * MINUTE  # the 30 minutes left at the pause
    version = session.current_version
    assert version is not None
    key = [o.pk for o in version.options.all() if o.is_correct]
    session = placement.session_answer(
        session=session, position=1, choice=key, now=back + 5 * MINUTE
    )
    assert session.responses.count() == 1 and session.is_active


def test_answering_a_paused_session_resumes_it_with_its_time(bank) -> None:
    start = timezone.now()
    session = placement.session_start(participant=person(birth_year=1968), now=start)
    placement.session_pause(session=session, now=start + 5 * MINUTE)
    later = start + 2 * 60 * MINUTE
    version = PlacementSession.objects.get(pk=session.pk).current_version
    assert version is not None
    session = placement.session_answer(
        session=session, position=1, choice=[version.options.all()[0].pk], now=later
    )
    assert session.status == PlacementSession.Status.IN_PROGRESS
    assert session.deadline_at == later + 35 * MINUTE
    assert session.responses.count() == 1


def test_a_paused_session_is_found_again_however_long_the_pause(bank) -> None:
    mai = person("Sùng Thị Mai", "0987654321", birth_year=1950)
    start = timezone.now() - dt.timedelta(days=3)
    session = placement.session_start(participant=mai, now=start)
    placement.session_pause(session=session, now=start + MINUTE)
    again = placement.session_start(participant=mai)
    assert again.pk == session.pk and again.status == PlacementSession.Status.PAUSED


def test_publishing_while_someone_with_extra_time_works_warns_and_can_be_redone(
    client, organiser
) -> None:
    from contest.asynchronous.models import ContestAward

    publish_bank(12)
    now = timezone.now()
    contest = open_contest(duration_minutes=20, closes_at=now + 5 * MINUTE)
    mai = person("Sùng Thị Mai", "0987654321", extra_time_percent=100)
    attempt = services.attempt_start(contest=contest, participant=mai, now=now)
    assert attempt.deadline_at == contest.closes_at + 20 * MINUTE
    contest.closes_at = now - MINUTE  # the window has closed; her extra time has not
    contest.save(update_fields=["closes_at"])
    client.force_login(organiser)
    page = client.post(f"/to-chuc/thi/{contest.slug}/publish_results/", follow=True)
    assert "Còn 1 bài đang làm" in page.content.decode()
    attempt.refresh_from_db()
    assert attempt.is_open and not ContestAward.objects.exists()
    services.attempt_submit(attempt=attempt)
    client.post(f"/to-chuc/thi/{contest.slug}/publish_results/")
    assert ContestAward.objects.filter(participant=mai).exists()
