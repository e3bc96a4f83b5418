"""Input and output shapes of the question-bank API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from question_banks.models import Competence, Framework, Level, QuestionVersion
from question_banks.question_data import (
    MAX_OPTIONS,
    TARGET_GROUPS,
    TYPES,
    OptionData,
    QuestionData,
    TranslationData,
)


class OptionSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=500)
    correct = serializers.BooleanField(default=False)


class QuestionInputSerializer(serializers.Serializer[Any]):
    key = serializers.SlugField(max_length=60, required=False, allow_blank=True, default="")
    type = serializers.ChoiceField(choices=TYPES)
    stem = serializers.CharField()
    options = serializers.ListField(child=OptionSerializer(), min_length=2, max_length=MAX_OPTIONS)
    explanation = serializers.CharField()
    competence = serializers.CharField(max_length=10)
    difficulty = serializers.FloatField(default=0.0, min_value=-4, max_value=4)
    target_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=TARGET_GROUPS), min_length=1
    )
    tags = serializers.ListField(child=serializers.SlugField(max_length=40), default=list)
    low_literacy = serializers.BooleanField(default=False)
    as_of = serializers.DateField(required=False, allow_null=True, default=None)
    # DRF collects declared fields off the class, so a field may be named "source".
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=300, required=False, allow_blank=True, default=""
    )
    image_alt = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def to_question_data(self) -> QuestionData:
        d = self.validated_data
        return QuestionData(
            key=d["key"],
            type=d["type"],
            stem=d["stem"],
            options=[OptionData(o["text"], o["correct"]) for o in d["options"]],
            explanation=d["explanation"],
            competence=d["competence"],
            difficulty=d["difficulty"],
            target_groups=d["target_groups"],
            tags=d["tags"],
            low_literacy=d["low_literacy"],
            as_of=d["as_of"],
            source=d["source"],
            image_alt=d["image_alt"],
        )


class TranslationInputSerializer(serializers.Serializer[Any]):
    language = serializers.CharField(max_length=10)
    stem = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField(max_length=500))
    explanation = serializers.CharField(required=False, allow_blank=True, default="")

    def to_translation_data(self) -> TranslationData:
        d = self.validated_data
        return TranslationData(d["language"], d["stem"], d["options"], d["explanation"])


class ReviewInputSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ImportInputSerializer(serializers.Serializer[Any]):
    file = serializers.FileField()


class OptionOutputSerializer(serializers.Serializer[Any]):
    position = serializers.IntegerField()
    text = serializers.CharField()
    is_correct = serializers.BooleanField()


class TranslationOutputSerializer(serializers.Serializer[Any]):
    language = serializers.CharField()
    stem = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField())
    explanation = serializers.CharField()
    review_state = serializers.CharField()


class QuestionVersionOutputSerializer(serializers.ModelSerializer[QuestionVersion]):
    key = serializers.CharField(source="question.key")
    competence = serializers.CharField(source="competence.code")
    author = serializers.CharField(source="author.username", default=None)
    target_groups: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )
    tags: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug"
    )
    options = OptionOutputSerializer(many=True)
    translations = TranslationOutputSerializer(many=True)
    image = serializers.FileField(use_url=True, allow_null=True)

    class Meta:
        model = QuestionVersion
        fields = [
            "key",
            "number",
            "status",
            "type",
            "stem",
            "options",
            "explanation",
            "competence",
            "difficulty_estimate",
            "target_groups",
            "tags",
            "low_literacy",
            "image",
            "image_alt",
            "as_of",
            "source",
            "irt_model",
            "irt_b",
            "irt_a",
            "irt_sample_size",
            "irt_calibrated_at",
            "author",
            "published_at",
            "translations",
        ]


class ImportResultSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


class ErrorListSerializer(serializers.Serializer[Any]):
    errors = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]


class CompetenceOutputSerializer(serializers.ModelSerializer[Competence]):
    class Meta:
        model = Competence
        fields = ["code", "name", "name_en", "digcomp_code", "placement_area"]


class LevelOutputSerializer(serializers.ModelSerializer[Level]):
    class Meta:
        model = Level
        fields = ["rank", "code", "name", "name_en", "descriptor", "cut_score"]


class DomainOutputSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    competences = CompetenceOutputSerializer(many=True)


class FrameworkOutputSerializer(serializers.ModelSerializer[Framework]):
    domains = DomainOutputSerializer(many=True)
    levels = LevelOutputSerializer(many=True)

    class Meta:
        model = Framework
        fields = [
            "code",
            "name",
            "name_en",
            "issuer",
            "issued_on",
            "is_proposal",
            "domains",
            "levels",
        ]
