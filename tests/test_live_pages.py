"""The pages of live games (Django test client): joining by PIN and nickname with no
script, the play page drawn from a snapshot, and the organiser's pages with their
permissions: the host screen is for the game's host only."""

from __future__ import annotations

import json
import re

import pytest
import segno
from django.contrib.auth.models import Group, User
from django.test import Client

from community.models import Commune
from community.roles import Role
from contest.live import services
from contest.live.commands import Start
from contest.live.consumers import COOKIE_PREFIX
from contest.live.models import LiveContest, LiveGame, LivePlayer
from tests.contest_fixtures import publish_bank
from tests.live_support import make_game

pytestmark = pytest.mark.django_db


@pytest.fixture
def frank(db: None) -> User:
    """Frank organises too, in another commune."""
    user = User.objects.create_user("frank", password="pw-frank")
    user.groups.add(Group.objects.get(name=Role.ORGANISER.value))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def game(dave: User) -> LiveGame:
    game = make_game(dave, questions=2)
    services.run(lambda: services.open_game(game))
    game.refresh_from_db()
    return game


def _join(client: Client, game: LiveGame, nickname: str, **extra: str):
    return client.post(f"/choi/{game.pin}/tham-gia/", {"nickname": nickname, **extra})


def _page(response) -> str:
    return response.content.decode()


# --- the PIN ---------------------------------------------------------------------


def test_the_pin_page_asks_for_the_pin_with_a_numeric_keypad(client: Client) -> None:
    page = _page(client.get("/choi/"))
    assert 'inputmode="numeric"' in page
    assert "Nhập mã PIN trên màn hình lớn" in page


@pytest.mark.parametrize(
    ("pin", "reason"),
    [
        ("12ab56", "Mã PIN gồm 6 chữ số"),
        ("1234", "Mã PIN gồm 6 chữ số"),
        ("000000", "Không có trò chơi nào đang mở với mã PIN này."),
    ],
)
def test_a_wrong_pin_is_explained_in_vietnamese(client: Client, game, pin, reason) -> None:
    if pin == game.pin:
        pytest.skip("the random PIN happens to be the one tried")
    response = client.get("/choi/", {"pin": pin})
    assert response.status_code == 400
    assert reason in _page(response)
    assert 'aria-invalid="true"' in _page(response)


def test_a_pin_typed_with_spaces_leads_to_the_nickname_form(client: Client, game) -> None:
    spaced = f"{game.pin[:3]} {game.pin[3:]}"
    response = client.get("/choi/", {"pin": spaced})
    assert response.status_code == 302 and response["Location"] == f"/choi/{game.pin}/"
    page = _page(client.get(response["Location"]))
    assert "Chọn biệt danh" in page and game.title in page
    assert "Chọn tên ngẫu nhiên" in page


def test_a_game_not_yet_open_or_finished_cannot_be_joined(client: Client, dave) -> None:
    draft = make_game(dave, questions=1)
    response = client.get(f"/choi/{draft.pin}/")
    assert response.status_code == 404
    assert "Không có trò chơi nào đang mở với mã PIN này." in _page(response)
    assert client.post(f"/choi/{draft.pin}/tham-gia/", {"nickname": "Mai"}).status_code == 404


def test_the_random_name_button_fills_in_a_friendly_nickname(client: Client, game) -> None:
    page = _page(client.get(f"/choi/{game.pin}/", {"ten": "ngau-nhien"}))
    value = re.search(r'name="nickname" value="([^"]+)"', page)
    assert value is not None and re.fullmatch(r"[\w ]+ \d\d", value.group(1))


# --- joining ---------------------------------------------------------------------


def test_joining_sets_the_player_cookie_and_opens_the_play_page(client: Client, game) -> None:
    response = _join(client, game, "  Giàng   A Lử ")
    assert response.status_code == 302
    assert response["Location"] == f"/choi/tro-choi/{game.key}/"
    cookie = response.cookies[COOKIE_PREFIX + game.key]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    player_id = services.player_from_token(game.key, cookie.value)
    player = LivePlayer.objects.get(game=game, player_id=player_id)
    assert player.nickname == "Giàng A Lử"

    page = _page(client.get(response["Location"]))
    assert "Giàng A Lử" in page and "Bạn đã vào phòng chờ" in page
    assert "js/live-player.js" in page
    found = re.search(r'id="live-boot"[^>]*>(.*?)</script>', page, re.S)
    assert found is not None
    boot = json.loads(found.group(1))
    assert boot["ws"] == f"/ws/live/{game.key}/play/"
    assert boot["snapshot"]["me"]["player_id"] == player_id
    # Coming back to the join link with the cookie goes straight to the game.
    again = client.get(f"/choi/{game.pin}/")
    assert again.status_code == 302 and again["Location"] == f"/choi/tro-choi/{game.key}/"


