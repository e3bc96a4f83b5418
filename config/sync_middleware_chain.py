"""Keep Django's whole middleware chain in one thread under ASGI.

Under ASGI Django builds the chain from the inside out and runs every middleware that
can run either way in async mode, until one can only run synchronously. An async-mode
MiddlewareMixin hands each process_request and process_response to a thread and back
(`sync_to_async`): an API request through our eleven middlewares crossed between the
event loop and a thread 17 times, each crossing a wait in the event loop's queue behind
the answer saves (fast_save). Placed last in MIDDLEWARE, this sync-only no-op makes the
whole chain above it synchronous, in the request's one thread: 7 crossings (counted
with Django's AsyncClient). In a start-only load of 32 at a time on one worker, two
alternating pairs of runs gave 23 and 18 starts/s with it, 9 and 15 without.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class SyncMiddlewareChain:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
