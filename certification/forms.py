"""The holder's look-up form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certification.holder import phone_key


class HolderLookupForm(forms.Form):
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=20,
        error_messages={"required": _("Hãy nhập số điện thoại.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    full_name = forms.CharField(
        label=_("Họ và tên"), max_length=120, error_messages={"required": _("Hãy nhập họ và tên.")}
    )
    birth_year = forms.IntegerField(
        label=_("Năm sinh"),
        min_value=1900,
        error_messages={
            "required": _("Hãy nhập năm sinh."),
            "invalid": _("Hãy nhập năm sinh bằng số, ví dụ 1975."),
            "min_value": _("Năm sinh không hợp lệ."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data["phone"])
        phone_key(phone)  # a ValidationError with the Vietnamese reason when malformed
        return phone

    def clean_birth_year(self) -> int:
        year = int(self.cleaned_data["birth_year"])
        if year > timezone.localdate().year:
            raise ValidationError(_("Năm sinh không hợp lệ."), code="birth_year")
        return year
