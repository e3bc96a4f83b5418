"""Taking part in an asynchronous contest: identify, start (or resume) an attempt,
save answers as they are given, submit (or be submitted at the deadline), and
publish results with the award records certificates are issued from.

The server's clock decides: deadlines are stored on the attempt, every save is
checked against them, and an attempt past its deadline is finalised by whoever
touches it next (a request, the ranking, or `contests_finalise_expired`).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Participant
from contest.asynchronous import answer_store, blueprint, contest_cache, scoring
from contest.asynchronous.accessible_time import attempt_deadline
from contest.asynchronous.models import (
    Attempt,
    AttemptAnswer,
    AttemptQuestion,
    BlueprintRule,
    Contest,
    ContestAward,
    Round,
)
from question_banks.frozen_versions import frozen_versions
from question_banks.models import Option, Question, QuestionVersion

# More identities than this from one device in one contest is flagged for the organiser.
DEVICE_IDENTITY_LIMIT = 3
# Faster than this per question, on average, is not humanly possible to read and answer.
MIN_SECONDS_PER_QUESTION = 2.0


def eligibility_problem(contest: Contest, participant: Participant, now: dt.datetime) -> str | None:
    """Why this person may not start now, in Vietnamese; None when they may."""
    if contest.status != Contest.Status.PUBLISHED or now < contest.opens_at:
        return _("Cuộc thi chưa mở.")
    if now >= contest.closes_at:
        return _("Cuộc thi đã kết thúc.")
    audience = _audience(contest)
    if audience.target_groups and participant.target_group_id not in audience.target_groups:
        return _("Cuộc thi này không dành cho nhóm đối tượng của bạn.")
    if audience.communes and participant.commune_id not in audience.communes:
        return _("Cuộc thi này chỉ dành cho người ở các xã, phường được chọn.")
    if audience.schools and participant.school_id not in audience.schools:
        return _("Cuộc thi này chỉ dành cho học sinh các trường được chọn.")
    if contest.grades and _grade(participant.class_name) not in contest.grades:
        return _("Cuộc thi này chỉ dành cho học sinh các khối lớp được chọn.")
    return None


@dataclass(frozen=True)
class _Audience:
    target_groups: frozenset[str]
    communes: frozenset[str]
    schools: frozenset[int]


def _audience(contest: Contest) -> _Audience:
    return contest_cache.remembered(
        ("audience", contest.pk),
        lambda: _Audience(
            frozenset(contest.target_groups.values_list("code", flat=True)),
            frozenset(contest.communes.values_list("code", flat=True)),
            frozenset(contest.schools.values_list("pk", flat=True)),
        ),
    )


def _rounds(contest: Contest) -> tuple[Round, ...]:
    return contest_cache.remembered(("rounds", contest.pk), lambda: tuple(contest.rounds.all()))


def _round_at(contest: Contest, now: dt.datetime) -> Round | None:
    return next((r for r in _rounds(contest) if r.opens_at <= now < r.closes_at), None)


def _grade(class_name: str) -> int | None:
    match = re.match(r"\s*(\d{1,2})", class_name or "")
    return int(match.group(1)) if match else None


@transaction.atomic
def attempt_start(
    *,
    contest: Contest,
    participant: Participant,
    now: dt.datetime | None = None,
    device_hash: str = "",
) -> Attempt:
    """Start an attempt, or return the one already open (a resume, from any device)."""
    now = now or timezone.now()
    # One start at a time per person: concurrent starts must not exceed the limit.
    locked = Participant.objects.select_for_update().filter(pk=participant.pk).first()
    extra_percent = locked.extra_time_percent if locked is not None else 0
    # One query for all of this person's attempts here: open, expired, and the count.
    mine = list(
        Attempt.objects.filter(contest=contest, participant=participant).values_list(
            "pk", "status", "deadline_at", "round_id"
        )
    )
    for pk, state, deadline_at, _round_id in mine:
        if state == Attempt.Status.IN_PROGRESS and deadline_at <= now:
            attempt_submit(attempt=Attempt(pk=pk), now=now, auto=True)
        elif state == Attempt.Status.IN_PROGRESS:
            return Attempt.objects.get(pk=pk)
    problem = eligibility_problem(contest, participant, now)
    if problem:
        raise ValidationError(problem, code="not_eligible")
    has_rounds = bool(_rounds(contest))
    current_round = _round_at(contest, now) if has_rounds else None
    if has_rounds and current_round is None:
        raise ValidationError(_("Hiện không có vòng thi nào đang mở."), code="no_round")
    used = len(mine)
    if current_round is not None and contest.attempts_per_round:
        used = sum(1 for *_rest, round_id in mine if round_id == current_round.pk)
    if used >= contest.attempts_allowed:
        raise ValidationError(
            _("Bạn đã dùng hết %(n)d lượt thi.") % {"n": contest.attempts_allowed},
            code="attempts_used",
        )
    window_end = current_round.closes_at if current_round else contest.closes_at
    attempt = Attempt(
        contest=contest,
        round=current_round,
        participant=participant,
        number=len(mine) + 1,
        started_at=now,
        deadline_at=attempt_deadline(
            contest=contest,
            started_at=now,
            window_end=window_end,
            percent=extra_percent,
        ),
        device_hash=device_hash,
    )
    # The draw needs only the token (its order seed), so max_score goes in the INSERT.
    questions = _drawn_questions(attempt)
    attempt.max_score = len(questions)
    attempt.save(force_insert=True)
    for question in questions:
        question.attempt = attempt
    AttemptQuestion.objects.bulk_create(questions)
    if device_hash and _identities_on_device(contest, device_hash) > DEVICE_IDENTITY_LIMIT:
        attempt.flags = [*attempt.flags, "many_identities_on_device"]
        attempt.save(update_fields=["flags"])
    return attempt


def _identities_on_device(contest: Contest, device_hash: str) -> int:
    return (
        Attempt.objects.filter(contest=contest, device_hash=device_hash)
        .values("participant")
        .distinct()
        .count()
    )


def _drawn_questions(attempt: Attempt) -> list[AttemptQuestion]:
    """The attempt's questions in their order, not yet saved."""
    contest = attempt.contest
    try:
        if contest.draw_mode == Contest.DrawMode.SAME_FOR_ALL:
            # Seeded by the contest: everyone's draw is the same, so it is drawn once.
            version_ids = list(
                contest_cache.remembered(
                    ("same_draw", contest.pk),
                    lambda: tuple(
                        blueprint.draw(
                            _rules(contest),
                            random.Random(f"contest:{contest.pk}"),
                            stratified=False,
                        )
                    ),
                )
            )
        else:
            version_ids = blueprint.draw(_rules(contest), random.Random(), stratified=True)
    except blueprint.DrawError as exc:
        raise ValidationError(
            _("Ngân hàng câu hỏi chưa đủ câu cho cuộc thi này; hãy báo ban tổ chức."),
            code="bank_too_small",
        ) from exc
    order_rng = random.Random(attempt.token)
    if contest.shuffle_questions:
        order_rng.shuffle(version_ids)
    versions = frozen_versions(version_ids)
    rows = []
    for position, version_id in enumerate(version_ids, start=1):
        version = versions[version_id]
        key_order = [o.pk for o in sorted(version.options.all(), key=_by_position)]
        option_ids = list(key_order)
        if contest.shuffle_options or version.type == QuestionVersion.Type.ORDERING:
            order_rng.shuffle(option_ids)
        option_ids = scoring.never_the_key(version.type, option_ids, key_order)
        rows.append(
            AttemptQuestion(position=position, version_id=version_id, option_order=option_ids)
        )
    return rows


