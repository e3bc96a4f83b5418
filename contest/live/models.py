"""The durable record of live games: what was played, who played, every accepted answer.

Live state sits in Redis while a game runs (contest/live/store.py); these tables
are what remains for reports and certificates. A `LiveContest` groups the games of
many venues (a province-wide 10/10 game played hall by hall) under one combined
leaderboard.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.models import Commune, School
from contest.live.scoring import ScoringMode
from question_banks.models import QuestionVersion

PIN_DIGITS = 6


def new_game_key() -> str:
    return secrets.token_hex(6)


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


class LiveContest(models.Model):
    title = models.CharField(_("tên cuộc thi"), max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cuộc thi trực tiếp nhiều điểm cầu")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.title


class LiveGame(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang chuẩn bị")
        OPEN = "open", _("Đang diễn ra")
        FINISHED = "finished", _("Đã kết thúc")

    class TeamMode(models.TextChoices):
        NONE = "", _("Không chia đội")
        SCHOOL = "school", _("Theo trường")
        COMMUNE = "commune", _("Theo xã, phường")
        FREE = "free", _("Người chơi tự đặt tên đội")

    title = models.CharField(_("tên trò chơi"), max_length=200)
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    live_contest = models.ForeignKey(
        LiveContest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="games",
        verbose_name=_("thuộc cuộc thi nhiều điểm cầu"),
    )
    venue = models.CharField(_("địa điểm"), max_length=200, blank=True)
    venue_commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("xã, phường")
    )
    pin = models.CharField(_("mã PIN"), max_length=PIN_DIGITS, default=new_pin)
    # Names the game in Redis and in websocket URLs: random, so keys never collide
    # with an earlier database's games and a URL cannot be guessed from a number.
    key = models.CharField(max_length=16, unique=True, default=new_game_key, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    scoring_mode = models.CharField(
        _("cách tính điểm"),
        max_length=10,
        choices=[
            (ScoringMode.SPEED.value, _("Nhanh và đúng (điểm theo tốc độ)")),
            (ScoringMode.ACCURACY.value, _("Đúng trước (thời gian chỉ để phân hạng)")),
        ],
        default=ScoringMode.SPEED.value,
    )
    time_limit_seconds = models.PositiveSmallIntegerField(_("thời gian mỗi câu (giây)"), default=20)
    read_seconds = models.PositiveSmallIntegerField(_("thời gian đọc câu hỏi (giây)"), default=5)
    team_mode = models.CharField(
        _("chia đội"), max_length=10, choices=TeamMode.choices, default="", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("trò chơi trực tiếp")
        ordering = ("-created_at",)
        constraints = [
            # A PIN is unique among games people can still join.
            models.UniqueConstraint(
                fields=["pin"],
                condition=~models.Q(status="finished"),
                name="live_game_pin_unique_while_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.pin})"

    @property
    def game_key(self) -> str:
        return self.key


class LiveGameQuestion(models.Model):
    game = models.ForeignKey(LiveGame, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("position",)
        constraints = [
            models.UniqueConstraint(fields=["game", "position"], name="live_question_position")
        ]

    def __str__(self) -> str:
        return f"{self.game_id}#{self.position}"


class LivePlayer(models.Model):
    game = models.ForeignKey(LiveGame, on_delete=models.CASCADE, related_name="players")
    player_id = models.CharField(max_length=32)
    nickname = models.CharField(_("biệt danh"), max_length=32)
    team = models.CharField(_("đội"), max_length=64, blank=True)
    commune = models.ForeignKey(Commune, on_delete=models.SET_NULL, null=True, blank=True)
    school = models.ForeignKey(School, on_delete=models.SET_NULL, null=True, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    kicked = models.BooleanField(default=False)
    score = models.IntegerField(null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    total_time_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["game", "player_id"], name="live_player_unique")
        ]

    def __str__(self) -> str:
        return self.nickname


class LiveAnswer(models.Model):
    """One accepted answer; unique per (game, question, player), like the live path."""

    game = models.ForeignKey(LiveGame, on_delete=models.CASCADE, related_name="answers")
    question_index = models.PositiveSmallIntegerField()
    player_id = models.CharField(max_length=32)
    choice = models.JSONField()
    received_at = models.FloatField()
    response_ms = models.PositiveIntegerField()
    is_correct = models.BooleanField(null=True)
    points = models.IntegerField(null=True)
    voided = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["game", "question_index", "player_id"], name="live_answer_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.game_id}#{self.question_index}:{self.player_id}"
