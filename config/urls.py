from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from certification.urls import api_urlpatterns as certification_api
from community.api import CommuneListApi
from contest.urls import api_urlpatterns as contest_api
from frontend_templates.views import home
from indicators.urls import api_urlpatterns as indicators_api
from question_banks.urls import api_urlpatterns as bank_api

api_v1 = [
    path("communes/", CommuneListApi.as_view(), name="api_commune_list"),
    *bank_api,
    *contest_api,
    *certification_api,
    *indicators_api,
]

urlpatterns = [
    path("", home, name="home"),
    path("", include("question_banks.urls")),
    path("", include("contest.urls")),
    path("", include("certification.urls")),
    path("", include("indicators.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
