"""A person collecting their own certificates: right after the result that earns it, or
later by looking them up with their phone number, name and birth year."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certification import services
from certification.forms import HolderLookupForm
from certification.holder import certificates_for_holder, phone_key
from certification.keys import KeyFileError
from certification.views import holder_links, print_url
from community.rate_limits import allow
from contest.placement.models import PlacementSession

# Per address (a commune hall may share one), and per phone number: the birth year is a
# small space, so one number gets only a few tries an hour, whoever tries it.
LOOKUP_LIMIT_PER_ADDRESS = 20
LOOKUP_LIMIT_PER_PHONE = 5
LOOKUP_WINDOW_SECONDS = 3600


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


@require_http_methods(["GET", "POST"])
def holder_lookup(request: HttpRequest) -> HttpResponse:
    form = HolderLookupForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "searched": False, "found": []}
    status = 200
    if request.method == "POST":
        address = str(request.META.get("REMOTE_ADDR", ""))
        if not allow(
            "holder-lookup",
            address,
            limit=LOOKUP_LIMIT_PER_ADDRESS,
            window_seconds=LOOKUP_WINDOW_SECONDS,
        ):
            context["limited"], status = True, 429
        elif form.is_valid():
            data = form.cleaned_data
            if allow(
                "holder-lookup-phone",
                phone_key(data["phone"]),
                limit=LOOKUP_LIMIT_PER_PHONE,
                window_seconds=LOOKUP_WINDOW_SECONDS,
            ):
                found = certificates_for_holder(
                    phone=data["phone"], full_name=data["full_name"], birth_year=data["birth_year"]
                )
                context["searched"] = True
                context["found"] = [(cert, holder_links(cert)) for cert in found]
            else:
                context["limited"], status = True, 429
    response = render(request, "certification/holder_lookup.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response
