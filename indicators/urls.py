from __future__ import annotations

from django.urls import path

from indicators import api, views

urlpatterns = [
    path("chi-tieu/", views.indicators_overview, name="indicators_overview"),
    path("chi-tieu/xa/<str:code>/", views.indicators_commune, name="indicators_commune"),
    path("chi-tieu/nhom/<str:code>/", views.indicators_group, name="indicators_group"),
    path("chi-tieu/mau-so/", views.indicators_denominators, name="indicators_denominators"),
    path("chi-tieu/xep-hang/", views.indicators_ranking, name="indicators_ranking"),
    path(
        "chi-tieu/bao-cao/<str:period_code>.<str:fmt>",
        views.indicators_report,
        name="indicators_report",
    ),
]

api_urlpatterns = [
    path("indicators/", api.IndicatorValuesApi.as_view(), name="api_indicator_values"),
]
