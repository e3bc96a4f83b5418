"""The interface language of a page: which one is active, the tag for the page's
<html lang>, and the language cookie when a participant identifies."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from community.languages import (
    bcp47,
    participant_language_on_arrival,
    participant_language_remembered,
)
from community.models import Participant

# Languages whose catalogue covers the whole interface. The others fall back to
# Vietnamese string by string, so their pages are, as a whole, in Vietnamese.
COMPLETE_INTERFACE = {"vi", "en"}


def page_language(code: str) -> str:
    """The tag for <html lang>: the language most of the page's text is in."""
    return bcp47(code) if code in COMPLETE_INTERFACE else "vi"


def language_cookie_set(response: HttpResponse, code: str) -> None:
    """The same cookie Django's set_language writes."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def language_after_identify(
    request: HttpRequest, response: HttpResponse, participant: Participant
) -> None:
    """Someone has just said who they are on this device: bring back the language
    they chose before (on any device), or remember the one this device shows now."""
    device = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    remembered = participant_language_on_arrival(participant=participant, device_language=device)
    if remembered and remembered != device:
        language_cookie_set(response, remembered)


def language_on_shared_device(
    request: HttpRequest, response: HttpResponse, participant: Participant
) -> None:
    """A kiosk tablet passes from hand to hand: the next person gets their own
    language, or Vietnamese, never the last person's."""
    device = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    language = participant_language_remembered(participant) or settings.LANGUAGE_CODE
    if language != device:
        language_cookie_set(response, language)
