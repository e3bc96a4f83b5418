"""Question translations for the participant's language: shown when a native speaker
has reviewed them, with the Vietnamese original one tap away; Vietnamese when there
is none. And the icons beside answer options.

The "translations" here are made-up markers ("[hmn] …"), not H'Mông."""

from __future__ import annotations

import re

import pytest

from contest.asynchronous import services
from contest.asynchronous.models import Attempt
from contest.asynchronous.presentation import shown_question
from contest.placement.models import PlacementSession
from question_banks import services as bank_services
from question_banks.models import QuestionVersion, Translation
from question_banks.question_data import OptionData, QuestionData
from tests.contest_fixtures import open_contest, person, publish_bank

pytestmark = pytest.mark.django_db

REVIEWED = Translation.ReviewState.REVIEWED


def translate(
    version: QuestionVersion, language: str = "hmn", state: str = REVIEWED, **changes: object
) -> Translation:
    options = [f"[{language}] {o.text}" for o in version.options.order_by("position")]
    fields: dict[str, object] = {
        "stem": f"[{language}] {version.stem}",
        "options": options,
        "explanation": f"[{language}] {version.explanation}",
        "review_state": state,
    }
    fields.update(changes)
    return Translation.objects.create(version=version, language=language, **fields)


@pytest.fixture
def attempt() -> Attempt:
    publish_bank(5)
    contest = open_contest(shuffle_questions=False)
    return services.attempt_start(contest=contest, participant=person())


def question_page(client, attempt: Attempt, language: str = "hmn", position: int = 1) -> str:
    client.cookies["django_language"] = language
    return client.get(f"/bai-thi/{attempt.token}/cau/{position}/").content.decode()


def test_a_reviewed_translation_is_shown_with_the_vietnamese_one_tap_away(client, attempt) -> None:
    version = attempt.questions.get(position=1).version
    translate(version)
    page = question_page(client, attempt)
    assert f'<legend class="q-stem" lang="hmn">[hmn] {version.stem}</legend>' in page
    for option in version.options.all():
        assert f'<span lang="hmn">[hmn] {option.text}</span>' in page
    # The original: one tap on a <details> (no script), marked as Vietnamese.
    original = re.search(r'<details class="original">.*?</details>', page, re.S)
    assert original is not None
    assert "Xem câu hỏi bằng tiếng Việt" not in original.group(0)  # the H'Mông glossary's words
    assert "<summary>Saib lus Nyab Laj</summary>" in original.group(0)
    assert f'<div lang="vi"><p><strong>{version.stem}</strong></p>' in original.group(0)
    for option in version.options.all():
        assert f"<li>{option.text}</li>" in original.group(0)


def test_the_original_lists_the_options_in_the_order_shown(client, attempt) -> None:
    question = attempt.questions.get(position=1)
    translate(question.version)
    page = question_page(client, attempt)
    texts = dict(question.version.options.values_list("pk", "text"))
    shown = re.findall(r'name="choice" value="(\d+)"', page)
    listed = re.findall(r"<li>(.*?)</li>", page.split('<details class="original">')[1])
    assert [int(pk) for pk in shown] == question.option_order
    assert listed == [texts[pk] for pk in question.option_order]


@pytest.mark.parametrize(
    "language, state",
    [("hmn", Translation.ReviewState.NEEDS_REVIEW), ("hmn", Translation.ReviewState.DRAFT)],
)
def test_an_unreviewed_translation_is_not_shown(client, attempt, language, state) -> None:
    version = attempt.questions.get(position=1).version
    translate(version, language, state)
    page = question_page(client, attempt, language)
    assert f'<legend class="q-stem" lang="vi">{version.stem}</legend>' in page
    assert "[hmn]" not in page and 'class="original"' not in page


def test_a_missing_translation_falls_back_to_vietnamese(client, attempt) -> None:
    version = attempt.questions.get(position=1).version
    translate(version, "tay")  # another language has one; H'Mông has none
    page = question_page(client, attempt, "hmn")
    assert f'<legend class="q-stem" lang="vi">{version.stem}</legend>' in page
    assert "[tay]" not in page and 'class="original"' not in page


def test_an_incomplete_translation_falls_back_to_vietnamese(client, attempt) -> None:
    version = attempt.questions.get(position=1).version
    translate(version, options=["[hmn] một", "[hmn] hai"])  # three options, two texts
    page = question_page(client, attempt)
    assert f'<legend class="q-stem" lang="vi">{version.stem}</legend>' in page


def test_vietnamese_and_english_readers_see_their_own(client, attempt) -> None:
    version = attempt.questions.get(position=1).version
    translate(version)
    translate(version, "en")
    assert f'lang="vi">{version.stem}</legend>' in question_page(client, attempt, "vi")
    english = question_page(client, attempt, "en")
    assert f'lang="en">[en] {version.stem}</legend>' in english
    assert f'<div lang="vi"><p><strong>{version.stem}</strong></p>' in english


