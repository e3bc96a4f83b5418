"""Pages: the province overview, a commune or ward, a target group, the public ranking,
the periodic report downloads and the denominator upload. Views only translate; numbers
come from selectors."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from community.models import Commune, TargetGroup
from indicators import by_group, counting, exports, ranking, selectors
from indicators.access import ALL, can_see, indicator_scope
from indicators.denominators import COMMUNE_COUNT, denominators_import, denominators_summary
from indicators.forms import DenominatorUploadForm
from indicators.models import DenominatorImport, IndicatorDefinition

TREND_QUARTERS = 6
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def period_from(request: HttpRequest, default_kind: str = "quarter") -> counting.Period:
    code = request.GET.get("ky", "")
    if not code:
        return selectors.current_period(default_kind)
    try:
        return counting.period_parse(code)
    except ValueError as exc:
        raise Http404(_("Kỳ báo cáo không hợp lệ.")) from exc


def period_choices() -> list[tuple[str, str]]:
    now = selectors.current_period()
    periods = counting.quarters_up_to(now, len(counting.quarters()))
    codes = [p.code for p in periods]
    for p in periods:
        for code in counting.codes_for_quarter(p.year, p.number)[1:]:
            codes.append(code)
    if now.number not in (2, 4):  # the half and the year still running
        codes.append(f"{now.year}-H{(now.number + 1) // 2}")
    if now.number != 4:
        codes.append(str(now.year))
    choices = [(c, exports.period_label(counting.period_parse(c))) for c in sorted(set(codes))]
    return [
        *reversed(choices),
        (counting.CUMULATIVE, exports.period_label(counting.period_parse("ALL"))),
    ]


def _trend(
    period: counting.Period, commune: str | None, defs: list[IndicatorDefinition]
) -> tuple[list[counting.Period], list[dict[str, object]]]:
    last = period if period.kind != "all" else selectors.current_period()
    quarters = counting.quarters_up_to(last, TREND_QUARTERS)
    counts = selectors.trend(quarters, commune)
    rows = [
        {"definition": d, "counts": [counts.get((d.pk, q.code), 0) for q in quarters]} for d in defs
    ]
    return quarters, rows


def _context(period: counting.Period, **extra: object) -> dict[str, object]:
    return {
        "groups": TargetGroup.objects.all(),
        "period": period,
        "period_label": exports.period_label(period),
        "provisional": selectors.period_is_open(period),
        "periods": period_choices(),
        **extra,
    }


@require_GET
@login_required
def indicators_overview(request: HttpRequest) -> HttpResponse:
    scope = indicator_scope(request.user)
    if scope is None:
        raise PermissionDenied
    if scope != ALL:
        return redirect("indicators_commune", code=scope)
    period = period_from(request)
    defs, denominators = selectors.definitions(), selectors.Denominators()
    quarters, trend_rows = _trend(period, None, defs)
    by_commune = selectors.totals_by_commune(period.code)
    province = selectors.province_totals(by_commune)
    return render(
        request,
        "indicators/overview.html",
        _context(
            period,
            values=selectors.values(period, None, denominators, defs, province),
            rows=selectors.commune_rows(period, None, denominators, defs, by_commune),
            trend_quarters=quarters,
            trend_rows=trend_rows,
        ),
    )


@require_GET
@login_required
def indicators_commune(request: HttpRequest, code: str) -> HttpResponse:
    commune = get_object_or_404(Commune, code=code)
    if not can_see(request.user, commune.code):
        raise PermissionDenied
    period = period_from(request)
    defs = selectors.definitions()
    quarters, trend_rows = _trend(period, commune.code, defs)
    by_level = selectors.totals_by_group_level(period.code, commune.code)
    group_names = dict(TargetGroup.objects.values_list("code", "name"))
    breakdown = [
        {
            "definition": d,
            "group": group,
            "group_name": group_names.get(group, group),
            "level": level,
            "count": n,
        }
        for d in defs
        for (indicator_id, group, level), n in sorted(by_level.items())
        if indicator_id == d.pk
    ]
    return render(
        request,
        "indicators/commune.html",
        _context(
            period,
            commune=commune,
            values=selectors.values(period, commune.code, defs=defs),
            breakdown=breakdown,
            trend_quarters=quarters,
            trend_rows=trend_rows,
        ),
    )


@require_GET
@login_required
def indicators_group(request: HttpRequest, code: str) -> HttpResponse:
    group = get_object_or_404(TargetGroup, code=code)
    scope = indicator_scope(request.user)
    if scope is None:
        raise PermissionDenied
    commune_code = request.GET.get("xa") or None
    if commune_code is None and scope != ALL:
        # A commune official's view of a group is their own commune's.
        query = {"xa": scope, **({"ky": request.GET["ky"]} if request.GET.get("ky") else {})}
        return redirect(f"{reverse('indicators_group', args=[group.code])}?{urlencode(query)}")
    commune = None
    if commune_code is not None:
        commune = get_object_or_404(Commune, code=commune_code)
        if not can_see(request.user, commune.code):
            raise PermissionDenied
    period = period_from(request)
    return render(
        request,
        "indicators/group.html",
        _context(
            period,
            page=by_group.group_page(group, period, commune.code if commune else None),
            commune=commune,
            communes=Commune.objects.all() if scope == ALL else [],
            keep_commune=commune.code if commune is not None and scope != ALL else "",
        ),
    )


@require_http_methods(["GET", "POST"])
@login_required
def indicators_denominators(request: HttpRequest) -> HttpResponse:
    """Provincial staff upload population, enrolment and staff figures (the file the
    `indicators_import_denominators` command takes): every row valid, or nothing saved."""
    if indicator_scope(request.user) != ALL:
        raise PermissionDenied
    form = DenominatorUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = denominators_import(
                file_name=upload.name,
                content=upload.read(),
                source=form.cleaned_data["source"],
                as_of=form.cleaned_data["as_of"],
                actor=request.user,
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("Đã nhập %(n)s dòng mẫu số từ tệp %(file)s.")
                % {"n": batch.rows, "file": batch.file_name},
            )
            return redirect("indicators_denominators")
    return render(
        request,
        "indicators/denominators.html",
        {
            "form": form,
            "errors": errors,
            "summary": denominators_summary(),
            "commune_count": COMMUNE_COUNT,
            "imports": DenominatorImport.objects.select_related("imported_by")[:10],
        },
    )


@require_GET
def indicators_ranking(request: HttpRequest) -> HttpResponse:
    period = period_from(request, default_kind="year")
    defs = selectors.definitions()
    ranked, by_share = ranking.rank_communes(selectors.commune_rows(period, defs=defs))
    definition = next((d for d in defs if d.code == ranking.RANKING_INDICATOR), None)
    return render(
        request,
        "indicators/ranking.html",
        _context(
            period,
            ranked=ranked,
            by_share=by_share,
            definition=definition,
            small_count=ranking.SMALL_COUNT,
        ),
    )


@require_GET
@login_required
def indicators_report(request: HttpRequest, period_code: str, fmt: str) -> HttpResponse:
    scope = indicator_scope(request.user)
    if scope is None:
        raise PermissionDenied
    if fmt not in ("csv", "xlsx"):
        raise Http404
    try:
        period = counting.period_parse(period_code)
    except ValueError as exc:
        raise Http404 from exc
    codes = None if scope == ALL else {scope}
    defs, denominators = selectors.definitions(), selectors.Denominators()
    by_commune = selectors.totals_by_commune(period.code)
    rows = selectors.commune_rows(period, codes, denominators, defs, by_commune)
    total = (
        selectors.values(period, None, denominators, defs, selectors.province_totals(by_commune))
        if scope == ALL
        else rows[0].values
    )
    table = exports.report_table(rows, total, defs)
    if scope != ALL:
        table[1].pop()  # a commune's report has no province total
    if fmt == "csv":
        response = HttpResponse(
            exports.as_csv(period, total, table), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(exports.as_xlsx(period, total, table), content_type=XLSX)
    suffix = "" if scope == ALL else f"-{scope}"
    response["Content-Disposition"] = f'attachment; filename="chi-tieu-{period.code}{suffix}.{fmt}"'
    return response
