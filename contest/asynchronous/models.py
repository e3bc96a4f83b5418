"""Asynchronous contests ("cuộc thi tìm hiểu"): the contest and its published rules,
rounds, blueprint, attempts with the exact question versions drawn, saved answers,
and the award and participation records that certificates are issued from."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Commune, Participant, School, TargetGroup
from contest import ranking
from question_banks.models import Competence, QuestionVersion, Tag


class Contest(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        PUBLISHED = "published", _("Đã công bố")
        FINISHED = "finished", _("Đã kết thúc")

    class DrawMode(models.TextChoices):
        SAME_FOR_ALL = "same", _("Cùng một bộ câu hỏi cho mọi người")
        PER_PARTICIPANT = "per_participant", _("Mỗi người một bộ, độ khó tương đương")

    class AnswerPolicy(models.TextChoices):
        AFTER_SUBMIT = "after_submit", _("Ngay sau khi nộp bài")
        AFTER_CLOSE = "after_close", _("Sau khi cuộc thi kết thúc")
        NEVER = "never", _("Không hiển thị")

    class PredictionKind(models.TextChoices):
        NONE = "", _("Không có câu hỏi dự đoán")
        PARTICIPANTS = "participants", _("Số người tham gia")
        ALL_CORRECT = "all_correct", _("Số người trả lời đúng tất cả các câu")
        CUSTOM = "custom", _("Con số do ban tổ chức công bố")

    title = models.CharField(_("tên cuộc thi"), max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(_("giới thiệu"), blank=True)
    rules_text = models.TextField(_("thể lệ"), blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, verbose_name=_("nhóm đối tượng (để trống: mọi nhóm)")
    )
    communes = models.ManyToManyField(
        Commune, blank=True, verbose_name=_("giới hạn xã, phường (để trống: toàn tỉnh)")
    )
    schools = models.ManyToManyField(
        School, blank=True, verbose_name=_("giới hạn trường (để trống: mọi trường)")
    )
    grades = models.JSONField(_("khối lớp"), default=list, blank=True)
    opens_at = models.DateTimeField(_("mở lúc"))
    closes_at = models.DateTimeField(_("đóng lúc"))
    attempts_allowed = models.PositiveSmallIntegerField(_("số lượt thi mỗi người"), default=1)
    attempts_per_round = models.BooleanField(_("tính số lượt theo từng vòng"), default=True)
    duration_minutes = models.PositiveSmallIntegerField(_("thời gian làm bài (phút)"), default=20)
    questions_per_attempt = models.PositiveSmallIntegerField(_("số câu hỏi"), default=20)
    draw_mode = models.CharField(
        _("cách rút câu hỏi"),
        max_length=20,
        choices=DrawMode.choices,
        default=DrawMode.SAME_FOR_ALL,
    )
    shuffle_questions = models.BooleanField(_("đảo thứ tự câu hỏi"), default=True)
    shuffle_options = models.BooleanField(_("đảo thứ tự phương án"), default=True)
    answer_policy = models.CharField(
        _("hiển thị đáp án"),
        max_length=20,
        choices=AnswerPolicy.choices,
        default=AnswerPolicy.AFTER_CLOSE,
    )
    prediction_kind = models.CharField(
        _("câu hỏi dự đoán"), max_length=20, choices=PredictionKind.choices, blank=True
    )
    prediction_prompt = models.CharField(_("nội dung câu hỏi dự đoán"), max_length=300, blank=True)
    prediction_truth = models.PositiveIntegerField(
        _("đáp số câu hỏi dự đoán"), null=True, blank=True
    )
    ranking_rules = models.JSONField(_("thứ tự xếp hạng"), default=list, blank=True)
    results_published = models.BooleanField(_("đã công bố kết quả"), default=False)
    prizes = models.JSONField(
        _("giải thưởng"),
        default=list,
        blank=True,
        help_text=_('Danh sách [{"label": "Giải Nhất", "count": 1}, ...] theo thứ tự hạng.'),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("cuộc thi")
        verbose_name_plural = _("cuộc thi")

    def __str__(self) -> str:
        return self.title

    @property
    def rules(self) -> list[str]:
        return list(self.ranking_rules) or list(ranking.DEFAULT_RULES)

    def is_open(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.PUBLISHED and self.opens_at <= now < self.closes_at

    def round_at(self, now: Any) -> Round | None:
        return self.rounds.filter(opens_at__lte=now, closes_at__gt=now).first()


class Round(models.Model):
    """A weekly round; attempts and rankings can be counted per round."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()

    class Meta:
        ordering = ["contest", "number"]
        constraints = [models.UniqueConstraint(fields=["contest", "number"], name="round_unique")]

    def __str__(self) -> str:
        return _("%(contest)s — vòng %(n)d") % {"contest": self.contest, "n": self.number}


