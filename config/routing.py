"""Websocket routes."""

from __future__ import annotations

from django.urls import path

from contest.live.consumers import HostConsumer, PlayerConsumer

websocket_urlpatterns = [
    path("ws/live/<slug:game_id>/play/", PlayerConsumer.as_asgi()),
    path("ws/live/<slug:game_id>/host/", HostConsumer.as_asgi()),
]
