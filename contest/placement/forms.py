"""Registration for a placement test: on one's own phone, or by a volunteer at a kiosk."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from community.models import EXTRA_TIME_CHOICES, Commune, TargetGroup


class PlacementIdentifyForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=120)
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    birth_year = forms.IntegerField(label=_("Năm sinh"), min_value=1900, max_value=2030)
    commune = forms.ModelChoiceField(
        label=_("Xã, phường nơi bạn sống"), queryset=Commune.objects.all(), to_field_name="code"
    )
    target_group = forms.ModelChoiceField(
        label=_("Bạn là"), queryset=TargetGroup.objects.all(), to_field_name="code"
    )


class KioskRegisterForm(PlacementIdentifyForm):
    """A volunteer registers or finds a resident in under a minute; a phone is optional."""

    assisted = forms.BooleanField(
        label=_("Tôi sẽ đọc câu hỏi hoặc bấm giúp người dân"),
        required=False,
        help_text=_("Bài làm có hỗ trợ được ghi nhận và không dùng để cấp chứng nhận mức kỹ năng."),
    )

    language = forms.ChoiceField(
        label=_("Ngôn ngữ người dân muốn dùng"),
        required=False,
        help_text=_(
            "“Như lần trước”: ngôn ngữ người dân đã chọn trước đây, nếu chưa có thì tiếng Việt."
        ),
    )
    extra_time = forms.TypedChoiceField(
        label=_("Thời gian làm bài"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Người cao tuổi, người khuyết tật hoặc người đọc chậm có thể được làm bài lâu hơn."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [("", _("Như lần trước")), *settings.LANGUAGES]
        extra_time = self.fields["extra_time"]
        assert isinstance(extra_time, forms.TypedChoiceField)
        extra_time.choices = [("", _("Như lần trước")), *EXTRA_TIME_CHOICES]
        self.fields["phone"].required = False
        self.fields["phone"].help_text = _("Không bắt buộc nếu người dân không có điện thoại.")
