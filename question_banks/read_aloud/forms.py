"""The author's upload of a recorded clip."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from question_banks.read_aloud.recordings import recording_check


class RecordingForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Ngôn ngữ của bản ghi âm"),
        error_messages={
            "invalid_choice": _(
                "Câu hỏi chưa có bản dịch sang ngôn ngữ này; hãy dịch trước khi ghi âm."
            )
        },
    )
    file = forms.FileField(
        label=_("Tệp ghi âm"),
        help_text=_("MP3, M4A, Ogg hoặc Opus, tối đa 2 MB và 5 phút."),
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*"}),
    )

    def __init__(self, *args: Any, languages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = languages

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        recording_check(upload, upload.size or 0)
        return upload