def test_the_placement_question_is_shown_translated(client) -> None:
    from contest.placement import services as placement

    publish_bank(40, prefix="place")
    for version in QuestionVersion.objects.all():
        translate(version, "dao")
    session = placement.session_start(participant=person(birth_year=1968))
    client.cookies["django_language"] = "dao"
    page = client.get(f"/xep-muc/{session.token}/").content.decode()
    current = PlacementSession.objects.get(pk=session.pk).current_version
    assert current is not None
    assert f'<legend class="q-stem" lang="ium">[dao] {current.stem}</legend>' in page
    assert '<span lang="ium">[dao] ' in page  # the big answer buttons
    assert f"<p><strong>{current.stem}</strong></p>" in page  # the original, one tap away


def test_practice_shows_the_translation_and_explains_in_it(client) -> None:
    publish_bank(12)
    for version in QuestionVersion.objects.all():
        translate(version)
    client.cookies["django_language"] = "hmn"
    client.post("/luyen-tap/bat-dau/", {})
    state = client.session["practice"]
    version = QuestionVersion.objects.get(pk=state["version_ids"][0])
    page = client.get("/luyen-tap/cau-hoi/").content.decode()
    assert f'lang="hmn">[hmn] {version.stem}</legend>' in page
    key = version.options.get(is_correct=True)
    page = client.post("/luyen-tap/cau-hoi/", {"choice": [key.pk]}).content.decode()
    assert "Yog lawm!" in page  # "Đúng rồi!" in the H'Mông glossary
    assert f'<span lang="hmn">[hmn] {key.text}</span>' in page
    assert f'<p lang="hmn">[hmn] {version.explanation}</p>' in page


def test_the_contest_api_keeps_the_vietnamese_source(client, attempt) -> None:
    translate(attempt.questions.get(position=1).version)
    client.cookies["django_language"] = "hmn"
    body = client.get(f"/api/v1/attempts/{attempt.token}/").json()
    assert not body["questions"][0]["stem"].startswith("[hmn]")


# --- Icons --------------------------------------------------------------------


def _version(qtype: str, options: list[tuple[str, bool]], *, low_literacy: bool) -> QuestionVersion:
    data = QuestionData(
        key=f"icon-{qtype.replace('_', '-')}-{int(low_literacy)}",
        type=qtype,
        stem="Câu hỏi?",
        options=[OptionData(text, correct) for text, correct in options],
        explanation="Vì vậy.",
        competence="4.2",
        target_groups=["resident"],
        difficulty=0.0,
        tags=["icons"],
        low_literacy=low_literacy,
    )
    return bank_services.question_create(author=None, data=data)


def _icons(version: QuestionVersion) -> dict[str, str]:
    order = list(version.options.order_by("position").values_list("pk", flat=True))
    shown = shown_question(version, order, position=1, chosen=[])
    return {o.text: o.icon for o in shown.options}


def test_true_and_false_get_a_tick_and_a_cross() -> None:
    version = _version("true_false", [("Đúng", True), ("Sai", False)], low_literacy=False)
    assert _icons(version) == {"Đúng": "check", "Sai": "cross"}


def test_options_for_first_time_users_get_a_picture_of_their_topic() -> None:
    options = [
        ("Bấm vào đường link để nhận quà", False),
        ("Gọi điện cho người thân để hỏi lại", True),
        ("Chuyển tiền ngay", False),
        ("Không chuyển tiền", False),
        ("Đến công an xã", False),
        ("Để yên", False),
    ]
    version = _version("single", options, low_literacy=True)
    assert _icons(version) == {
        "Bấm vào đường link để nhận quà": "link",
        "Gọi điện cho người thân để hỏi lại": "call",
        "Chuyển tiền ngay": "money",
        "Không chuyển tiền": "money",  # the topic, never whether it is right
        "Đến công an xã": "shield",
        "Để yên": "",
    }


def test_other_questions_get_no_pictures() -> None:
    version = _version("single", [("Chuyển tiền", False), ("Gọi điện", True)], low_literacy=False)
    assert set(_icons(version).values()) == {""}


def test_a_page_carries_only_the_icons_it_uses(client) -> None:
    version = _version("true_false", [("Đúng", True), ("Sai", False)], low_literacy=False)
    version.status = QuestionVersion.Status.PUBLISHED
    version.save(update_fields=["status"])
    contest = open_contest(questions_per_attempt=1)
    attempt = services.attempt_start(contest=contest, participant=person())
    page = client.get(f"/bai-thi/{attempt.token}/cau/1/").content.decode()
    symbols = re.findall(r'<symbol id="i-([a-z]+)"', page)
    assert sorted(symbols) == ["check", "cross", "globe"]  # the globe: the language switch
    assert page.count('<use href="#i-check">') == 1 and page.count('<use href="#i-cross">') == 1
    assert 'aria-hidden="true" focusable="false"><use href="#i-check">' in page
