"""Organiser pages: create and publish a contest, watch live counts, preview the
ranking, export results, and publish them (recording awards for certificates)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from community.models import EXTRA_TIME_CHOICES, Participant
from community.personal_data import keyed_hash
from contest.asynchronous import exports, selectors, services
from contest.asynchronous.accessible_time import extra_time_grant
from contest.asynchronous.forms import ContestForm, ExtraTimeForm
from contest.asynchronous.models import Attempt, Contest

CAN_VIEW = "contest.view_contest"
CAN_CHANGE = "contest.change_contest"


@login_required
@permission_required(CAN_VIEW, raise_exception=True)
def organiser_contest_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "contest/organiser/contest_list.html", {"contests": Contest.objects.all()}
    )


@login_required
@permission_required("contest.add_contest", raise_exception=True)
def organiser_contest_new(request: HttpRequest) -> HttpResponse:
    form = ContestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contest = form.save(commit=False)
        contest.created_by = request.user  # type: ignore[assignment]
        contest.save()
        form.save_m2m()
        messages.success(request, _("Đã tạo cuộc thi (bản nháp)."))
        return redirect("organiser_contest", slug=contest.slug)
    return render(request, "contest/organiser/contest_form.html", {"form": form})


@login_required
@permission_required(CAN_CHANGE, raise_exception=True)
def organiser_contest_edit(request: HttpRequest, slug: str) -> HttpResponse:
    contest = get_object_or_404(Contest, slug=slug)
    form = ContestForm(request.POST or None, instance=contest)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Đã lưu."))
        return redirect("organiser_contest", slug=contest.slug)
    return render(
        request, "contest/organiser/contest_form.html", {"form": form, "contest": contest}
    )


@login_required
@permission_required(CAN_VIEW, raise_exception=True)
def organiser_contest(request: HttpRequest, slug: str) -> HttpResponse:
    contest = get_object_or_404(Contest, slug=slug)
    ranked = selectors.contest_ranking(contest)
    header, rows = exports.ranking_table(contest, ranked[:50])
    flagged = (
        Attempt.objects.filter(contest=contest).exclude(flags=[]).select_related("participant")
    )
    granted = (
        Participant.objects.filter(attempts__contest=contest, extra_time_percent__gt=0)
        .distinct()
        .order_by("full_name")
    )
    return render(
        request,
        "contest/organiser/dashboard.html",
        {
            "contest": contest,
            "extra_time_form": ExtraTimeForm(),
            "extra_time_granted": granted[:100],
            "counts": selectors.contest_counts(contest),
            "header": header,
            "rows": rows,
            "flagged": flagged[:100],
            "truth": selectors.prediction_truth(contest),
        },
    )


@login_required
@permission_required(CAN_CHANGE, raise_exception=True)
@require_POST
def organiser_contest_action(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    contest = get_object_or_404(Contest, slug=slug)
    if action == "publish":
        contest.status = Contest.Status.PUBLISHED
        contest.save(update_fields=["status"])
        messages.success(request, _("Cuộc thi đã được công bố."))
    elif action == "extra_time":
        _extra_time(request)
    elif action == "publish_results":
        recorded = services.results_publish(contest=contest)
        messages.success(
            request,
            _("Đã công bố kết quả và ghi nhận %(n)d kết quả cho chứng nhận.") % {"n": recorded},
        )
        # Someone granted extra time may still be working after the contest closes.
        running = Attempt.objects.filter(contest=contest, status=Attempt.Status.IN_PROGRESS)
        if running.exists():
            messages.warning(
                request,
                _(
                    "Còn %(n)d bài đang làm (có thể là người được thêm thời gian). "
                    "Khi họ nộp bài, hãy bấm “Cập nhật kết quả đã công bố”."
                )
                % {"n": running.count()},
            )
    else:
        raise Http404
    return redirect("organiser_contest", slug=slug)


def _extra_time(request: HttpRequest) -> None:
    """Accessible time for the person with the phone number typed; the result, or why
    not, in a message on the dashboard."""
    form = ExtraTimeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return
    participant = Participant.objects.filter(
        phone_hash=keyed_hash("phone", form.cleaned_data["phone"])
    ).first()
    if participant is None:
        messages.error(request, _("Không tìm thấy người dự thi có số điện thoại này."))
        return
    actor = request.user if isinstance(request.user, User) else None
    grant = extra_time_grant(
        participant=participant, percent=form.cleaned_data["extra_time"], actor=actor
    )
    label = dict(EXTRA_TIME_CHOICES)[grant.after]
    text = _("Đã lưu: %(name)s — %(label)s.") % {"name": participant.full_name, "label": label}
    if grant.attempts_extended:
        text += " " + _("Bài đang làm đã được cộng thêm giờ.")
    messages.success(request, text)


EXPORTS = {
    "ranking": gettext_lazy("Xếp hạng cá nhân"),
    "schools": gettext_lazy("Kết quả theo trường"),
    "communes": gettext_lazy("Kết quả theo xã, phường"),
}


@login_required
@permission_required(CAN_VIEW, raise_exception=True)
def organiser_export(request: HttpRequest, slug: str, kind: str, fmt: str) -> HttpResponse:
    contest = get_object_or_404(Contest, slug=slug)
    if kind not in EXPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    ranked = selectors.contest_ranking(contest)
    if kind == "ranking":
        table = exports.ranking_table(contest, ranked)
    else:
        collective = selectors.collective_results(contest, ranked)
        label = _("Trường") if kind == "schools" else _("Xã, phường")
        table = exports.collective_table(collective[kind], label)
    title = str(EXPORTS[kind])
    if fmt == "csv":
        content, content_type = exports.as_csv(contest, title, table), "text/csv; charset=utf-8"
    else:
        content = exports.as_xlsx(contest, title, table)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{contest.slug}-{kind}.{fmt}"'
    return response