def _by_position(option: Option) -> int:
    return option.position


def _rules(contest: Contest) -> list[blueprint.Rule]:
    return contest_cache.remembered(("rules", contest.pk), lambda: _rules_from_db(contest))


def _rules_from_db(contest: Contest) -> list[blueprint.Rule]:
    published = QuestionVersion.objects.filter(status=QuestionVersion.Status.PUBLISHED)
    groups = list(contest.target_groups.values_list("code", flat=True))
    if groups:
        published = published.filter(target_groups__code__in=groups).distinct()
    enemies = _enemy_map()
    rules: list[BlueprintRule | None] = list(contest.blueprint.all()) or [None]
    result = []
    for rule in rules:
        pool = published
        count = contest.questions_per_attempt
        if rule is not None:
            count = rule.count
            if rule.competence_id:
                pool = pool.filter(competence_id=rule.competence_id)
            if rule.tag_id:
                pool = pool.filter(tags=rule.tag_id)
            if rule.difficulty_min is not None:
                pool = pool.filter(irt_b__gte=rule.difficulty_min)
            if rule.difficulty_max is not None:
                pool = pool.filter(irt_b__lte=rule.difficulty_max)
        candidates = [
            blueprint.Candidate(pk, qid, b, enemies.get(qid, frozenset()))
            for pk, qid, b in pool.order_by("pk").values_list("pk", "question_id", "irt_b")
        ]
        result.append(blueprint.Rule(candidates, count))
    return result


