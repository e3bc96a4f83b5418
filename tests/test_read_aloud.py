"""Read-aloud: every question and its options can be heard (issue 8).

Generated clips come from Debian's espeak-ng and lame (CI installs both; the
generation tests fail there rather than skip if they are missing). Authors'
recordings win over the generated voice. A page plays only a clip that reads exactly
the text it shows, and loads no audio byte until the person taps the player.
"""

from __future__ import annotations

import array
import html
import io
import json
import os
import re
import subprocess
import wave
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.template import Context, Template

from question_banks import services as bank_services
from question_banks.models import QuestionVersion, ReadAloudClip
from question_banks.question_data import TranslationData
from question_banks.read_aloud import services, speech
from question_banks.read_aloud.script import LeadIns, SpokenQuestion, script, speakable
from question_banks.read_aloud.script import spoken_order as order_of
from tests import browser_support, test_accessibility

pytestmark = pytest.mark.django_db
# Fixtures for the browser test: one Chromium, a phone-sized context, axe-core.
chromium = browser_support.chromium
phone = browser_support.phone
axe_script = test_accessibility.axe_script

VI = speech.VOICES["vi"].words
PLAYER = re.compile(r'<audio controls preload="none" src="(/media/read_aloud/[^"]+)"')


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def speech_tools() -> None:
    missing = speech.tools_missing()
    if missing and os.getenv("CI"):
        pytest.fail(f"CI must install {', '.join(missing)} (.ci/run)")
    if missing:
        pytest.skip(f"needs Debian's {', '.join(missing)}")


def _published(question_data: Any, key: str = "doc-001", **overrides: Any) -> QuestionVersion:
    version = bank_services.question_create(author=None, data=question_data(key, **overrides))
    version.status = QuestionVersion.Status.PUBLISHED
    version.save(update_fields=["status"])
    return version


def _silent_mp3(seconds: float = 1.0) -> bytes:
    """MPEG-1 Layer III frames of silence (128 kbit/s, 44.1 kHz, mono): what a phone's
    recorder might upload, made without any encoder."""
    frame = b"\xff\xfb\x90\xc0" + bytes(413)  # 417 bytes, 1152 samples
    return frame * round(seconds * 44100 / 1152)


def _player_src(page: str) -> str | None:
    """Where the page's read-aloud player would fetch its audio from, if it has one."""
    found = PLAYER.search(page)
    return found.group(1) if found else None


def _audio(*flags: str, **options: str) -> str:
    out = io.StringIO()
    arguments = [*flags, *(f"--{name}={value}" for name, value in options.items())]
    call_command("questions_audio", *arguments, stdout=out)
    return out.getvalue()


def _decoded(mp3: bytes, tmp_path: Path) -> tuple[float, float]:
    """Seconds and loudness (RMS) of the MP3 decoded back to PCM by lame's decoder."""
    source, target = tmp_path / "clip.mp3", tmp_path / "clip.wav"
    source.write_bytes(mp3)
    subprocess.run(["lame", "--quiet", "--decode", str(source), str(target)], check=True)
    with wave.open(str(target)) as reader:
        samples = array.array("h", reader.readframes(reader.getnframes()))
        seconds = reader.getnframes() / reader.getframerate()
    return seconds, (sum(s * s for s in samples) / max(len(samples), 1)) ** 0.5


# --- What is said ---------------------------------------------------------------


def test_the_stem_is_read_first_then_each_option_in_the_authors_order() -> None:
    question = SpokenQuestion(
        "single", "Mã OTP là gì?", "", ("Mật khẩu dùng một lần", "Số tài khoản")
    )
    segments = script(question, VI)
    assert [s.text for s in segments] == [
        "Câu hỏi. Mã OTP là gì?",
        "Phương án: Mật khẩu dùng một lần",
        "Phương án: Số tài khoản",
    ]
    assert [s.option for s in segments] == [None, 0, 1]


def test_the_picture_is_described_after_the_stem() -> None:
    question = SpokenQuestion("image", "Đây là biểu tượng gì?", "Hình quạt sóng", ("Wi-Fi", "Pin"))
    texts = [s.text for s in script(question, LeadIns("Question", "Picture", "Option"))]
    assert texts[:2] == ["Question. Đây là biểu tượng gì?", "Picture: Hình quạt sóng"]


