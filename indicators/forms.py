"""The denominator upload form: the file, where its figures come from, and their date.
Row-level checks happen in indicators/denominators.py, shared with the command."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # 10,000 rows of CSV are well under 1 MB
EXTENSIONS = (".csv", ".xlsx")


class DenominatorUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp số liệu (.csv hoặc .xlsx)"),
        widget=forms.FileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    source = forms.CharField(
        label=_("Nguồn số liệu"),
        max_length=300,
        help_text=_("Ví dụ: Niên giám thống kê tỉnh Lào Cai 2025, Sở Giáo dục và Đào tạo."),
    )
    as_of = forms.DateField(
        label=_("Số liệu tính đến ngày"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(EXTENSIONS):
            raise forms.ValidationError(_("Chỉ nhận tệp .csv hoặc .xlsx."))
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Tệp lớn hơn %(mb)s MB; hãy chia nhỏ hoặc bỏ các cột thừa.")
                % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload

    def clean_as_of(self) -> dt.date:
        as_of: dt.date = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError(_("Ngày của số liệu không thể ở tương lai."))
        return as_of
