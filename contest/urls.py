from __future__ import annotations

from django.urls import path

from contest.asynchronous import api, organiser_views, views
from contest.live import leaderboard_views as live_leaderboard
from contest.live import organiser_views as live_organiser
from contest.live import views as live
from contest.placement import views as placement
from contest.practice import views as practice

urlpatterns = [
    path("xep-muc/", placement.placement_home, name="placement_home"),
    path("xep-muc/tram/", placement.kiosk, name="placement_kiosk"),
    path("xep-muc/<str:token>/", placement.question, name="placement_question"),
    path("xep-muc/<str:token>/trao-may/", placement.handover, name="placement_handover"),
    path("xep-muc/<str:token>/tiep-tuc/", placement.resume, name="placement_resume"),
    path("xep-muc/<str:token>/ket-qua/", placement.result, name="placement_result"),
    path("luyen-tap/", practice.practice_home, name="practice_home"),
    path("luyen-tap/bat-dau/", practice.practice_begin, name="practice_begin"),
    path("luyen-tap/cau-hoi/", practice.practice_question, name="practice_question"),
    path("luyen-tap/tong-ket/", practice.practice_summary, name="practice_summary"),
    path("thi/", views.contest_list, name="contest_list"),
    path("thi/<slug:slug>/", views.contest_detail, name="contest_detail"),
    path("thi/<slug:slug>/dang-ky/", views.identify, name="contest_identify"),
    path("thi/<slug:slug>/bat-dau/", views.start, name="contest_start"),
    path("thi/<slug:slug>/ket-qua/", views.public_results, name="contest_results"),
    path(
        "bai-thi/<str:token>/cau/<int:position>/", views.attempt_question, name="attempt_question"
    ),
    path("bai-thi/<str:token>/nop-bai/", views.attempt_submit, name="attempt_submit"),
    path("bai-thi/<str:token>/ket-qua/", views.attempt_result, name="attempt_result"),
    path("to-chuc/thi/", organiser_views.organiser_contest_list, name="organiser_contest_list"),
    path("to-chuc/thi/moi/", organiser_views.organiser_contest_new, name="organiser_contest_new"),
    path("to-chuc/thi/<slug:slug>/", organiser_views.organiser_contest, name="organiser_contest"),
    path(
        "to-chuc/thi/<slug:slug>/sua/",
        organiser_views.organiser_contest_edit,
        name="organiser_contest_edit",
    ),
    path(
        "to-chuc/thi/<slug:slug>/xuat/<slug:kind>.<slug:fmt>",
        organiser_views.organiser_export,
        name="organiser_export",
    ),
    path(
        "to-chuc/thi/<slug:slug>/<slug:action>/",
        organiser_views.organiser_contest_action,
        name="organiser_contest_action",
    ),
    # Live games: players (PIN, nickname, play page), organisers, the projector.
    path(
        "truc-tiep/<slug:slug>/xep-hang/",
        live_leaderboard.combined_leaderboard,
        name="live_combined_leaderboard",
    ),
    path("choi/", live.live_pin, name="live_pin"),
    path("choi/tro-choi/<slug:key>/", live.live_play, name="live_play"),
    path("choi/<str:pin>/", live.live_join, name="live_join"),
    path("choi/<str:pin>/tham-gia/", live.live_join_submit, name="live_join_submit"),
    path("to-chuc/truc-tiep/", live_organiser.live_game_list, name="live_game_list"),
    path("to-chuc/truc-tiep/moi/", live_organiser.live_game_new, name="live_game_new"),
    path("to-chuc/truc-tiep/<slug:key>/", live_organiser.live_game_detail, name="live_game_detail"),
    path(
        "to-chuc/truc-tiep/<slug:key>/mo-phong-cho/",
        live_organiser.live_game_open,
        name="live_game_open",
    ),
    path("trinh-chieu/<slug:key>/", live_organiser.live_host, name="live_host"),
    path(
        "trinh-chieu/<slug:key>/nguoi-choi/",
        live_organiser.live_host_players,
        name="live_host_players",
    ),
]

api_urlpatterns = [
    path("contests/<slug:slug>/attempts/", api.AttemptStartApi.as_view(), name="api_attempt_start"),
    path("attempts/<str:token>/", api.AttemptDetailApi.as_view(), name="api_attempt_detail"),
    path("attempts/<str:token>/answers/", api.AnswerSaveApi.as_view(), name="api_answer_save"),
    path("attempts/<str:token>/submit/", api.AttemptSubmitApi.as_view(), name="api_attempt_submit"),
]