@pytest.mark.parametrize("count", [2, 3, 4, 5, 6])
def test_an_ordering_question_is_never_read_in_its_answer_order(count: int) -> None:
    for stem in ("Sắp xếp các bước", "Thứ tự đăng nhập VNeID", "Các bước chuyển tiền"):
        steps = tuple(f"Bước {i}" for i in range(count))
        question = SpokenQuestion("ordering", stem, "", steps)
        order = order_of(question)
        assert sorted(order) == list(range(count))
        assert order != list(range(count))
        assert order == order_of(question)  # the same clip every time


def test_text_reaches_the_synthesiser_as_one_plain_line() -> None:
    assert speakable(" Chọn\x01 đáp án\n\nđúng\t ") == "Chọn đáp án đúng"


def test_the_fingerprint_changes_with_any_word_said() -> None:
    base = SpokenQuestion("single", "Câu hỏi?", "", ("A", "B"))
    assert base.text_hash == SpokenQuestion("single", "Câu hỏi?", "", ("A", "B")).text_hash
    for other in (
        SpokenQuestion("single", "Câu hỏi khác?", "", ("A", "B")),
        SpokenQuestion("single", "Câu hỏi?", "", ("A", "C")),
        SpokenQuestion("single", "Câu hỏi?", "Ảnh", ("A", "B")),
        SpokenQuestion("ordering", "Câu hỏi?", "", ("A", "B")),
    ):
        assert other.text_hash != base.text_hash


# --- Generation and caching -----------------------------------------------------


def test_generation_makes_a_small_playable_mp3(
    speech_tools, question_data, tmp_path, media_root
) -> None:
    version = _published(question_data)
    output = _audio(language="vi")
    assert f"{version}: vi created" in output
    assert "1 created, 0 regenerated" in output

    clip = ReadAloudClip.objects.get()
    assert (clip.version, clip.language, clip.kind) == (version, "vi", "generated")
    assert Path(clip.file.path).is_relative_to(media_root / "read_aloud")
    mp3 = clip.file.read()
    # MPEG audio frames: sync word, MPEG-2 Layer III, 24 kbit/s at 16 kHz, 108 bytes each.
    assert mp3[:2] == b"\xff\xf3" and mp3[2] >> 2 == 0b0011_10
    assert mp3[108:110] == b"\xff\xf3"
    seconds, loudness = _decoded(mp3, tmp_path)
    assert seconds > 3
    assert abs(seconds - clip.duration_ms / 1000) < 0.2
    assert loudness > 300  # speech, not silence
    assert clip.size == len(mp3) <= seconds * 3.2 * 1024  # about 24 kbit/s
    # One cue per option, in the author's order, each inside the clip.
    assert [rank for rank, _start, _end in clip.cues] == [0, 1, 2]
    assert all(0 < s < e <= clip.duration_ms for _rank, s, e in clip.cues)
    assert all(a[2] <= b[1] for a, b in zip(clip.cues, clip.cues[1:], strict=False))


def test_running_again_generates_nothing(speech_tools, question_data) -> None:
    _published(question_data, "doc-001")
    _published(question_data, "doc-002", stem="Mật khẩu nào an toàn nhất?")
    assert "2 created" in _audio(language="vi")
    before = {c.pk: (c.file.name, c.text_hash) for c in ReadAloudClip.objects.all()}

    output = _audio(language="vi")

    assert "0 created, 0 regenerated, 2 already up to date" in output
    assert {c.pk: (c.file.name, c.text_hash) for c in ReadAloudClip.objects.all()} == before


def test_a_new_version_gets_its_own_audio(speech_tools, question_data) -> None:
    first = _published(question_data)
    _audio(language="vi")
    old = ReadAloudClip.objects.get(version=first)

    data = question_data("doc-001", stem="Ai được phép hỏi mã OTP của bạn?")
    second = bank_services.question_edit(question=first.question, editor=None, data=data)
    QuestionVersion.objects.filter(pk=first.pk).update(status="retired")
    QuestionVersion.objects.filter(pk=second.pk).update(status="published")
    output = _audio(language="vi")

    assert f"{second}: vi created" in output
    new = ReadAloudClip.objects.get(version=second)
    assert new.text_hash != old.text_hash and new.file.name != old.file.name
    # The old version keeps its clip: attempts that showed it can still play it.
    assert ReadAloudClip.objects.get(version=first).file.name == old.file.name
    assert Path(old.file.path).exists()


