"""A demo contest over the starter bank, open for a month from today."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from contest.asynchronous.models import Contest

DEMO_SLUG = "tim-hieu-ky-nang-so-cong-dong"


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
