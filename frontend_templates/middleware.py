"""Vietnamese first: a browser's Accept-Language does not switch the UI.

Many phones in the province run an English system locale while their owners
read Vietnamese, so the language is Vietnamese unless the person picks another
one with the language switch (remembered in a cookie).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class VietnameseFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
