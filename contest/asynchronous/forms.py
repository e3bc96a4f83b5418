"""Forms for taking part (identification, submission) and for organisers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from community.models import EXTRA_TIME_CHOICES, Commune, School, TargetGroup
from community.personal_data import normalise_phone
from contest.asynchronous.models import Contest
from contest.ranking import RULE_KEYS


class IdentifyForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=120)
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    commune = forms.ModelChoiceField(
        label=_("Xã, phường nơi bạn sống"), queryset=Commune.objects.all(), to_field_name="code"
    )
    target_group = forms.ModelChoiceField(
        label=_("Bạn là"), queryset=TargetGroup.objects.all(), to_field_name="code"
    )
    school = forms.ModelChoiceField(
        label=_("Trường (học sinh)"), queryset=School.objects.none(), required=False
    )
    class_name = forms.CharField(label=_("Lớp (học sinh)"), max_length=20, required=False)
    student_code = forms.CharField(label=_("Mã học sinh"), max_length=30, required=False)

    def __init__(self, *args: Any, contest: Contest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = contest.schools.all() if contest.schools.exists() else School.objects.all()
        school_field = self.fields["school"]
        assert isinstance(school_field, forms.ModelChoiceField)
        school_field.queryset = schools.select_related("commune").order_by("commune", "name")
        groups = contest.target_groups.all()
        if groups.exists():
            group_field = self.fields["target_group"]
            assert isinstance(group_field, forms.ModelChoiceField)
            group_field.queryset = groups

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        group = data.get("target_group")
        if group is not None and group.code == "student" and not data.get("school"):
            self.add_error("school", _("Học sinh hãy chọn trường."))
        return data


class SubmitForm(forms.Form):
    prediction = forms.IntegerField(label=_("Câu hỏi dự đoán"), min_value=0, required=False)
    confirm = forms.BooleanField(label=_("Tôi muốn nộp bài"), required=True)


class ExtraTimeForm(forms.Form):
    """An organiser grants accessible time to the person with this phone number."""

    phone = forms.CharField(
        label=_("Số điện thoại người dự thi"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    extra_time = forms.TypedChoiceField(
        label=_("Thời gian làm bài"), choices=EXTRA_TIME_CHOICES, coerce=int, initial=50
    )

    def clean_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["phone"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


class ContestForm(forms.ModelForm):
    ranking_order = forms.CharField(
        label=_("Thứ tự xếp hạng"),
        initial=", ".join(RULE_KEYS),
        help_text=_(
            "Các tiêu chí cách nhau bằng dấu phẩy: score, prediction, duration, submitted_at."
        ),
    )

    class Meta:
        model = Contest
        fields = [
            "title",
            "slug",
            "description",
            "rules_text",
            "target_groups",
            "communes",
            "schools",
            "opens_at",
            "closes_at",
            "attempts_allowed",
            "duration_minutes",
            "questions_per_attempt",
            "draw_mode",
            "shuffle_questions",
            "shuffle_options",
            "answer_policy",
            "prediction_kind",
            "prediction_prompt",
            "prediction_truth",
            "prizes",
        ]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "target_groups": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["ranking_order"].initial = ", ".join(self.instance.rules)

    def clean_ranking_order(self) -> list[str]:
        keys = [k.strip() for k in self.cleaned_data["ranking_order"].split(",") if k.strip()]
        unknown = [k for k in keys if k not in RULE_KEYS]
        if unknown or not keys:
            raise forms.ValidationError(
                _("Tiêu chí xếp hạng không hợp lệ: %(k)s") % {"k": ", ".join(unknown)}
            )
        return keys

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("Thời điểm đóng phải sau thời điểm mở."))
        return data

    def save(self, commit: bool = True) -> Contest:
        contest: Contest = super().save(commit=False)
        contest.ranking_rules = self.cleaned_data["ranking_order"]
        if commit:
            contest.save()
            self.save_m2m()
        return contest


def choice_from_post(request: HttpRequest, qtype: str, option_order: list[int]) -> list[int]:
    """The chosen option ids from a plain form post (ordering: ids sorted by the rank typed)."""
    try:
        if qtype == "ordering":
            ranks = {
                option_id: int(request.POST.get(f"rank_{option_id}", "0") or 0)
                for option_id in option_order
            }
            return [option_id for option_id, _rank in sorted(ranks.items(), key=lambda kv: kv[1])]
        return [int(v) for v in request.POST.getlist("choice")]
    except ValueError:
        return []
