"""ASGI entry point: HTTP through Django, websockets through Channels routing."""

from __future__ import annotations

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config import twisted_content_type  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from contest.asynchronous.backpressure import bounded  # noqa: E402
from contest.asynchronous.fast_save import answer_save_endpoint  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Answer saves, the hottest request, skip Django's request path when they can;
        # the rest runs in Django a bounded number at a time per worker.
        "http": answer_save_endpoint(bounded(django_asgi_app)),
        # Origin checked against ALLOWED_HOSTS; the session identifies the host.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

twisted_content_type.install()

# What start-up loaded (Django, the apps, their modules: about 160,000 objects) lives as
# long as the process. Frozen, the collector stops re-scanning it: a full collection
# took about 90 ms, a pause for every request in flight on the worker.
gc.freeze()
