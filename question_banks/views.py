"""Author and reviewer pages: browse, write, preview on a phone-sized frame,
review, import and export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from question_banks import imports, selectors, services
from question_banks.forms import ImportForm, QuestionForm, ReviewForm
from question_banks.models import Competence, Question, QuestionVersion

FILTER_NAMES = ("status", "competence", "target_group", "tag", "type", "search")


@login_required
@permission_required("question_banks.view_question", raise_exception=True)
def bank_list(request: HttpRequest) -> HttpResponse:
    filters = {name: request.GET.get(name, "").strip() for name in FILTER_NAMES}
    page = Paginator(selectors.versions_latest(**filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "question_banks/bank_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "statuses": QuestionVersion.Status.choices,
            "types": QuestionVersion.Type.choices,
            "competences": Competence.objects.all(),
        },
    )


@login_required
@permission_required("question_banks.add_question", raise_exception=True)
def question_new(request: HttpRequest) -> HttpResponse:
    form = QuestionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.question_create(
                author=request.user, data=form.to_question_data(), image=form.cleaned_data["image"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Đã lưu bản nháp."))
            return redirect("question_detail", key=version.question.key)
    return render(request, "question_banks/question_form.html", {"form": form})


@login_required
@permission_required("question_banks.change_question", raise_exception=True)
def question_edit(request: HttpRequest, key: str) -> HttpResponse:
    question = get_object_or_404(Question, key=key)
    latest = question.latest_version()
    assert latest is not None
    form = QuestionForm(
        request.POST or None, request.FILES or None, initial=QuestionForm.initial_from(latest)
    )
    if request.method == "POST" and form.is_valid():
        data = form.to_question_data()
        data.key = key
        try:
            services.question_edit(
                question=question, editor=request.user, data=data, image=form.cleaned_data["image"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Đã lưu bản nháp."))
            return redirect("question_detail", key=key)
    return render(request, "question_banks/question_form.html", {"form": form, "version": latest})


@login_required
@permission_required("question_banks.view_question", raise_exception=True)
def question_detail(request: HttpRequest, key: str) -> HttpResponse:
    question = get_object_or_404(Question, key=key)
    versions = question.versions.select_related("author", "reviewed_by").order_by("-number")
    latest = versions[0]
    return render(
        request,
        "question_banks/question_detail.html",
        {
            "question": question,
            "version": latest,
            "versions": versions,
            "comments": latest.comments.select_related("author"),
            "review_form": ReviewForm(),
            "is_own": latest.author_id == request.user.pk,
        },
    )


@xframe_options_sameorigin  # shown inside the phone frame of the detail page
@login_required
@permission_required("question_banks.view_question", raise_exception=True)
def question_preview(request: HttpRequest, key: str, number: int) -> HttpResponse:
    """The question as a participant's phone shows it; `?answer=1` shows the reveal."""
    version = get_object_or_404(
        QuestionVersion.objects.prefetch_related("options"), question__key=key, number=number
    )
    return render(
        request,
        "question_banks/question_preview.html",
        {"version": version, "reveal": request.GET.get("answer") == "1"},
    )


ACTIONS: dict[str, Callable[[QuestionVersion, Any, str], object]] = {
    "submit": lambda v, u, c: services.question_submit(version=v, actor=u),
    "approve": lambda v, u, c: services.question_approve(version=v, reviewer=u, comment=c),
    "request_changes": lambda v, u, c: services.question_request_changes(
        version=v, reviewer=u, comment=c
    ),
    "retire": lambda v, u, c: services.question_retire(version=v, actor=u, reason=c),
    "comment": lambda v, u, c: services.question_comment(version=v, author=u, body=c),
}
ACTION_DONE = {
    "submit": gettext_lazy("Đã gửi thẩm định."),
    "approve": gettext_lazy("Đã duyệt và xuất bản."),
    "request_changes": gettext_lazy("Đã trả lại cho người soạn."),
    "retire": gettext_lazy("Đã ngừng sử dụng câu hỏi."),
    "comment": gettext_lazy("Đã ghi nhận xét."),
}


ACTION_PERMISSION = {
    "submit": "question_banks.change_question",
    "comment": "question_banks.view_question",
}


@login_required
@require_POST
def question_action(request: HttpRequest, key: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise PermissionDenied
    if not request.user.has_perm(ACTION_PERMISSION.get(action, "question_banks.review_question")):
        raise PermissionDenied
    version = get_object_or_404(QuestionVersion, pk=request.POST.get("version"), question__key=key)
    form = ReviewForm(request.POST)
    form.is_valid()
    try:
        ACTIONS[action](version, request.user, form.cleaned_data.get("comment", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, str(ACTION_DONE[action]))
    return redirect("question_detail", key=key)


@login_required
@permission_required("question_banks.review_question", raise_exception=True)
def review_queue(request: HttpRequest) -> HttpResponse:
    versions = selectors.versions_latest(status=QuestionVersion.Status.IN_REVIEW)
    return render(request, "question_banks/review_queue.html", {"versions": versions})


@login_required
@permission_required("question_banks.import_questions", raise_exception=True)
def bank_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            fmt = imports.format_for_filename(upload.name)
            result = imports.questions_import(content=upload.read(), fmt=fmt, author=request.user)
        except imports.ImportRejected as exc:
            errors = exc.errors
        else:
            messages.success(
                request,
                _("Đã nhập: %(c)d câu hỏi mới, %(u)d câu hỏi có bản nháp mới.")
                % {"c": result.created, "u": result.updated},
            )
            return redirect("bank_list")
    return render(request, "question_banks/import.html", {"form": form, "errors": errors})
