from __future__ import annotations

from typing import Any

from rest_framework import serializers

from community.models import Commune


class FormerUnitOutputSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    full_name = serializers.CharField()
    district = serializers.CharField()
    province = serializers.CharField()


class CommuneOutputSerializer(serializers.ModelSerializer[Commune]):
    former_units = FormerUnitOutputSerializer(many=True)

    class Meta:
        model = Commune
        fields = ["code", "full_name", "name", "name_en", "unit_type", "qd19_order", "former_units"]
