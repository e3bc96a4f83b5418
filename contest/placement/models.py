"""Placement sessions: one person's adaptive test, its responses, and the result
the certification issue signs."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Participant
from question_banks.models import Framework, Level, QuestionVersion


def new_token() -> str:
    return secrets.token_urlsafe(16)


class PlacementSession(models.Model):
    class Mode(models.TextChoices):
        SELF = "self", _("Tự làm trên điện thoại")
        KIOSK = "kiosk", _("Tại điểm hỗ trợ, có tình nguyện viên")

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("Đang làm")
        PAUSED = "paused", _("Tạm dừng")
        FINISHED = "finished", _("Đã xong")
        EXPIRED = "expired", _("Hết thời gian")

    token = models.CharField(max_length=32, unique=True, default=new_token)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="placement_sessions"
    )
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.SELF)
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assisted = models.BooleanField(_("có người hỗ trợ trả lời"), default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    engine_state = models.JSONField(default=dict)
    current_version = models.ForeignKey(
        QuestionVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    current_option_order = models.JSONField(default=list)
    started_at = models.DateTimeField(default=timezone.now)
    deadline_at = models.DateTimeField()
    # While paused the clock stops: resuming moves the deadline on by the pause.
    paused_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    level = models.ForeignKey(Level, on_delete=models.PROTECT, null=True, blank=True)
    level_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    near_next_level = models.BooleanField(default=False)
    confidence = models.FloatField(null=True, blank=True)
    theta = models.FloatField(null=True, blank=True)
    standard_error = models.FloatField(null=True, blank=True)
    items_answered = models.PositiveSmallIntegerField(default=0)
    area_profile = models.JSONField(default=dict, blank=True)
    certificate_eligible = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("phiên kiểm tra xếp mức")
        verbose_name_plural = _("phiên kiểm tra xếp mức")

    def __str__(self) -> str:
        return f"{self.participant} — {self.started_at:%d/%m/%Y}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.IN_PROGRESS, self.Status.PAUSED)


class PlacementResponse(models.Model):
    session = models.ForeignKey(
        PlacementSession, on_delete=models.CASCADE, related_name="responses"
    )
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    choice = models.JSONField(default=list)
    dont_know = models.BooleanField(default=False)
    correct = models.BooleanField()
    pretest = models.BooleanField(default=False)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="placement_response_once")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.position}"


class CalibrationProposal(models.Model):
    """New item parameters estimated from collected responses, waiting for a
    psychometrician to accept them onto the question version (or reject them)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ quyết định")
        ACCEPTED = "accepted", _("Đã chấp nhận")
        REJECTED = "rejected", _("Đã từ chối")

    version = models.ForeignKey(
        QuestionVersion, on_delete=models.CASCADE, related_name="calibration_proposals"
    )
    model = models.CharField(max_length=6, choices=QuestionVersion.IrtModel.choices)
    a = models.FloatField(_("độ phân biệt a"))
    b = models.FloatField(_("độ khó b"))
    se_b = models.FloatField(_("sai số chuẩn của b"), null=True, blank=True)
    sample_size = models.PositiveIntegerField(_("cỡ mẫu"))
    infit = models.FloatField(null=True, blank=True)
    outfit = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "version"]
        verbose_name = _("đề xuất hiệu chỉnh")
        verbose_name_plural = _("đề xuất hiệu chỉnh")

    def __str__(self) -> str:
        return f"{self.version}: b={self.b:.2f} ({self.get_status_display()})"