class BlueprintRule(models.Model):
    """Draw `count` questions matching these filters; a contest's rules add up to its length."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="blueprint")
    competence = models.ForeignKey(Competence, on_delete=models.PROTECT, null=True, blank=True)
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, null=True, blank=True)
    difficulty_min = models.FloatField(null=True, blank=True)
    difficulty_max = models.FloatField(null=True, blank=True)
    count = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["contest", "id"]

    def __str__(self) -> str:
        return f"{self.count} × {self.competence or self.tag or '*'}"


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("Đang làm bài")
        SUBMITTED = "submitted", _("Đã nộp bài")
        AUTO_SUBMITTED = "auto_submitted", _("Tự động nộp khi hết giờ")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="attempts")
    round = models.ForeignKey(Round, on_delete=models.SET_NULL, null=True, blank=True)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    token = models.CharField(max_length=32, unique=True, default=new_token)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(default=timezone.now)
    deadline_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    max_score = models.FloatField(default=0)
    prediction = models.PositiveIntegerField(null=True, blank=True)
    device_hash = models.CharField(max_length=64, blank=True, db_index=True)
    flags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "participant", "number"], name="attempt_number_unique"
            ),
            # One unfinished attempt per person and contest: starting twice resumes.
            models.UniqueConstraint(
                fields=["contest", "participant"],
                condition=models.Q(status="in_progress"),
                name="one_open_attempt_per_participant",
            ),
        ]
        indexes = [models.Index(fields=["contest", "status"])]
        verbose_name = _("lượt thi")
        verbose_name_plural = _("lượt thi")

    def __str__(self) -> str:
        return f"{self.contest} #{self.number} — {self.participant}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.IN_PROGRESS

    @property
    def duration_seconds(self) -> float:
        end = self.submitted_at or self.deadline_at
        return max((end - self.started_at).total_seconds(), 0.0)

    def seconds_left(self, now: Any = None) -> int:
        now = now or timezone.now()
        return max(int((self.deadline_at - now).total_seconds()), 0)


class AttemptQuestion(models.Model):
    """A question as drawn for one attempt: the exact version and the option order shown."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    option_order = models.JSONField(default=list)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.position}"


class AttemptAnswer(models.Model):
    """The latest answer to one drawn question; saving the same answer again is a no-op."""

    question = models.OneToOneField(
        AttemptQuestion, on_delete=models.CASCADE, related_name="answer"
    )
    choice = models.JSONField(default=list)  # option ids; in order for ordering questions
    saved_at = models.DateTimeField(default=timezone.now)
    revisions = models.PositiveSmallIntegerField(default=1)
    is_correct = models.BooleanField(null=True)
    # Which page view sent it and that page's save counter: a slow save from the same page
    # arriving after a newer one is ignored, while another page (a reload, another
    # device) always counts, as the person's latest action.
    client_page = models.CharField(max_length=24, blank=True)
    client_seq = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.question}: {self.choice}"


class ContestAward(models.Model):
    """A recorded result for the certification issue: participation or a prize."""

    class Kind(models.TextChoices):
        PARTICIPATION = "participation", _("Chứng nhận tham gia")
        PRIZE = "prize", _("Giải thưởng")

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="awards")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    attempt = models.ForeignKey(Attempt, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    rank = models.PositiveIntegerField(null=True, blank=True)
    label = models.CharField(max_length=80, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "participant", "kind"], name="award_once_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contest}: {self.participant} {self.label or self.kind}"


__all__ = [
    "Attempt",
    "AttemptAnswer",
    "AttemptQuestion",
    "BlueprintRule",
    "Contest",
    "ContestAward",
    "Round",
]
