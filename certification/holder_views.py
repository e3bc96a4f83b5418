"""A person collecting their own certificate right after the result that earns it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certification import services
from certification.keys import KeyFileError
from certification.views import print_url
from contest.placement.models import PlacementSession


@require_POST
def certificate_for_placement(request: HttpRequest, token: str) -> HttpResponse:
    """Issue (once; asking again returns the same certificate) and open it for printing.
    The session token is the person's key to their own result, as on the result page."""
    session = get_object_or_404(
        PlacementSession.objects.select_related("participant", "level", "framework"), token=token
    )
    try:
        certificate = services.certificate_issue_for_placement(session, actor=None)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("placement_result", token=token)
    except KeyFileError:
        messages.error(
            request, _("Hệ thống chưa sẵn sàng cấp chứng nhận. Hãy báo ban tổ chức và thử lại sau.")
        )
        return redirect("placement_result", token=token)
    return redirect(print_url(certificate))
