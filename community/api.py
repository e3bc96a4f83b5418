"""Public reference data: the communes and wards of Lào Cai, with address look-up
by a pre-2025 commune name (people still write their old address)."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from community.models import Commune
from community.serializers import CommuneOutputSerializer


class CommuneListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="part of a current or former unit's name"),
            OpenApiParameter("former_code", str, description="a pre-1/7/2025 commune code"),
            OpenApiParameter("unit_type", str, enum=["ward", "commune"]),
        ],
        responses=CommuneOutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        communes = Commune.objects.prefetch_related("former_units")
        if q := request.query_params.get("q", "").strip():
            communes = communes.filter(
                Q(full_name__icontains=q) | Q(former_units__full_name__icontains=q)
            ).distinct()
        if former_code := request.query_params.get("former_code", "").strip():
            communes = communes.filter(former_units__code=former_code)
        if unit_type := request.query_params.get("unit_type", "").strip():
            communes = communes.filter(unit_type=unit_type)
        return Response(CommuneOutputSerializer(communes, many=True).data)
