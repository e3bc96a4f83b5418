from __future__ import annotations

from django.urls import path

from question_banks import api, views
from question_banks.read_aloud import views as read_aloud_views

urlpatterns = [
    path("bank/", views.bank_list, name="bank_list"),
    path("bank/new/", views.question_new, name="question_new"),
    path("bank/import/", views.bank_import, name="bank_import"),
    path("bank/review/", views.review_queue, name="review_queue"),
    path("bank/q/<slug:key>/", views.question_detail, name="question_detail"),
    path("bank/q/<slug:key>/edit/", views.question_edit, name="question_edit"),
    path(
        "bank/q/<slug:key>/v<int:number>/preview/", views.question_preview, name="question_preview"
    ),
    path(
        "bank/q/<slug:key>/v<int:number>/audio/",
        read_aloud_views.version_audio,
        name="question_audio",
    ),
    path(
        "bank/q/<slug:key>/v<int:number>/audio/<int:pk>/delete/",
        read_aloud_views.recording_delete,
        name="question_audio_delete",
    ),
    path("bank/q/<slug:key>/<slug:action>/", views.question_action, name="question_action"),
]

api_urlpatterns = [
    path("questions/", api.QuestionListApi.as_view(), name="api_question_list"),
    path("questions/create/", api.QuestionCreateApi.as_view(), name="api_question_create"),
    path("questions/import/", api.QuestionImportApi.as_view(), name="api_question_import"),
    path("questions/export/", api.QuestionExportApi.as_view(), name="api_question_export"),
    path("questions/<slug:key>/", api.QuestionDetailApi.as_view(), name="api_question_detail"),
    path("questions/<slug:key>/edit/", api.QuestionEditApi.as_view(), name="api_question_edit"),
    path(
        "questions/<slug:key>/submit/", api.QuestionSubmitApi.as_view(), name="api_question_submit"
    ),
    path(
        "questions/<slug:key>/approve/",
        api.QuestionApproveApi.as_view(),
        name="api_question_approve",
    ),
    path(
        "questions/<slug:key>/request-changes/",
        api.QuestionRequestChangesApi.as_view(),
        name="api_question_request_changes",
    ),
    path(
        "questions/<slug:key>/retire/", api.QuestionRetireApi.as_view(), name="api_question_retire"
    ),
    path(
        "questions/<slug:key>/translations/",
        api.TranslationSaveApi.as_view(),
        name="api_translation_save",
    ),
    path("frameworks/", api.FrameworkListApi.as_view(), name="api_framework_list"),
]
