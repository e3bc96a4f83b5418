"""Placement sessions: self mode, kiosk mode with a volunteer, "Tôi không biết",
pause and resume, and results with confidence and a per-area profile."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from contest.placement import services
from contest.placement.models import PlacementResponse, PlacementSession
from tests.contest_fixtures import person, publish_bank

pytestmark = pytest.mark.django_db

SELF_FORM = {
    "full_name": "Hoàng Văn Páo",
    "phone": "0912345000",
    "birth_year": "1968",
    "commune": "02647",
    "target_group": "resident",
}


@pytest.fixture
def bank() -> None:
    publish_bank(40, prefix="place")


def key(session: PlacementSession) -> list[int]:
    version = session.current_version
    assert version is not None
    return [o.pk for o in version.options.all() if o.is_correct]


def answer_all(client, token: str, *, right: bool) -> int:
    steps = 0
    while True:
        session = PlacementSession.objects.get(token=token)
        if not session.is_active:
            return steps
        position = session.responses.count() + 1
        data: dict[str, object] = {"position": position}
        if right:
            data["choice"] = key(session)[0]
        else:
            data["action"] = "dont_know"
        client.post(f"/xep-muc/{token}/", data)
        steps += 1
        assert steps <= 30


def test_a_resident_takes_a_placement_test_on_their_own_phone(client, bank) -> None:
    response = client.post("/xep-muc/", SELF_FORM)
    session = PlacementSession.objects.get()
    assert response["Location"] == f"/xep-muc/{session.token}/"
    page = client.get(response["Location"]).content.decode()
    assert "Câu hỏi làm quen" in page  # unscored, before the first scored question
    response = client.post(f"/xep-muc/{session.token}/", {"action": "begin"})
    page = client.get(response["Location"]).content.decode()
    assert "Tôi không biết" in page and "Câu 1" in page
    steps = answer_all(client, session.token, right=True)
    session.refresh_from_db()
    assert session.status == "finished"
    assert 10 <= steps <= 25 and session.items_answered == steps
    assert session.level_rank and session.level_rank >= 3
    assert session.confidence and session.confidence >= 0.75
    assert session.certificate_eligible and session.mode == "self"
    result = client.get(f"/xep-muc/{session.token}/ket-qua/").content.decode()
    assert session.level is not None and session.level.name in result
    assert "độ tin cậy" in result


def test_i_dont_know_everywhere_places_below_the_first_level(client, bank) -> None:
    client.post("/xep-muc/", SELF_FORM)
    session = PlacementSession.objects.get()
    answer_all(client, session.token, right=False)
    session.refresh_from_db()
    assert session.level_rank == 0 and session.level is None
    assert not session.certificate_eligible
    assert (
        PlacementResponse.objects.filter(session=session, dont_know=True).count()
        == session.items_answered
    )
    page = client.get(f"/xep-muc/{session.token}/ket-qua/").content.decode()
    assert "Chưa đạt Cơ bản 1" in page
    assert "Nên học thêm" in page


def test_kiosk_mode_records_the_volunteer_and_the_assisted_flag(client, bank) -> None:
    volunteer = User.objects.create_user("tnv")
    volunteer.groups.add(Group.objects.get(name="volunteer"))
    client.force_login(volunteer)
    form = {**SELF_FORM, "phone": "", "assisted": "on"}  # an elderly resident without a phone
    response = client.post("/xep-muc/tram/", form)
    session = PlacementSession.objects.get()
    assert response["Location"] == f"/xep-muc/{session.token}/trao-may/"
    assert "Bắt đầu làm bài" in client.get(response["Location"]).content.decode()
    assert (session.mode, session.volunteer, session.assisted) == ("kiosk", volunteer, True)
    answer_all(client, session.token, right=True)
    session.refresh_from_db()
    assert session.level_rank and not session.certificate_eligible  # assisted: no skill certificate
    # the same resident found again by name, birth year and commune
    client.post("/xep-muc/tram/", {**SELF_FORM, "phone": ""})
    assert PlacementSession.objects.values("participant").distinct().count() == 1


def test_the_kiosk_needs_a_volunteer(client, bank) -> None:
    assert client.get("/xep-muc/tram/").status_code == 302
    client.force_login(User.objects.create_user("eve"))
    assert client.get("/xep-muc/tram/").status_code == 403


def test_pause_resume_and_reload_keep_the_same_question(client, bank) -> None:
    client.post("/xep-muc/", SELF_FORM)
    session = PlacementSession.objects.get()
    client.post(f"/xep-muc/{session.token}/", {"position": 1, "choice": key(session)[0]})
    session.refresh_from_db()
    current = session.current_version_id
    client.get(f"/xep-muc/{session.token}/")
    session.refresh_from_db()
    assert session.current_version_id == current  # a reload does not skip the question
    client.post(f"/xep-muc/{session.token}/", {"action": "pause"})
    assert "tạm dừng" in client.get(f"/xep-muc/{session.token}/").content.decode()
    client.post(f"/xep-muc/{session.token}/tiep-tuc/")
    session.refresh_from_db()
    assert session.status == "in_progress" and session.current_version_id == current
    # registering again (another device) resumes the same session
    client.post("/xep-muc/", SELF_FORM)
    assert PlacementSession.objects.count() == 1


def test_a_double_tap_records_one_answer(bank) -> None:
    session = services.session_start(participant=person())
    choice = key(session)
    services.session_answer(session=session, position=1, choice=choice)
    services.session_answer(session=session, position=1, choice=choice)
    assert PlacementResponse.objects.filter(session=session).count() == 1


def test_the_first_question_is_an_easy_warm_up(bank) -> None:
    session = services.session_start(participant=person())
    first = session.current_version
    assert first is not None and first.irt_b <= 0.0  # P(correct) ≈ 0.8 at the resident prior


def test_an_eligible_result_gives_one_signed_certificate(client, bank, settings, tmp_path) -> None:
    from certification.keys import ensure_keys
    from certification.models import Certificate
    from certification.verification import certificate_verify_qr

    settings.CERT_KEY_DIR = tmp_path
    client.post("/xep-muc/", SELF_FORM)
    session = PlacementSession.objects.get()
    answer_all(client, session.token, right=True)
    page = client.get(f"/xep-muc/{session.token}/ket-qua/").content.decode()
    assert "Nhận chứng nhận" in page
    refused = client.post(f"/chung-nhan/xep-muc/{session.token}/", follow=True)
    assert "chưa sẵn sàng cấp chứng nhận" in refused.content.decode()  # no keys yet
    ensure_keys()
    first = client.post(f"/chung-nhan/xep-muc/{session.token}/")
    again = client.post(f"/chung-nhan/xep-muc/{session.token}/")
    certificate = Certificate.objects.get()
    assert first["Location"].startswith(f"/chung-nhan/{certificate.serial}/?ma=")
    assert again["Location"] == first["Location"]
    printed = client.get(first["Location"]).content.decode()
    assert "Hoàng Văn Páo" in printed
    assert certificate_verify_qr(certificate.qr_text).status == "valid"
