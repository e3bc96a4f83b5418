"""Taking part in an asynchronous contest: eligibility, the draw, saving answers,
resuming, deadlines, attempt limits, results and award records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from community.models import Commune, School, TargetGroup
from community.services import participant_identify
from contest.asynchronous import selectors, services
from contest.asynchronous.models import Attempt, AttemptAnswer, Contest, ContestAward
from tests.contest_fixtures import NOW, key_choice, open_contest, person, publish_bank, wrong_choice

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    return publish_bank(12)


def start(contest: Contest, participant, now=NOW):
    return services.attempt_start(contest=contest, participant=participant, now=now)


# --- eligibility ---------------------------------------------------------------


def test_a_draft_or_closed_contest_cannot_be_started(bank) -> None:
    lu = person()
    with pytest.raises(ValidationError, match="chưa mở"):
        start(open_contest(status=Contest.Status.DRAFT), lu)
    closed = open_contest(slug="da-dong", closes_at=NOW - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError, match="đã kết thúc"):
        start(closed, lu)


def test_audience_by_target_group_commune_school_and_grade(bank) -> None:
    contest = open_contest()
    contest.target_groups.set(TargetGroup.objects.filter(code="student"))
    with pytest.raises(ValidationError, match="nhóm đối tượng"):
        start(contest, person())

    contest.target_groups.clear()
    contest.communes.set(Commune.objects.filter(code="04252"))
    with pytest.raises(ValidationError, match="xã, phường"):
        start(contest, person(phone="0912000002"))

    school = School.objects.create(
        name="Trường THCS Lào Cai", level="lower_secondary", commune_id="02647"
    )
    contest.communes.clear()
    contest.schools.set([school])
    contest.grades = [8, 9]
    contest.save()
    pupil = person("Lý Thị Hoa", "0912000003", group="student", school=school, class_name="7A1")
    with pytest.raises(ValidationError, match="khối lớp"):
        start(contest, pupil)
    pupil.class_name = "8A2"
    pupil.save()
    assert start(contest, pupil).is_open


# --- the draw ---------------------------------------------------------------------


def test_same_for_all_draws_one_set_shuffled_per_person(bank) -> None:
    contest = open_contest(draw_mode=Contest.DrawMode.SAME_FOR_ALL)
    a = start(contest, person())
    b = start(contest, person("Vàng Thị Mỷ", "0912000002"))
    versions_a = [q.version_id for q in a.questions.all()]
    versions_b = [q.version_id for q in b.questions.all()]
    assert sorted(versions_a) == sorted(versions_b)
    assert len(versions_a) == 5
    orders = {tuple(versions_a), tuple(versions_b)}
    options = {tuple(q.option_order) for q in a.questions.all()}
    assert len(orders) == 2 or len(options) > 1  # question or option order differs


def test_blueprint_rules_pick_by_tag(bank) -> None:
    from question_banks.models import Tag

    contest = open_contest(questions_per_attempt=4)
    contest.blueprint.create(tag=Tag.objects.get(slug="even"), count=3)
    contest.blueprint.create(tag=Tag.objects.get(slug="odd"), count=1)
    attempt = start(contest, person())
    tags = [q.version.tags.get().slug for q in attempt.questions.all()]
    assert sorted(tags) == ["even", "even", "even", "odd"]


def test_a_bank_too_small_is_a_clear_error_and_no_attempt_is_left(bank) -> None:
    contest = open_contest(questions_per_attempt=50)
    with pytest.raises(ValidationError, match="chưa đủ câu"):
        start(contest, person())
    assert not Attempt.objects.exists()


# --- saving answers -----------------------------------------------------------------


def test_the_same_answer_twice_is_stored_once(bank) -> None:
    attempt = start(open_contest(), person())
    question = attempt.questions.get(position=1)
    first = services.answer_save(attempt=attempt, position=1, choice=key_choice(question))
    second = services.answer_save(attempt=attempt, position=1, choice=key_choice(question))
    assert first.pk == second.pk
    assert AttemptAnswer.objects.count() == 1
    assert AttemptAnswer.objects.get().revisions == 1
    services.answer_save(attempt=attempt, position=1, choice=wrong_choice(question))
    assert AttemptAnswer.objects.get().revisions == 2


@pytest.mark.parametrize(
    ("bad", "message"),
    [([], "đúng một phương án"), ([999999], "không thuộc câu hỏi"), (None, "đúng một phương án")],
)
def test_malformed_answers_are_refused_in_vietnamese(bank, bad, message) -> None:
    attempt = start(open_contest(), person())
    question = attempt.questions.get(position=1)
    choice = bad if bad is not None else [o.pk for o in question.version.options.all()][:2]
    with pytest.raises(ValidationError, match=message):
        services.answer_save(attempt=attempt, position=1, choice=choice)
    assert not AttemptAnswer.objects.exists()


def test_an_answer_after_the_deadline_is_refused_and_the_attempt_auto_submitted(bank) -> None:
    attempt = start(open_contest(duration_minutes=10), person())
    q1 = attempt.questions.get(position=1)
    services.answer_save(
        attempt=attempt, position=1, choice=key_choice(q1), now=NOW + dt.timedelta(minutes=9)
    )
    late = NOW + dt.timedelta(minutes=10, seconds=1)
    with pytest.raises(ValidationError, match="hết giờ") as caught:
        services.answer_save(
            attempt=attempt,
            position=2,
            choice=key_choice(attempt.questions.get(position=2)),
            now=late,
        )
    assert caught.value.code == "too_late"
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.AUTO_SUBMITTED
    assert attempt.submitted_at == attempt.deadline_at
    assert attempt.score == 1.0  # the acknowledged answer counts


def test_the_deadline_never_passes_the_contest_close(bank) -> None:
    contest = open_contest(closes_at=NOW + dt.timedelta(minutes=5), duration_minutes=30)
    attempt = start(contest, person())
    assert attempt.deadline_at == contest.closes_at


def test_expired_attempts_are_finalised_by_the_command(bank) -> None:
    from django.core.management import call_command

    attempt = start(open_contest(duration_minutes=1), person(), now=NOW - dt.timedelta(minutes=5))
    call_command("contests_finalise_expired", stdout=__import__("io").StringIO())
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.AUTO_SUBMITTED


# --- resume and attempts ------------------------------------------------------------


def test_starting_again_resumes_the_open_attempt_from_any_device(bank) -> None:
    contest = open_contest()
    first = participant_identify(
        full_name="Giàng A Lử", phone="0912 000 001", commune_code="02647", target_group="resident"
    )
    attempt = start(contest, first)
    services.answer_save(
        attempt=attempt, position=1, choice=key_choice(attempt.questions.get(position=1))
    )
    # later, on another phone, typing the number differently
    again = participant_identify(
        full_name="giàng a lử", phone="+84912000001", commune_code="02647", target_group="resident"
    )
    assert again.pk == first.pk
    resumed = start(contest, again)
    assert resumed.pk == attempt.pk
    assert resumed.questions.get(position=1).answer.choice == key_choice(
        attempt.questions.get(position=1)
    )


def test_the_same_phone_with_another_name_is_refused(bank) -> None:
    participant_identify(
        full_name="Giàng A Lử", phone="0912000001", commune_code="02647", target_group="resident"
    )
    with pytest.raises(ValidationError, match="họ tên khác"):
        participant_identify(
            full_name="Người Khác",
            phone="0912000001",
            commune_code="02647",
            target_group="resident",
        )


def test_attempts_are_limited_per_person(bank) -> None:
    contest = open_contest(attempts_allowed=2)
    lu = person()
    for _ in range(2):
        attempt = start(contest, lu)
        services.attempt_submit(attempt=attempt)
    with pytest.raises(ValidationError, match="hết 2 lượt"):
        start(contest, lu)


def test_attempts_are_counted_per_weekly_round(bank) -> None:
    contest = open_contest(attempts_allowed=1, attempts_per_round=True)
    contest.rounds.create(
        number=1, opens_at=NOW - dt.timedelta(days=1), closes_at=NOW + dt.timedelta(days=1)
    )
    contest.rounds.create(
        number=2, opens_at=NOW + dt.timedelta(days=1), closes_at=NOW + dt.timedelta(days=6)
    )
    lu = person()
    services.attempt_submit(attempt=start(contest, lu))
    with pytest.raises(ValidationError, match="hết 1 lượt"):
        start(contest, lu)
    week_two = start(contest, lu, now=NOW + dt.timedelta(days=2))
    assert week_two.round is not None and week_two.round.number == 2


# --- submission, ranking, awards --------------------------------------------------


def test_submitting_scores_and_is_idempotent(bank) -> None:
    attempt = start(open_contest(), person())
    for q in attempt.questions.all()[:3]:
        services.answer_save(attempt=attempt, position=q.position, choice=key_choice(q))
    q4 = attempt.questions.get(position=4)
    services.answer_save(attempt=attempt, position=4, choice=wrong_choice(q4))
    submitted = services.attempt_submit(attempt=attempt, prediction=42)
    assert (submitted.score, submitted.max_score, submitted.prediction) == (3.0, 5.0, 42)
    again = services.attempt_submit(attempt=attempt, prediction=7)
    assert (again.score, again.prediction, again.submitted_at) == (3.0, 42, submitted.submitted_at)


def test_results_rank_by_the_contest_rules_and_awards_are_recorded_once(bank) -> None:
    contest = open_contest(
        prediction_kind=Contest.PredictionKind.ALL_CORRECT,
        prizes=[{"label": "Giải Nhất", "count": 1}, {"label": "Giải Nhì", "count": 1}],
    )
    people = [person(f"Người {i}", f"09120001{i:02d}") for i in range(4)]
    for i, who in enumerate(people):
        attempt = start(contest, who, now=NOW + dt.timedelta(minutes=i))
        for q in attempt.questions.all():
            right = i != 3  # the last person gets everything wrong
            choice = key_choice(q) if right else wrong_choice(q)
            services.answer_save(
                attempt=attempt,
                position=q.position,
                choice=choice,
                now=NOW + dt.timedelta(minutes=i + 1),
            )
        services.attempt_submit(
            attempt=attempt, prediction=[3, 2, 9, 3][i], now=NOW + dt.timedelta(minutes=i + 2)
        )
    assert selectors.prediction_truth(contest) == 3  # three people answered all correctly
    ranked = selectors.contest_ranking(contest)
    assert [r.entry.participant_id for r in ranked] == [
        people[0].pk,
        people[1].pk,
        people[2].pk,
        people[3].pk,
    ]
    assert services.results_publish(contest=contest) == 6  # 4 participations + 2 prizes
    assert services.results_publish(contest=contest) == 0  # never recorded twice
    prizes = dict(ContestAward.objects.filter(kind="prize").values_list("participant_id", "label"))
    assert prizes == {people[0].pk: "Giải Nhất", people[1].pk: "Giải Nhì"}
    contest.refresh_from_db()
    assert contest.results_published


def test_suspicious_patterns_are_flagged_not_punished(bank) -> None:
    contest = open_contest()
    for i in range(5):
        who = person(f"Người {i}", f"09120002{i:02d}")
        attempt = services.attempt_start(
            contest=contest, participant=who, now=NOW, device_hash="same-phone"
        )
    assert "many_identities_on_device" in attempt.flags
    for q in attempt.questions.all():
        services.answer_save(attempt=attempt, position=q.position, choice=key_choice(q), now=NOW)
    attempt = services.attempt_submit(attempt=attempt, now=NOW + dt.timedelta(seconds=3))
    assert "impossibly_fast" in attempt.flags
    assert attempt.score == 5.0  # still scored: the organiser decides


def test_collective_results_by_school(bank) -> None:
    contest = open_contest()
    big = School.objects.create(
        name="Trường Lớn", level="primary", commune_id="02647", enrolment=100
    )
    small = School.objects.create(
        name="Trường Nhỏ", level="primary", commune_id="02647", enrolment=10
    )
    for i, school in enumerate([big, small, small]):
        pupil = person(f"Học sinh {i}", f"09120003{i:02d}", group="student", school=school)
        services.attempt_submit(attempt=start(contest, pupil))
    results = selectors.collective_results(contest, selectors.contest_ranking(contest))
    assert [(g.group, g.participants, g.participation_rate) for g in results["schools"]] == [
        ("Trường Nhỏ", 2, 0.2),
        ("Trường Lớn", 1, 0.01),
    ]


def test_a_late_older_save_from_the_same_page_never_overwrites_a_newer_one(bank) -> None:
    attempt = start(open_contest(), person())
    q = attempt.questions.get(position=1)
    right, wrong = key_choice(q), wrong_choice(q)
    services.answer_save(attempt=attempt, position=1, choice=right, client=("page-a", 2))
    services.answer_save(attempt=attempt, position=1, choice=wrong, client=("page-a", 1))  # late
    assert AttemptAnswer.objects.get().choice == right
    # a reload or another device is a new page: its save is the latest action
    services.answer_save(attempt=attempt, position=1, choice=wrong, client=("page-b", 1))
    assert AttemptAnswer.objects.get().choice == wrong


def test_ordering_questions_are_never_shown_in_the_answer_order() -> None:
    """With option shuffling off, an ordering question would otherwise show its key."""
    from question_banks import services as bank_services
    from question_banks.models import QuestionVersion
    from question_banks.question_data import OptionData, QuestionData

    for i in range(3):
        version = bank_services.question_create(
            author=None,
            data=QuestionData(
                key=f"order-{i}",
                type="ordering",
                stem=f"Xếp các bước theo thứ tự {i}",
                options=[OptionData("Mở ứng dụng"), OptionData("Đăng nhập"), OptionData("Gửi")],
                explanation="Theo thứ tự sử dụng.",
                competence="2.6",
                target_groups=["resident"],
            ),
        )
        version.status = QuestionVersion.Status.PUBLISHED
        version.save(update_fields=["status"])
    contest = open_contest(questions_per_attempt=3, shuffle_options=False)
    for n in range(8):
        attempt = start(contest, person(f"Người Thứ {n}", f"09120001{n:02d}"))
        for question in attempt.questions.select_related("version"):
            key = [o.pk for o in question.version.options.order_by("position")]
            assert sorted(question.option_order) == sorted(key)
            assert question.option_order != key
