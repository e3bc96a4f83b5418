"""REST API of the question bank: one view per operation, permissions per role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from question_banks import imports, selectors, services
from question_banks.models import Framework, Question, QuestionVersion
from question_banks.serializers import (
    ErrorListSerializer,
    FrameworkOutputSerializer,
    ImportInputSerializer,
    ImportResultSerializer,
    QuestionInputSerializer,
    QuestionVersionOutputSerializer,
    ReviewInputSerializer,
    TranslationInputSerializer,
)


def require(*perms: str) -> type[BasePermission]:
    """A permission class granting access to users holding every one of `perms`."""

    class HasPerms(BasePermission):
        def has_permission(self, request: Request, view: Any) -> bool:
            return bool(request.user and request.user.has_perms(perms))

    HasPerms.__name__ = "Has_" + "_".join(p.split(".")[1] for p in perms)
    return HasPerms


def service_call(fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Run a service; its Vietnamese validation messages become a 400 response."""
    try:
        return fn(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError({"errors": exc.messages}) from exc


def latest_version(key: str) -> QuestionVersion:
    question = get_object_or_404(Question, key=key)
    version = question.latest_version()
    assert version is not None
    return version


def version_response(version: QuestionVersion, code: int = status.HTTP_200_OK) -> Response:
    version = (
        QuestionVersion.objects.select_related("question", "competence", "author")
        .prefetch_related("options", "target_groups", "tags", "translations")
        .get(pk=version.pk)
    )
    return Response(QuestionVersionOutputSerializer(version).data, status=code)


FILTERS = [
    OpenApiParameter(name, str, description=desc)
    for name, desc in [
        ("status", "draft, in_review, published, retired"),
        ("competence", "competence code, e.g. 4.2"),
        ("target_group", "resident, student, worker, public_servant"),
        ("tag", "tag slug"),
        ("type", "single, multiple, true_false, ordering, image"),
        ("search", "text in the stem or key"),
    ]
]


class QuestionListApi(APIView):
    permission_classes = [require("question_banks.view_question")]

    @extend_schema(parameters=FILTERS, responses=QuestionVersionOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = {f.name: request.query_params.get(f.name, "") for f in FILTERS}
        versions = selectors.versions_latest(**filters).prefetch_related("translations")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(versions, request, view=self)
        data = QuestionVersionOutputSerializer(page, many=True).data
        return paginator.get_paginated_response(data)


class QuestionCreateApi(APIView):
    permission_classes = [require("question_banks.add_question")]

    @extend_schema(
        request=QuestionInputSerializer, responses={201: QuestionVersionOutputSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = QuestionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = service_call(
            services.question_create, author=request.user, data=serializer.to_question_data()
        )
        return version_response(version, status.HTTP_201_CREATED)


class QuestionDetailApi(APIView):
    permission_classes = [require("question_banks.view_question")]

    @extend_schema(responses=QuestionVersionOutputSerializer)
    def get(self, request: Request, key: str) -> Response:
        return version_response(latest_version(key))


class QuestionEditApi(APIView):
    permission_classes = [require("question_banks.change_question")]

    @extend_schema(request=QuestionInputSerializer, responses=QuestionVersionOutputSerializer)
    def put(self, request: Request, key: str) -> Response:
        question = get_object_or_404(Question, key=key)
        serializer = QuestionInputSerializer(data={**request.data, "key": key})
        serializer.is_valid(raise_exception=True)
        version = service_call(
            services.question_edit,
            question=question,
            editor=request.user,
            data=serializer.to_question_data(),
        )
        return version_response(version)


class QuestionSubmitApi(APIView):
    permission_classes = [require("question_banks.change_question")]

    @extend_schema(request=None, responses=QuestionVersionOutputSerializer)
    def post(self, request: Request, key: str) -> Response:
        version = service_call(
            services.question_submit, version=latest_version(key), actor=request.user
        )
        return version_response(version)


class ReviewDecisionApi(APIView):
    """A reviewer's decision on the version in review; subclasses name the service."""

    permission_classes = [require("question_banks.review_question")]
    decide: Callable[..., QuestionVersion]

    @extend_schema(request=ReviewInputSerializer, responses=QuestionVersionOutputSerializer)
    def post(self, request: Request, key: str) -> Response:
        serializer = ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = service_call(
            type(self).decide,
            version=latest_version(key),
            reviewer=request.user,
            comment=serializer.validated_data["comment"],
        )
        return version_response(version)


class QuestionApproveApi(ReviewDecisionApi):
    decide = staticmethod(services.question_approve)


class QuestionRequestChangesApi(ReviewDecisionApi):
    decide = staticmethod(services.question_request_changes)


class QuestionRetireApi(APIView):
    permission_classes = [require("question_banks.review_question")]

    @extend_schema(request=ReviewInputSerializer, responses=QuestionVersionOutputSerializer)
    def post(self, request: Request, key: str) -> Response:
        serializer = ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        published = get_object_or_404(
            QuestionVersion, question__key=key, status=QuestionVersion.Status.PUBLISHED
        )
        version = service_call(
            services.question_retire,
            version=published,
            actor=request.user,
            reason=serializer.validated_data["comment"],
        )
        return version_response(version)


class TranslationSaveApi(APIView):
    permission_classes = [require("question_banks.change_question")]

    @extend_schema(request=TranslationInputSerializer, responses=QuestionVersionOutputSerializer)
    def post(self, request: Request, key: str) -> Response:
        serializer = TranslationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = latest_version(key)
        service_call(
            services.translation_save,
            version=version,
            data=serializer.to_translation_data(),
            actor=request.user,
        )
        return version_response(version)


class QuestionImportApi(APIView):
    permission_classes = [require("question_banks.import_questions", "question_banks.add_question")]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": ImportInputSerializer},
        responses={201: ImportResultSerializer, 400: ErrorListSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            fmt = imports.format_for_filename(upload.name)
            result = imports.questions_import(content=upload.read(), fmt=fmt, author=request.user)
        except imports.ImportRejected as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ImportResultSerializer(result).data, status=status.HTTP_201_CREATED)


class QuestionExportApi(APIView):
    permission_classes = [require("question_banks.view_question")]

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, enum=imports.FORMATS), *FILTERS],
        responses={(200, "application/octet-stream"): bytes},
    )
    def get(self, request: Request) -> HttpResponse:
        fmt = request.query_params.get("file_format", "xlsx")
        if fmt not in imports.FORMATS:
            raise ValidationError({"file_format": f"one of {', '.join(imports.FORMATS)}"})
        filters = {f.name: request.query_params.get(f.name, "") for f in FILTERS}
        versions = selectors.versions_latest(**filters).prefetch_related("translations")
        content_type, extension = imports.CONTENT_TYPES[fmt]
        response = HttpResponse(imports.questions_export(versions, fmt), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="questions.{extension}"'
        return response


class FrameworkListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=FrameworkOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        frameworks = Framework.objects.prefetch_related("domains__competences", "levels")
        return Response(FrameworkOutputSerializer(frameworks, many=True).data)
