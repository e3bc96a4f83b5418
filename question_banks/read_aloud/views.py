"""The author's audio page for a question version: hear the generated voice, upload
a recording (which participants then hear instead), or remove it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from question_banks.models import QuestionVersion, ReadAloudClip
from question_banks.read_aloud import services
from question_banks.read_aloud.forms import RecordingForm


@login_required
@permission_required("question_banks.view_question", raise_exception=True)
def version_audio(request: HttpRequest, key: str, number: int) -> HttpResponse:
    version = get_object_or_404(
        QuestionVersion.objects.select_related("question").prefetch_related(
            "options", "translations", "read_aloud_clips__created_by"
        ),
        question__key=key,
        number=number,
    )
    languages = services.version_audio(version, settings.CONTENT_LANGUAGES)
    with_text = [(a.language, a.label) for a in languages if a.spoken is not None]
    form = RecordingForm(request.POST or None, request.FILES or None, languages=with_text)
    may_record = request.user.has_perm("question_banks.change_question")
    if request.method == "POST" and not may_record:
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            services.clip_record(
                version=version,
                language=form.cleaned_data["language"],
                upload=form.cleaned_data["file"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _("Đã lưu bản ghi âm; người dự thi sẽ nghe bản này."))
            return redirect("question_audio", key=key, number=number)
    return render(
        request,
        "question_banks/version_audio.html",
        {
            "version": version,
            "audio_languages": [a for a in languages if a.spoken or a.recorded or a.generated],
            "form": form,
            "may_record": may_record,
        },
    )


@login_required
@permission_required("question_banks.change_question", raise_exception=True)
@require_POST
def recording_delete(request: HttpRequest, key: str, number: int, pk: int) -> HttpResponse:
    clip = get_object_or_404(
        ReadAloudClip,
        pk=pk,
        kind=ReadAloudClip.Kind.RECORDED,
        version__question__key=key,
        version__number=number,
    )
    services.clip_delete(clip=clip)
    messages.success(request, _("Đã xoá bản ghi âm."))
    return redirect("question_audio", key=key, number=number)
