"""The contest-taking API: what the page's small script (and other clients) use to
start, save answers as they are given, and submit. An attempt's token is its key."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from community.rate_limits import allow
from community.services import participant_identify
from contest.asynchronous import fast_save, services
from contest.asynchronous.models import Attempt, Contest
from contest.asynchronous.presentation import question_for_participant
from question_banks.frozen_versions import frozen_versions

HTTP_STATUS_FOR_CODE = {"too_late": status.HTTP_409_CONFLICT, "closed": status.HTTP_409_CONFLICT}


def error_response(exc: DjangoValidationError) -> Response:
    code = exc.code or "invalid"
    return Response(
        {"error": " ".join(exc.messages), "code": code},
        status=HTTP_STATUS_FOR_CODE.get(code, status.HTTP_400_BAD_REQUEST),
    )


class StartInputSerializer(serializers.Serializer[Any]):
    full_name = serializers.CharField(max_length=120)
    phone = serializers.CharField(max_length=20)
    commune = serializers.CharField(max_length=5)
    target_group = serializers.CharField(max_length=20)
    school = serializers.IntegerField(required=False, allow_null=True, default=None)
    class_name = serializers.CharField(max_length=20, required=False, default="")
    student_code = serializers.CharField(max_length=30, required=False, default="")


class AttemptOutputSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()
    status = serializers.CharField()
    deadline_at = serializers.DateTimeField()
    seconds_left = serializers.IntegerField()
    questions = serializers.ListField(child=serializers.DictField())


def attempt_payload(attempt: Attempt) -> dict[str, Any]:
    shown = []
    if attempt.is_open:
        questions = list(attempt.questions.select_related("answer"))
        versions = frozen_versions(q.version_id for q in questions)
        for question in questions:
            question.version = versions[question.version_id]
            shown.append(question_for_participant(question))
    return {
        "token": attempt.token,
        "status": attempt.status,
        "deadline_at": attempt.deadline_at,
        "seconds_left": attempt.seconds_left(),
        "questions": [
            {
                "position": q.position,
                "type": q.type,
                "stem": q.stem,
                "options": [{"id": o.id, "text": o.text} for o in q.options],
                "chosen": q.chosen,
            }
            for q in shown
        ],
    }


class AttemptStartApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=StartInputSerializer, responses=AttemptOutputSerializer)
    def post(self, request: Request, slug: str) -> Response:
        if not allow("start", request.META.get("REMOTE_ADDR", ""), limit=20, window_seconds=60):
            return Response({"error": "rate_limited", "code": "rate_limited"}, status=429)
        contest = get_object_or_404(Contest, slug=slug)
        data = StartInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            participant = participant_identify(
                full_name=d["full_name"],
                phone=d["phone"],
                commune_code=d["commune"],
                target_group=d["target_group"],
                school_id=d["school"],
                class_name=d["class_name"],
                student_code=d["student_code"],
            )
            attempt = services.attempt_start(contest=contest, participant=participant)
        except DjangoValidationError as exc:
            return error_response(exc)
        return Response(attempt_payload(attempt), status=status.HTTP_201_CREATED)


class AttemptDetailApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses=AttemptOutputSerializer)
    def get(self, request: Request, token: str) -> Response:
        attempt = get_object_or_404(Attempt, token=token)
        if attempt.is_open and timezone.now() >= attempt.deadline_at:
            attempt = services.attempt_submit(attempt=attempt, auto=True)
        return Response(attempt_payload(attempt))


class AnswerInputSerializer(serializers.Serializer[Any]):
    position = serializers.IntegerField(min_value=1)
    choice = serializers.ListField(child=serializers.IntegerField(), max_length=10)
    page = serializers.CharField(max_length=24, required=False, default="")
    seq = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, default=0)


class AnswerOutputSerializer(serializers.Serializer[Any]):
    saved = serializers.BooleanField()
    position = serializers.IntegerField()
    saved_at = serializers.DateTimeField()
    seconds_left = serializers.IntegerField()


class AnswerSaveApi(APIView):
    """Idempotent: the same answer sent twice is stored once; 200 means it is stored."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=AnswerInputSerializer, responses=AnswerOutputSerializer)
    def post(self, request: Request, token: str) -> Response:
        # A save the lean endpoint (fast_save) passed on was counted there already.
        counted = getattr(request._request, "scope", {}).get(fast_save.RATE_COUNTED, False)
        if not counted and not allow(
            "save", token, limit=fast_save.SAVE_LIMIT, window_seconds=fast_save.SAVE_WINDOW_S
        ):
            return Response({"error": "rate_limited", "code": "rate_limited"}, status=429)
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        position = data.validated_data["position"]
        # One query for the attempt, the question and its version.
        question = services.attempt_question_for_save(token, position)
        attempt = question.attempt if question else get_object_or_404(Attempt, token=token)
        try:
            answer = services.answer_save(
                attempt=attempt,
                position=position,
                choice=data.validated_data["choice"],
                question=question,
                client=(page, data.validated_data["seq"])
                if (page := data.validated_data["page"])
                else None,
            )
        except DjangoValidationError as exc:
            return error_response(exc)
        return Response(
            {
                "saved": True,
                "position": data.validated_data["position"],
                "saved_at": answer.saved_at,
                "seconds_left": attempt.seconds_left(),
            }
        )


class SubmitInputSerializer(serializers.Serializer[Any]):
    prediction = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, default=None
    )


class AttemptSubmitApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=SubmitInputSerializer, responses=AttemptOutputSerializer)
    def post(self, request: Request, token: str) -> Response:
        data = SubmitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = get_object_or_404(Attempt, token=token)
        attempt = services.attempt_submit(
            attempt=attempt, prediction=data.validated_data["prediction"]
        )
        payload = attempt_payload(attempt)
        payload["score"] = attempt.score
        payload["max_score"] = attempt.max_score
        return Response(payload)
