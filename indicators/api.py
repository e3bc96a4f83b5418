"""JSON API of the indicators: the values of a period for the caller's scope."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from indicators import counting, selectors
from indicators.access import ALL, indicator_scope
from indicators.selectors import IndicatorValue


def value_json(v: IndicatorValue) -> dict[str, Any]:
    d = v.denominator
    return {
        "code": v.definition.code,
        "name": v.definition.name,
        "measure": v.definition.measure,
        "count": v.count,
        "denominator": None
        if d is None
        else {
            "value": d.value,
            "is_estimate": d.is_estimate,
            "source": d.source,
            "as_of": d.as_of.isoformat() if d.as_of else None,
        },
        "value": v.value,
        "target": v.target,
        "target_year": v.target_year,
        "gap": v.gap,
        # The rule was changed and the roll-up not yet rebuilt: the count is not final.
        "needs_recount": v.definition.needs_recount,
    }


class IndicatorValuesApi(APIView):
    """Values of every indicator for a period (`ky`: 2025-Q3, 2025-H2, 2025 or ALL):
    province-wide with one entry per commune for provincial staff, or the caller's own
    commune for a commune official. `xa` narrows to one commune."""

    @extend_schema(
        parameters=[
            OpenApiParameter("ky", str, description="2025-Q3, 2025-H2, 2025, ALL"),
            OpenApiParameter("xa", str, description="mã xã, phường"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        scope = indicator_scope(request.user)
        if scope is None:
            raise PermissionDenied
        try:
            period = (
                counting.period_parse(request.query_params["ky"])
                if request.query_params.get("ky")
                else selectors.current_period()
            )
        except ValueError as exc:
            raise NotFound("ky") from exc
        commune = request.query_params.get("xa") or (None if scope == ALL else scope)
        if scope != ALL and commune != scope:
            raise PermissionDenied
        body: dict[str, Any] = {
            "period": period.code,
            "period_end": period.end_date().isoformat(),
            "provisional": selectors.period_is_open(period),
            "generated_at": timezone.now().isoformat(),
            "commune": commune,
        }
        defs, denominators = selectors.definitions(), selectors.Denominators()
        if commune is None:
            by_commune = selectors.totals_by_commune(period.code)
            province = selectors.values(
                period, None, denominators, defs, selectors.province_totals(by_commune)
            )
            body["indicators"] = [value_json(v) for v in province]
            body["communes"] = [
                {
                    "code": row.commune.code,
                    "name": row.commune.full_name,
                    "indicators": {v.definition.code: v.count for v in row.values},
                }
                for row in selectors.commune_rows(period, None, denominators, defs, by_commune)
            ]
        else:
            mine = selectors.values(period, commune, denominators, defs)
            body["indicators"] = [value_json(v) for v in mine]
        return Response(body)