def _enemy_map() -> dict[int, frozenset[int]]:
    pairs: dict[int, set[int]] = {}
    through = Question.enemies.through.objects.values_list("from_question_id", "to_question_id")
    for a, b in through:
        pairs.setdefault(a, set()).add(b)
    return {k: frozenset(v) for k, v in pairs.items()}


CHOICE_MESSAGES = {
    "unknown_option": "Phương án không thuộc câu hỏi này.",
    "repeated_option": "Mỗi phương án chỉ được chọn một lần.",
    "one_option": "Hãy chọn đúng một phương án.",
    "no_option": "Hãy chọn ít nhất một phương án.",
    "order_all": "Hãy xếp thứ tự cho tất cả các phương án.",
}


def answer_save(
    *,
    attempt: Attempt,
    position: int,
    choice: list[int],
    now: dt.datetime | None = None,
    question: AttemptQuestion | None = None,
    client: tuple[str, int] | None = None,
) -> AttemptAnswer:
    """Save an answer as it is given. Saving the same answer again changes nothing;
    a new answer replaces the old one until the attempt is submitted. `client` is
    (page id, save counter) from the page's script: an older save from the same page
    that arrives late never overwrites a newer one.

    `question` may be passed already fetched (with `version` selected, as
    `attempt_question_for_save` does) to spare a query on the hot path. The write
    itself is `answer_store.UPSERT_SQL`, the statement the lean endpoint
    (`fast_save`) runs too, which re-checks status and deadline on the attempt row."""
    now = now or timezone.now()
    _answer_window_check(attempt, now)
    if question is None:
        try:
            question = AttemptQuestion.objects.select_related("version").get(
                attempt=attempt, position=position
            )
        except AttemptQuestion.DoesNotExist:
            question = None
    if question is None:
        raise ValidationError(_("Không có câu hỏi số %(n)d.") % {"n": position}, code="position")
    problem = scoring.choice_problem(question.version.type, question.option_order, choice)
    if problem:
        raise ValidationError(_(CHOICE_MESSAGES[problem]), code=problem)
    client = client if client and client[0] else None
    stored = _answer_upsert(attempt, question, choice, now, client)
    if stored is None:
        # Nothing stored: the attempt closed or ran out of time since it was read (the
        # check below says which, and submits it), or a newer save from this page stands.
        attempt.refresh_from_db(fields=["status", "deadline_at"])
        _answer_window_check(attempt, now)
        return AttemptAnswer.objects.get(question=question)
    answer = AttemptAnswer(
        pk=stored.answer_id,
        question=question,
        choice=choice,
        saved_at=stored.saved_at,
        revisions=stored.revisions,
        client_page=client[0] if client else "",
        client_seq=client[1] if client else 0,
    )
    answer._state.adding, answer._state.db = False, connection.alias
    return answer


def _answer_window_check(attempt: Attempt, now: dt.datetime) -> None:
    """Refuse a save to a closed attempt, or past the deadline (and then submit it)."""
    if not attempt.is_open:
        raise ValidationError(_("Bài thi đã được nộp, không thể sửa câu trả lời."), code="closed")
    if now >= attempt.deadline_at:
        attempt_submit(attempt=attempt, now=now, auto=True)
        raise ValidationError(
            _("Đã hết giờ làm bài. Câu trả lời này đến sau thời hạn nên không được ghi nhận."),
            code="too_late",
        )


def attempt_question_for_save(token: str, position: int) -> AttemptQuestion | None:
    """The drawn question with its attempt and version, in one query."""
    try:
        return AttemptQuestion.objects.select_related("attempt", "version").get(
            attempt__token=token, position=position
        )
    except AttemptQuestion.DoesNotExist:
        return None


def _answer_upsert(
    attempt: Attempt,
    question: AttemptQuestion,
    choice: list[int],
    now: dt.datetime,
    client: tuple[str, int] | None,
) -> answer_store.Stored | None:
    params = answer_store.upsert_params(
        attempt_id=attempt.pk,
        question_id=question.pk,
        choice=choice,
        now=connection.ops.adapt_datetimefield_value(now),
        client=client,
    )
    with connection.cursor() as cursor:
        cursor.execute(answer_store.UPSERT_SQL[connection.vendor], params)
        row = cursor.fetchone()
    return answer_store.stored_from_row(row) if row else None