def test_a_rude_nickname_is_refused_and_nothing_is_joined(client: Client, game) -> None:
    response = _join(client, game, "Đ.M")
    assert response.status_code == 400
    assert "Biệt danh này không phù hợp. Hãy chọn tên khác." in _page(response)
    assert COOKIE_PREFIX + game.key not in response.cookies
    assert not LivePlayer.objects.filter(game=game).exists()


def test_a_nickname_taken_in_this_game_is_refused(game) -> None:
    assert _join(Client(), game, "Mai").status_code == 302
    response = _join(Client(), game, "  mai ")
    assert response.status_code == 400
    assert "Biệt danh này đã có người dùng. Hãy chọn tên khác." in _page(response)
    assert COOKIE_PREFIX + game.key not in response.cookies
    assert LivePlayer.objects.filter(game=game).count() == 1


def test_an_empty_nickname_is_refused(client: Client, game) -> None:
    response = _join(client, game, "   ")
    assert response.status_code == 400
    assert 'class="msg error"' in _page(response)


def test_a_commune_team_is_chosen_from_the_list(client: Client, dave) -> None:
    game = make_game(dave, questions=1, team_mode=LiveGame.TeamMode.COMMUNE)
    services.run(lambda: services.open_game(game))
    page = _page(client.get(f"/choi/{game.pin}/"))
    assert "Xã, phường của bạn" in page and "<select" in page
    missing = _join(client, game, "Seo")
    assert missing.status_code == 400
    commune = Commune.objects.get(code="02647")
    assert _join(client, game, "Seo", team=commune.code).status_code == 302
    player = LivePlayer.objects.get(game=game)
    assert player.team == commune.name and player.commune_id == commune.code


def test_the_play_page_without_a_player_cookie_sends_one_to_join(client: Client, game) -> None:
    response = client.get(f"/choi/tro-choi/{game.key}/")
    assert response.status_code == 302 and response["Location"] == f"/choi/{game.pin}/"
    client.cookies[COOKIE_PREFIX + game.key] = "forged"
    assert client.get(f"/choi/tro-choi/{game.key}/")["Location"] == f"/choi/{game.pin}/"


def test_the_play_page_shows_the_running_question_without_its_key(client: Client, game) -> None:
    _join(client, game, "Lử")
    services.run(lambda: services.command(game.key, Start()))
    page = _page(client.get(f"/choi/tro-choi/{game.key}/"))
    assert "Câu hỏi số 0?" in page  # the first question of the test bank
    assert "Câu 1/2" in page
    assert page.count('class="live-opt ') == 3
    assert "correct" not in page and "Vì đó là đáp án đúng" not in page


# --- organisers ------------------------------------------------------------------