def test_a_changed_translation_is_read_anew(
    speech_tools, question_data, django_capture_on_commit_callbacks
) -> None:
    version = _published(question_data)
    options = ["Send the OTP at once", "Never share the OTP", "I do not know"]
    english = TranslationData(
        "en", "You get a message asking for your OTP. What do you do?", options
    )
    bank_services.translation_save(version=version, data=english, actor=None)
    assert "2 created" in _audio()  # vi and en
    old = ReadAloudClip.objects.get(language="en")
    assert old.voice.startswith("espeak-ng en-us")

    english.stem = "A message asks for your OTP. What should you do?"
    bank_services.translation_save(version=version, data=english, actor=None)
    assert "2 already up to date" in _audio("--only-missing")
    with django_capture_on_commit_callbacks(execute=True):
        output = _audio()

    assert f"{version}: en updated" in output
    assert "1 regenerated, 1 already up to date" in output
    new = ReadAloudClip.objects.get(language="en")
    assert new.pk == old.pk and new.text_hash != old.text_hash
    assert not Path(old.file.path).exists()  # the replaced file is gone


def test_only_missing_keeps_clips_made_for_older_text(speech_tools, question_data) -> None:
    version = _published(question_data)
    _audio(language="vi")
    ReadAloudClip.objects.filter(version=version).update(text_hash="0" * 64)

    output = _audio("--only-missing", language="vi")
    assert "0 created, 0 regenerated, 1 already up to date" in output
    assert "1 regenerated" in _audio(language="vi")


def test_drafts_wait_unless_asked_for(speech_tools, question_data) -> None:
    draft = bank_services.question_create(author=None, data=question_data())
    assert "0 created" in _audio(language="vi")
    assert f"{draft}: vi created" in _audio(language="vi", status="draft")


def test_the_command_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(CommandError, match="apt-get install espeak-ng lame"):
        call_command("questions_audio", stdout=io.StringIO())


# --- On the page ----------------------------------------------------------------


def _contest_page(client: Any, question_data: Any) -> tuple[str, QuestionVersion]:
    """The first question of a fresh attempt at a one-question contest."""
    from contest.asynchronous import services as contest_services
    from tests.contest_fixtures import open_contest, person

    version = _published(question_data)
    contest = open_contest(questions_per_attempt=1)
    attempt = contest_services.attempt_start(contest=contest, participant=person())
    return f"/bai-thi/{attempt.token}/cau/1/", version


def _record(version: QuestionVersion, language: str = "vi", seconds: float = 1.0) -> ReadAloudClip:
    upload = SimpleUploadedFile("ghi-am.mp3", _silent_mp3(seconds), content_type="audio/mpeg")
    return services.clip_record(version=version, language=language, upload=upload, actor=None)


def test_a_question_without_audio_shows_no_player(client, question_data) -> None:
    url, _version = _contest_page(client, question_data)
    page = client.get(url).content.decode()
    assert "yêu cầu gửi mã OTP" in page
    assert "<audio" not in page and "read_aloud.js" not in page


def test_a_question_with_audio_shows_a_player_that_loads_nothing_until_tapped(
    client, question_data, speech_tools
) -> None:
    url, version = _contest_page(client, question_data)
    _audio(language="vi")
    clip = ReadAloudClip.objects.get()

    page = client.get(url).content.decode()

    assert _player_src(page) == clip.file.url
    assert "Nghe câu hỏi" in page and "read_aloud.js" in page
    # The clip counts options by rank; the page gets their ids, whatever order it shows.
    found = re.search(r'data-cues="([^"]*)"', page)
    assert found is not None
    cues = json.loads(html.unescape(found.group(1)))
    option_ids = sorted(o.pk for o in version.options.all())
    assert [c[0] for c in cues] == option_ids
    assert [c[1:] for c in cues] == [c[1:] for c in clip.cues]


