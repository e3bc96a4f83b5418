"""A demo contest over the starter bank, open for a month from today."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from contest.asynchronous.models import Contest
from contest.live.models import LiveContest, LiveGame

DEMO_SLUG = "tim-hieu-ky-nang-so-cong-dong"
DEMO_LIVE_TITLE = "Đố vui kỹ năng số (demo)"


def demo_contest_create() -> Contest:
    now = timezone.now()
    contest, _created = Contest.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "title": "Cuộc thi tìm hiểu kỹ năng số cộng đồng",
            "description": "Cuộc thi trực tuyến dành cho mọi người dân tỉnh Lào Cai.",
            "rules_text": (
                "Mỗi người được thi 2 lượt, mỗi lượt 15 câu hỏi trong 20 phút. "
                "Kết quả tính theo lượt thi tốt nhất."
            ),
            "status": Contest.Status.PUBLISHED,
            "opens_at": now - dt.timedelta(hours=1),
            "closes_at": now + dt.timedelta(days=30),
            "attempts_allowed": 2,
            "duration_minutes": 20,
            "questions_per_attempt": 15,
            "draw_mode": Contest.DrawMode.PER_PARTICIPANT,
            "answer_policy": Contest.AnswerPolicy.AFTER_SUBMIT,
            "prediction_kind": Contest.PredictionKind.ALL_CORRECT,
            "prediction_prompt": "Bạn dự đoán có bao nhiêu người trả lời đúng tất cả các câu hỏi?",
            "prizes": [
                {"label": "Giải Nhất", "count": 1},
                {"label": "Giải Nhì", "count": 2},
                {"label": "Giải Ba", "count": 3},
            ],
        },
    )
    return contest


def demo_live_game_create() -> LiveGame | None:
    """A live quiz for the demo organiser, ready to open from "Trò chơi trực tiếp"."""
    from django.contrib.auth.models import User

    from contest.live import services
    from question_banks.models import QuestionVersion

    host = User.objects.filter(username="bantochuc").first()
    if host is None:
        return None
    existing = LiveGame.objects.filter(host=host, title=DEMO_LIVE_TITLE).first()
    if existing is not None:
        return existing
    contest, _created = LiveContest.objects.get_or_create(
        slug="ngay-hoi-10-10",
        defaults={"title": "Ngày hội toàn dân học tập số 10/10", "created_by": host},
    )
    published = QuestionVersion.objects.filter(status=QuestionVersion.Status.PUBLISHED)
    versions = services.question_versions_for_live(published.order_by("pk")[:40])[:8]
    return services.create_game(
        host=host,
        title=DEMO_LIVE_TITLE,
        versions=versions,
        venue="Nhà văn hoá thôn (demo)",
        live_contest=contest,
    )
