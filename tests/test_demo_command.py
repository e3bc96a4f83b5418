"""The README's demo command prepares a working platform."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from community.models import Participant
from contest.models import Contest, LiveGame
from question_banks.models import QuestionVersion

pytestmark = pytest.mark.django_db


def test_demo_prepares_logins_bank_and_participants() -> None:
    out = io.StringIO()
    call_command("demo", "--no-serve", "--participants", "25", stdout=out)
    text = out.getvalue()
    assert "tacgia" in text and "hocvuso-tacgia" in text
    assert authenticate(username="thamdinh", password="hocvuso-thamdinh") is not None
    assert Participant.objects.count() == 25
    assert QuestionVersion.objects.filter(status="published").count() >= 300
    assert Contest.objects.get(slug="tim-hieu-ky-nang-so-cong-dong").is_open()
    game = LiveGame.objects.get(host__username="bantochuc")
    assert game.questions.count() == 8 and game.live_contest is not None
    call_command("demo", "--no-serve", "--participants", "25", stdout=io.StringIO())
    assert Participant.objects.count() == 25  # running it again adds nothing
    assert LiveGame.objects.count() == 1