def test_an_authors_recording_wins_over_the_generated_voice(
    client, alice, question_data, speech_tools, django_capture_on_commit_callbacks
) -> None:
    url, version = _contest_page(client, question_data)
    _audio(language="vi")
    generated = ReadAloudClip.objects.get()

    client.force_login(alice)
    audio_page = f"/bank/q/{version.question.key}/v{version.number}/audio/"
    upload = SimpleUploadedFile("cau-hoi.mp3", _silent_mp3(2), content_type="audio/mpeg")
    response = client.post(audio_page, {"language": "vi", "file": upload})
    assert response.status_code == 302
    recorded = ReadAloudClip.objects.get(kind="recorded")
    assert (recorded.created_by, recorded.duration_ms // 100) == (alice, 20)
    client.logout()

    assert _player_src(client.get(url).content.decode()) == recorded.file.url

    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{audio_page}{recorded.pk}/delete/")
    assert not Path(recorded.file.path).exists()
    client.logout()
    assert _player_src(client.get(url).content.decode()) == generated.file.url


def test_a_recording_of_older_text_is_not_played(client, alice, question_data) -> None:
    draft = bank_services.question_create(author=alice, data=question_data())
    _record(draft)
    template = Template("{% load read_aloud %}{% read_aloud version %}")
    assert "<audio" in template.render(Context({"version": draft}))

    data = question_data("test-001", stem="Ai được phép hỏi mã OTP của bạn?")
    bank_services.question_edit(question=draft.question, editor=alice, data=data)
    draft = QuestionVersion.objects.get(pk=draft.pk)

    assert "<audio" not in template.render(Context({"version": draft}))
    client.force_login(alice)
    page = client.get(f"/bank/q/test-001/v{draft.number}/audio/").content.decode()
    assert "Nội dung câu hỏi đã thay đổi sau khi ghi âm" in page


def test_a_translated_question_plays_its_own_language(question_data) -> None:
    from contest.asynchronous.presentation import shown_question
    from question_banks.models import Translation

    version = _published(question_data)
    options = ["Send the OTP at once", "Never share the OTP", "I do not know"]
    english = TranslationData("en", "A message asks for your OTP. What do you do?", options)
    bank_services.translation_save(version=version, data=english, actor=None)
    Translation.objects.update(review_state=Translation.ReviewState.REVIEWED)
    clips = {language: _record(version, language) for language in ("vi", "en")}
    shuffled = [o.pk for o in version.options.all()][::-1]
    template = Template("{% load read_aloud %}{% read_aloud item %}")

    # H'Mông has no translation of this question: the page shows, and plays, Vietnamese.
    for language, heard in (("en", "en"), ("vi", "vi"), ("hmn", "vi")):
        item = shown_question(version, shuffled, position=1, chosen=[], language=language)
        page = template.render(Context({"item": item}))
        assert _player_src(page) == clips[heard].file.url, language


def test_the_placement_question_plays_the_recording(client, question_data) -> None:
    from contest.placement import services as placement_services
    from contest.placement.models import PlacementSession
    from tests.contest_fixtures import person, publish_bank

    publish_bank(40, prefix="place")
    session = placement_services.session_start(participant=person(birth_year=1968))
    version = PlacementSession.objects.get(pk=session.pk).current_version
    assert version is not None and version.type == "single"
    clip = _record(version)

    page = client.get(f"/xep-muc/{session.token}/").content.decode()

    assert _player_src(page) == clip.file.url
    assert page.count("<audio") == 1


def test_practice_questions_play_too(client, question_data) -> None:
    from tests.contest_fixtures import publish_bank

    for version in publish_bank(12, prefix="prac"):
        _record(version)
    client.post("/luyen-tap/bat-dau/", {})
    page = client.get("/luyen-tap/cau-hoi/").content.decode()
    assert page.count("<audio") == 1 and _player_src(page)


# --- The author's upload --------------------------------------------------------


def _upload(client: Any, version: QuestionVersion, name: str, content: bytes, **extra: str) -> Any:
    url = f"/bank/q/{version.question.key}/v{version.number}/audio/"
    return client.post(url, {"language": "vi", "file": SimpleUploadedFile(name, content), **extra})


def test_a_file_that_is_not_audio_is_refused_in_vietnamese(
    client, alice, question_data, media_root
) -> None:
    version = _published(question_data)
    client.force_login(alice)
    response = _upload(client, version, "cau-hoi.mp3", b"ID3 day khong phai am thanh" * 50)
    assert response.status_code == 200
    assert "không phải bản ghi âm MP3, M4A, Ogg hoặc Opus" in response.content.decode()
    assert not ReadAloudClip.objects.exists()
    assert not any(media_root.rglob("*.mp3"))


def test_a_recording_over_2_mb_is_refused(client, alice, question_data) -> None:
    version = _published(question_data)
    client.force_login(alice)
    response = _upload(client, version, "dai.mp3", _silent_mp3(140))  # about 2.1 MB
    assert "Tệp ghi âm quá lớn" in response.content.decode()
    assert not ReadAloudClip.objects.exists()


def test_a_recording_needs_the_translation_it_reads(client, alice, question_data) -> None:
    version = _published(question_data)
    client.force_login(alice)
    response = _upload(client, version, "en.mp3", _silent_mp3(), language="en")
    assert response.status_code == 200
    assert "Câu hỏi chưa có bản dịch sang ngôn ngữ này" in response.content.decode()
    with pytest.raises(Exception, match="chưa có bản dịch"):
        _record(version, language="en")
    assert not ReadAloudClip.objects.exists()


def test_only_authors_may_upload_or_delete(client, bob, eve, question_data) -> None:
    version = _published(question_data)
    clip = _record(version)
    url = f"/bank/q/{version.question.key}/v{version.number}/audio/"
    client.force_login(bob)  # a reviewer hears the clips but cannot change them
    page = client.get(url).content.decode()
    assert clip.file.url in page and "Tải bản ghi âm lên" not in page
    assert _upload(client, version, "x.mp3", _silent_mp3()).status_code == 403
    assert client.post(f"{url}{clip.pk}/delete/").status_code == 403
    client.force_login(eve)
    assert client.get(url).status_code == 403
    assert ReadAloudClip.objects.count() == 1


def test_the_question_page_links_to_its_audio(client, alice, question_data) -> None:
    version = _published(question_data)
    client.force_login(alice)
    page = client.get(f"/bank/q/{version.question.key}/").content.decode()
    assert f"/bank/q/{version.question.key}/v{version.number}/audio/" in page


# --- In the browser ---------------------------------------------------------------

# Reading an option outlines it wherever the page shows it: make the player report a
# moment inside the option's cue, as it does while playing.
HIGHLIGHT_JS = """([id, ms]) => {
  const audio = document.querySelector(".read-aloud audio");
  Object.defineProperty(audio, "currentTime", { get: () => ms / 1000, configurable: true });
  audio.dispatchEvent(new Event("timeupdate"));
  delete audio.currentTime; // the element's own again
  const control = document.querySelector(`[name="choice"][value="${id}"]`);
  return [...document.querySelectorAll("label, button")]
    .filter((e) => e.style.outline)
    .map((e) => e === (control.closest("label") || control));
}"""


@pytest.mark.browser
@pytest.mark.skipif(not browser_support.CHROMIUM.exists(), reason="needs /usr/bin/chromium")
@pytest.mark.parametrize("name", ["contest_question", "placement_question", "practice_question"])
@pytest.mark.django_db(transaction=True)
def test_the_player_is_light_accessible_and_follows_the_options(
    live_server, chromium, phone, name, speech_tools, axe_script
) -> None:
    from playwright.sync_api import expect

    from question_banks.models import Option
    from tests.test_accessibility import _axe_problems, _small_targets
    from tests.test_page_weight import FIRST_VISIT_BUDGET, LATER_VISIT_BUDGET, _load

    prepared = browser_support.prepare_page(name, phone, live_server.url)
    page = phone.new_page()
    page.goto(prepared.url)
    assert page.locator(".read-aloud, audio").count() == 0
    shown = page.locator("[name=choice]").evaluate_all("(all) => all.map((e) => e.value)")
    version = Option.objects.get(pk=int(shown[0])).version
    services.clip_generate(version=version, language="vi")
    clip = ReadAloudClip.objects.get(version=version)

    fresh = chromium.new_context(**browser_support.PHONE)  # an empty cache again
    fresh.add_cookies(phone.cookies())
    try:
        page = fresh.new_page()
        first, later = _load(page, prepared.url), _load(page, prepared.url)
        requested = [r["url"] for r in [*first.requests.values(), *later.requests.values()]]
        assert not [url for url in requested if "/media/" in url], "audio loaded untapped"
        assert first.total <= FIRST_VISIT_BUDGET, first.report()
        assert first.production_estimate() <= FIRST_VISIT_BUDGET
        assert later.total <= LATER_VISIT_BUDGET, later.report()

        button = page.get_by_role("button", name="Nghe câu hỏi")
        expect(button).to_be_visible()
        assert page.locator("audio").evaluate("(audio) => audio.controls") is False
        assert page.locator("audio").get_attribute("preload") == "none"
        assert _axe_problems(page, axe_script) == []
        assert _small_targets(page) == []

        rank, start, _end = clip.cues[-1]
        option_id = sorted(o.pk for o in version.options.all())[rank]
        assert page.evaluate(HIGHLIGHT_JS, [option_id, start + 10]) == [True]

        with page.expect_request(lambda request: clip.file.url in request.url):
            button.click()
    finally:
        fresh.close()