@transaction.atomic
def attempt_submit(
    *,
    attempt: Attempt,
    prediction: int | None = None,
    now: dt.datetime | None = None,
    auto: bool = False,
) -> Attempt:
    """Score and close the attempt; submitting twice returns the first result."""
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if not attempt.is_open:
        return attempt
    late = now >= attempt.deadline_at
    attempt.submitted_at = min(now, attempt.deadline_at)
    attempt.status = Attempt.Status.AUTO_SUBMITTED if auto or late else Attempt.Status.SUBMITTED
    if prediction is not None and not late:
        attempt.prediction = prediction
    answers = list(
        AttemptAnswer.objects.filter(question__attempt=attempt).select_related("question")
    )
    attempt.score = _score(answers)
    if attempt.max_score and attempt.duration_seconds < MIN_SECONDS_PER_QUESTION * len(answers):
        attempt.flags = [*attempt.flags, "impossibly_fast"]
    attempt.save(update_fields=["submitted_at", "status", "prediction", "score", "flags"])
    return attempt


def _score(answers: list[AttemptAnswer]) -> float:
    """Mark each answer right or wrong (stored on it) and return the total."""
    versions = frozen_versions(a.question.version_id for a in answers)
    right = []
    for answer in answers:
        version = versions[answer.question.version_id]
        options = [(o.pk, o.is_correct) for o in sorted(version.options.all(), key=_by_position)]
        answer.is_correct = scoring.is_correct(version.type, options, answer.choice)
        if answer.is_correct:
            right.append(answer.pk)
    # One short statement instead of bulk_update's CASE over every answer.
    AttemptAnswer.objects.filter(pk__in=[a.pk for a in answers]).update(
        is_correct=Case(When(pk__in=right, then=Value(True)), default=Value(False))
    )
    return float(len(right))


def attempts_finalise_expired(
    *,
    now: dt.datetime | None = None,
    contest: Contest | None = None,
    participant: Participant | None = None,
) -> int:
    """Auto-submit every open attempt whose deadline has passed; returns how many."""
    now = now or timezone.now()
    expired = Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS, deadline_at__lte=now)
    if contest is not None:
        expired = expired.filter(contest=contest)
    if participant is not None:
        expired = expired.filter(participant=participant)
    count = 0
    for attempt in expired:
        attempt_submit(attempt=attempt, now=now, auto=True)
        count += 1
    return count


@transaction.atomic
def results_publish(*, contest: Contest, now: dt.datetime | None = None) -> int:
    """Record participation for everyone who submitted and prizes by rank, then publish.
    Safe to run again: every award is recorded once per person and kind."""
    from contest.asynchronous.selectors import contest_ranking

    now = now or timezone.now()
    attempts_finalise_expired(now=now, contest=contest)
    ranked = contest_ranking(contest)
    prize_for_rank = _prize_labels(contest, len(ranked))
    recorded = 0
    for item in ranked:
        recorded += _award(contest, item.entry, ContestAward.Kind.PARTICIPATION, None, "")
        label = prize_for_rank.get(item.rank)
        if label:
            recorded += _award(contest, item.entry, ContestAward.Kind.PRIZE, item.rank, label)
    contest.results_published = True
    if now >= contest.closes_at:
        contest.status = Contest.Status.FINISHED
    contest.save(update_fields=["results_published", "status"])
    return recorded


def _prize_labels(contest: Contest, entries: int) -> dict[int, str]:
    """Rank → prize label; tied entries share the prize of their rank."""
    labels: dict[int, str] = {}
    position = 1
    for prize in contest.prizes:
        for _i in range(int(prize.get("count", 0))):
            labels[position] = str(prize.get("label", ""))
            position += 1
    return {r: label for r, label in labels.items() if r <= entries}


def _award(contest: Contest, entry: object, kind: str, rank: int | None, label: str) -> int:
    from contest.ranking import Entry

    assert isinstance(entry, Entry)
    try:
        with transaction.atomic():
            _award_row, created = ContestAward.objects.get_or_create(
                contest=contest,
                participant_id=entry.participant_id,
                kind=kind,
                defaults={"attempt_id": entry.attempt_id, "rank": rank, "label": label},
            )
    except IntegrityError:
        return 0
    return int(created)
