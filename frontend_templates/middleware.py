"""Vietnamese first: a browser's Accept-Language does not switch the UI.

Many phones in the province run an English system locale while their owners
read Vietnamese, so the language is Vietnamese unless the person picks another
one with the language switch (remembered in a cookie on the device, and on the
participant who has identified in this browser session, for their other devices).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from community.languages import participant_language_choose
from community.services import PARTICIPANT_SESSION_KEY


class VietnameseFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        response = self.get_response(request)
        chosen = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        # Only the language switch (a POST) is a choice; a cookie written after
        # identifying brings back the person's own language and needs no storing.
        # The session is read only then, so other requests never load it for this.
        if chosen is not None and request.method == "POST" and _is_language_switch(request):
            participant_id = request.session.get(PARTICIPANT_SESSION_KEY)
            if participant_id:
                participant_language_choose(participant_id=participant_id, language=chosen.value)
        return response


def _is_language_switch(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and match.url_name == "set_language"