def test_organiser_pages_need_a_login_and_the_role(client: Client, eve, game) -> None:
    for url in ("/to-chuc/truc-tiep/", "/to-chuc/truc-tiep/moi/", f"/trinh-chieu/{game.key}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(eve)
    for url in ("/to-chuc/truc-tiep/", "/to-chuc/truc-tiep/moi/", f"/trinh-chieu/{game.key}/"):
        assert client.get(url).status_code == 403


def test_another_organiser_cannot_open_or_drive_someone_elses_game(
    client: Client, frank, game
) -> None:
    client.force_login(frank)
    assert game.title not in _page(client.get("/to-chuc/truc-tiep/"))
    for url in (
        f"/trinh-chieu/{game.key}/",
        f"/trinh-chieu/{game.key}/nguoi-choi/",
        f"/to-chuc/truc-tiep/{game.key}/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/to-chuc/truc-tiep/{game.key}/mo-phong-cho/").status_code == 403


def test_the_host_screen_shows_the_pin_the_qr_code_and_the_controls(
    client: Client, dave, game
) -> None:
    client.force_login(dave)
    page = _page(client.get(f"/trinh-chieu/{game.key}/"))
    assert f"{game.pin[:3]}&nbsp;{game.pin[3:]}" in page
    # The QR code is the join link with the PIN, drawn on the server.
    join_qr = segno.make(f"http://testserver/choi/{game.pin}/", error="m")
    assert join_qr.svg_inline(scale=10, border=2, dark="#000", light="#fff", omitsize=True) in page
    for label in ("Bắt đầu", "Hiện đáp án", "Bảng xếp hạng", "+10 giây", "Kết thúc trò chơi"):
        assert label in page
    assert "js/live-host.js" in page


def test_the_host_gets_the_player_list_for_kicking(client: Client, dave, game) -> None:
    _join(Client(), game, "Mai")
    _join(Client(), game, "Seo")
    client.force_login(dave)
    body = client.get(f"/trinh-chieu/{game.key}/nguoi-choi/").json()
    assert sorted(p["nickname"] for p in body["players"]) == ["Mai", "Seo"]


def test_a_game_is_opened_from_its_page_and_then_hosted(client: Client, dave) -> None:
    game = make_game(dave, questions=2)
    client.force_login(dave)
    assert client.get(f"/trinh-chieu/{game.key}/")["Location"] == f"/to-chuc/truc-tiep/{game.key}/"
    detail = _page(client.get(f"/to-chuc/truc-tiep/{game.key}/"))
    assert "Mở phòng chờ" in detail
    response = client.post(f"/to-chuc/truc-tiep/{game.key}/mo-phong-cho/")
    assert response["Location"] == f"/trinh-chieu/{game.key}/"
    game.refresh_from_db()
    assert game.status == LiveGame.Status.OPEN
    # A second click opens nothing twice.
    assert client.post(f"/to-chuc/truc-tiep/{game.key}/mo-phong-cho/").status_code == 302
    assert client.get(f"/choi/{game.pin}/").status_code == 200


# --- creating a game -------------------------------------------------------------


def _game_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Đố vui ngày hội 10/10",
        "scoring_mode": "speed",
        "time_limit_seconds": 20,
        "read_seconds": 5,
        "team_mode": "",
        "venue": "Nhà văn hóa thôn Lùng Vai",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "Hãy đánh dấu các câu hỏi, hoặc nhập số câu chọn ngẫu nhiên."),
        ({"time_limit_seconds": 3, "random_count": 2}, "Thời gian mỗi câu từ 5 đến 120 giây."),
        ({"read_seconds": 45, "random_count": 2}, "Thời gian đọc câu hỏi tối đa 30 giây."),
        ({"random_count": 99}, "Một trò chơi có tối đa 50 câu hỏi."),
        ({"random_count": 40}, "Chỉ có 6 câu phù hợp với bộ lọc."),
        ({"title": "", "random_count": 2}, "Trường này là bắt buộc."),
    ],
)
def test_a_new_game_with_bad_settings_is_refused_with_a_reason(
    client: Client, dave, overrides, message
) -> None:
    publish_bank(6, prefix="new")
    client.force_login(dave)
    response = client.post("/to-chuc/truc-tiep/moi/", _game_data(**overrides))
    assert response.status_code == 200
    assert message in _page(response)
    assert not LiveGame.objects.exists()


def test_a_new_game_from_ticked_questions(client: Client, dave) -> None:
    versions = publish_bank(6, prefix="new")
    client.force_login(dave)
    picked = [versions[4].pk, versions[1].pk]
    response = client.post("/to-chuc/truc-tiep/moi/", _game_data(questions=picked))
    game = LiveGame.objects.get()
    assert response["Location"] == f"/to-chuc/truc-tiep/{game.key}/"
    assert game.host == dave and game.status == LiveGame.Status.DRAFT
    assert sorted(game.questions.values_list("version_id", flat=True)) == sorted(picked)
    assert game.venue == "Nhà văn hóa thôn Lùng Vai" and game.read_seconds == 5


def test_a_new_game_drawn_at_random_from_a_filter(client: Client, dave) -> None:
    versions = publish_bank(8, prefix="draw")  # tags alternate "even" and "odd"
    client.force_login(dave)
    shown = _page(client.get("/to-chuc/truc-tiep/moi/", {"tag": "odd"}))
    assert "Câu hỏi số 1?" in shown and "Câu hỏi số 2?" not in shown
    response = client.post("/to-chuc/truc-tiep/moi/?tag=odd", _game_data(random_count=3))
    assert response.status_code == 302
    drawn = set(LiveGame.objects.get().questions.values_list("version_id", flat=True))
    odd = {v.pk for i, v in enumerate(versions) if i % 2}
    assert len(drawn) == 3 and drawn <= odd


def test_a_new_game_may_start_a_multi_venue_contest(client: Client, dave) -> None:
    publish_bank(3, prefix="venue")
    client.force_login(dave)
    data = _game_data(random_count=2, new_live_contest="Ngày hội toàn tỉnh 10/10")
    assert client.post("/to-chuc/truc-tiep/moi/", data).status_code == 302
    contest = LiveContest.objects.get()
    assert contest.created_by == dave and LiveGame.objects.get().live_contest == contest
    both = _game_data(random_count=2, live_contest=contest.pk, new_live_contest="Thêm")
    response = client.post("/to-chuc/truc-tiep/moi/", both)
    assert "không chọn cả hai" in _page(response)
