"""The language a participant chooses is remembered on them: it follows them to
another device when they identify there, and a shared tablet's last language does
not stick to the next person."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from community.models import Participant
from contest.placement.models import PlacementSession
from tests.contest_fixtures import open_contest, person, publish_bank

pytestmark = pytest.mark.django_db

MAI = {
    "full_name": "Sùng Thị Mai",
    "phone": "0987 654 321",
    "commune": "02647",
    "target_group": "resident",
}
LU = {**MAI, "full_name": "Giàng A Lử", "phone": "0912 000 001"}


@pytest.fixture
def contest():
    publish_bank(12)
    return open_contest()


def identify(client: Client, slug: str, who: dict[str, str]):
    return client.post(f"/thi/{slug}/dang-ky/", who)


def choose(client: Client, code: str, next_url: str = "/thi/"):
    return client.post("/i18n/setlang/", {"language": code, "next": next_url})


def test_a_choice_made_after_identifying_is_stored_on_the_participant(client, contest) -> None:
    identify(client, contest.slug, MAI)
    mai = Participant.objects.get(full_name=MAI["full_name"])
    assert (mai.preferred_language, mai.language_chosen_at) == ("vi", None)
    choose(client, "hmn")
    mai.refresh_from_db()
    assert mai.preferred_language == "hmn" and mai.language_chosen_at is not None


def test_it_follows_the_participant_to_another_device(client, contest) -> None:
    identify(client, contest.slug, MAI)
    choose(client, "hmn")
    other_phone = Client()
    response = identify(other_phone, contest.slug, MAI)
    assert response.cookies["django_language"].value == "hmn"
    page = other_phone.get(response["Location"]).content.decode()
    assert 'lang="hmn">Hmoob</span></summary>' in page  # the switch shows H'Mông as current


def test_a_choice_made_before_identifying_is_remembered_for_a_first_timer(client, contest) -> None:
    choose(client, "tay")
    response = identify(client, contest.slug, MAI)
    assert "django_language" not in response.cookies  # the device already shows Tày
    mai = Participant.objects.get(full_name=MAI["full_name"])
    assert mai.preferred_language == "tay" and mai.language_chosen_at is not None


def test_on_a_shared_device_the_last_persons_language_does_not_stick(client, contest) -> None:
    lu = person("Giàng A Lử", "0912000001")
    # Lử chose Vietnamese before, deliberately: it is brought back, not the tablet's H'Mông.
    lu_client = Client()
    identify(lu_client, contest.slug, LU)
    choose(lu_client, "vi")
    client.cookies["django_language"] = "hmn"  # the last person on this tablet
    response = identify(client, contest.slug, LU)
    assert response.cookies["django_language"].value == "vi"
    lu.refresh_from_db()
    assert lu.preferred_language == "vi"


def test_a_language_recorded_for_the_person_is_used_when_they_arrive(client, contest) -> None:
    person("Sùng Thị Mai", "0987654321", preferred_language="dao")
    response = identify(client, contest.slug, MAI)
    assert response.cookies["django_language"].value == "dao"


def test_switching_without_having_identified_stores_nothing(client, contest) -> None:
    mai = person("Sùng Thị Mai", "0987654321")
    choose(client, "hmn")
    mai.refresh_from_db()
    assert (mai.preferred_language, mai.language_chosen_at) == ("vi", None)


def test_placement_on_ones_own_phone_remembers_the_language_too(client) -> None:
    publish_bank(40, prefix="place")
    form = {**MAI, "birth_year": "1968"}
    client.post("/xep-muc/", form)
    session = PlacementSession.objects.get()
    choose(client, "giay", f"/xep-muc/{session.token}/")
    assert Participant.objects.get(pk=session.participant_id).preferred_language == "giay"
    tablet = Client()
    response = tablet.post("/xep-muc/", form)
    assert response.cookies["django_language"].value == "giay"


def test_a_volunteer_sets_the_residents_language_at_the_kiosk(client) -> None:
    publish_bank(40, prefix="place")
    volunteer = User.objects.create_user("tnv")
    volunteer.groups.add(Group.objects.get(name="volunteer"))
    client.force_login(volunteer)
    client.cookies["django_language"] = "en"  # the volunteer's own choice on the tablet
    form = {**MAI, "phone": "", "birth_year": "1961", "language": "hmn"}
    response = client.post("/xep-muc/tram/", form)
    assert response.cookies["django_language"].value == "hmn"
    mai = Participant.objects.get(full_name=MAI["full_name"])
    assert mai.preferred_language == "hmn" and mai.language_chosen_at is not None
    handover = client.get(response["Location"]).content.decode()
    assert "Nyob zoo Sùng Thị Mai!" in handover  # the H'Mông glossary's greeting


def test_the_kiosk_tablet_does_not_pass_the_last_persons_language_on(client) -> None:
    publish_bank(40, prefix="place")
    volunteer = User.objects.create_user("tnv")
    volunteer.groups.add(Group.objects.get(name="volunteer"))
    client.force_login(volunteer)
    client.cookies["django_language"] = "hmn"  # the resident before
    form = {**MAI, "phone": "", "birth_year": "1961", "language": ""}  # "Như lần trước"
    response = client.post("/xep-muc/tram/", form)
    assert response.cookies["django_language"].value == "vi"
    mai = Participant.objects.get(full_name=MAI["full_name"])
    assert mai.language_chosen_at is None  # nothing was chosen for her
    Participant.objects.filter(pk=mai.pk).update(preferred_language="tay")
    response = client.post("/xep-muc/tram/", form)  # she comes back another day
    assert response.cookies["django_language"].value == "tay"
