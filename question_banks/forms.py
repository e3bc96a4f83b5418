"""The author's question form: flat fields for up to six options, so it works
without JavaScript on any phone."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import TargetGroup
from question_banks.models import Competence, QuestionVersion
from question_banks.question_data import MAX_OPTIONS, OptionData, QuestionData
from question_banks.selectors import question_data_from_version


class QuestionForm(forms.Form):
    key = forms.SlugField(
        label=_("Mã câu hỏi"),
        max_length=60,
        required=False,
        help_text=_("Để trống để hệ thống tự đặt."),
    )
    type = forms.ChoiceField(label=_("Loại câu hỏi"), choices=QuestionVersion.Type.choices)
    stem = forms.CharField(label=_("Nội dung câu hỏi"), widget=forms.Textarea(attrs={"rows": 3}))
    explanation = forms.CharField(
        label=_("Giải thích đáp án"), widget=forms.Textarea(attrs={"rows": 3})
    )
    competence = forms.ModelChoiceField(
        label=_("Năng lực"), queryset=Competence.objects.all(), to_field_name="code"
    )
    target_groups = forms.ModelMultipleChoiceField(
        label=_("Nhóm đối tượng"),
        queryset=TargetGroup.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    difficulty = forms.FloatField(
        label=_("Độ khó ước lượng"),
        initial=0.0,
        min_value=-4,
        max_value=4,
        help_text=_("Từ -3 (rất dễ) đến 3 (rất khó)."),
    )
    tags = forms.CharField(label=_("Nhãn"), required=False, help_text=_("Cách nhau bằng dấu phẩy."))
    low_literacy = forms.BooleanField(label=_("Dành cho người ít đọc"), required=False)
    as_of = forms.DateField(label=_("Thông tin tính đến ngày"), required=False)
    source = forms.CharField(label=_("Nguồn"), max_length=300, required=False)
    image = forms.FileField(label=_("Hình ảnh"), required=False)
    image_alt = forms.CharField(label=_("Mô tả hình ảnh"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, MAX_OPTIONS + 1):
            self.fields[f"option_{i}"] = forms.CharField(
                label=_("Phương án %(n)d") % {"n": i}, max_length=500, required=False
            )
            self.fields[f"correct_{i}"] = forms.BooleanField(label=_("Đúng"), required=False)

    def option_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"option_{i}"], self[f"correct_{i}"]) for i in range(1, MAX_OPTIONS + 1)]

    def to_question_data(self) -> QuestionData:
        d = self.cleaned_data
        options = [
            OptionData(d[f"option_{i}"], bool(d[f"correct_{i}"]))
            for i in range(1, MAX_OPTIONS + 1)
            if d.get(f"option_{i}", "").strip()
        ]
        return QuestionData(
            key=d["key"],
            type=d["type"],
            stem=d["stem"],
            options=options,
            explanation=d["explanation"],
            competence=d["competence"].code,
            target_groups=[g.code for g in d["target_groups"]],
            difficulty=d["difficulty"],
            tags=[t.strip().lower() for t in d["tags"].split(",") if t.strip()],
            low_literacy=d["low_literacy"],
            as_of=d["as_of"],
            source=d["source"],
            image_alt=d["image_alt"],
        )

    @classmethod
    def initial_from(cls, version: QuestionVersion) -> dict[str, Any]:
        data = question_data_from_version(version)
        initial: dict[str, Any] = {
            "key": data.key,
            "type": data.type,
            "stem": data.stem,
            "explanation": data.explanation,
            "competence": data.competence,
            "target_groups": list(TargetGroup.objects.filter(code__in=data.target_groups)),
            "difficulty": data.difficulty,
            "tags": ", ".join(data.tags),
            "low_literacy": data.low_literacy,
            "as_of": data.as_of,
            "source": data.source,
            "image_alt": data.image_alt,
        }
        for i, option in enumerate(data.options, start=1):
            initial[f"option_{i}"] = option.text
            initial[f"correct_{i}"] = option.correct
        return initial


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Nhận xét"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp câu hỏi (.csv, .xlsx hoặc Moodle .xml)"))
