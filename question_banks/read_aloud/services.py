"""Read-aloud clips: generating them ahead of time, storing authors' recordings, and
finding the one that matches what a page shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from question_banks.models import QuestionVersion, ReadAloudClip
from question_banks.read_aloud import speech
from question_banks.read_aloud.recordings import recording_check
from question_banks.read_aloud.script import SpokenQuestion, script

Kind = ReadAloudClip.Kind

CREATED, UPDATED, UNCHANGED, NO_TEXT = "created", "updated", "unchanged", "no_text"


def spoken_question(version: QuestionVersion, language: str) -> SpokenQuestion | None:
    """The version's text in `language` as a page shows it, or None when it has no
    translation there. The picture's description exists only in Vietnamese."""
    options = sorted(version.options.all(), key=lambda o: o.pk)
    if language == "vi":
        texts = [o.text for o in options]
        return SpokenQuestion(version.type, version.stem, version.image_alt, tuple(texts))
    translation = next((t for t in version.translations.all() if t.language == language), None)
    if translation is None or len(translation.options) != len(options):
        return None
    texts = [str(translation.options[o.position - 1]) for o in options]
    return SpokenQuestion(version.type, translation.stem, "", tuple(texts))


def clip_generate(
    *, version: QuestionVersion, language: str, only_missing: bool = False, force: bool = False
) -> tuple[str, ReadAloudClip | None]:
    """Synthesise the version in `language` unless its clip is already up to date
    (same words, same voice). `only_missing` keeps any existing clip, even an old one."""
    voice = speech.VOICES[language]
    spoken = spoken_question(version, language)
    if spoken is None:
        return NO_TEXT, None
    existing = next(
        (
            c
            for c in version.read_aloud_clips.all()
            if c.language == language and c.kind == Kind.GENERATED
        ),
        None,
    )
    current = existing is not None and (
        existing.text_hash == spoken.text_hash and existing.voice == voice.label
    )
    if existing is not None and not force and (only_missing or current):
        return UNCHANGED, existing
    rendering = speech.render(script(spoken, voice.words), voice)
    name = f"{version.question.key}-v{version.number}-{language}-{spoken.text_hash[:12]}.mp3"
    clip = _clip_store(
        version=version,
        language=language,
        kind=Kind.GENERATED,
        content=ContentFile(rendering.mp3, name=name),
        text_hash=spoken.text_hash,
        voice=voice.label,
        cues=rendering.cues,
        duration_ms=rendering.duration_ms,
        created_by=None,
    )
    return (CREATED if existing is None else UPDATED), clip


Progress = Callable[[int, int, QuestionVersion, dict[str, str]], None]


def clips_generate(
    *,
    versions: Iterable[QuestionVersion],
    languages: list[str],
    only_missing: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> Counter[str]:
    """Generate what is missing or out of date; safe to run again (it then does nothing).
    `progress` hears, after each version, the outcome in each language."""
    chosen = list(versions)
    outcomes: Counter[str] = Counter()
    for done, version in enumerate(chosen, start=1):
        results = {
            language: clip_generate(
                version=version, language=language, only_missing=only_missing, force=force
            )[0]
            for language in languages
        }
        outcomes.update(results.values())
        if progress is not None:
            progress(done, len(chosen), version, results)
    return outcomes


def versions_for_audio(
    *, statuses: list[str], keys: list[str] | None = None
) -> Iterable[QuestionVersion]:
    versions = QuestionVersion.objects.filter(status__in=statuses)
    if keys:
        versions = versions.filter(question__key__in=keys)
    return (
        versions.select_related("question")
        .prefetch_related("options", "translations", "read_aloud_clips")
        .order_by("question__key", "number")
    )


def clip_record(
    *,
    version: QuestionVersion,
    language: str,
    upload: UploadedFile,
    actor: AuthUser | AnonymousUser | None,
) -> ReadAloudClip:
    """An author's recording of the version in `language`; replaces their earlier one."""
    recording = recording_check(upload, upload.size or 0)
    spoken = spoken_question(version, language)
    if spoken is None:
        raise ValidationError(
            _("Câu hỏi chưa có bản dịch sang ngôn ngữ này; hãy dịch trước khi ghi âm."),
            code="no_translation",
        )
    name = f"{version.question.key}-v{version.number}-{language}-ghi-am.{recording.extension}"
    return _clip_store(
        version=version,
        language=language,
        kind=Kind.RECORDED,
        content=File(upload, name=name),
        text_hash=spoken.text_hash,
        voice="",
        cues=[],
        duration_ms=recording.duration_ms,
        created_by=actor if isinstance(actor, AuthUser) else None,
    )


def clip_delete(*, clip: ReadAloudClip) -> None:
    name, storage = clip.file.name, clip.file.storage
    clip.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def clip_for(spoken: SpokenQuestion, language: str) -> ReadAloudClip | None:
    """The clip that reads exactly this text: in the page's language first, then an
    author's recording before the generated voice."""
    clips = ReadAloudClip.objects.filter(text_hash=spoken.text_hash).order_by("-pk")[:10]
    return min(
        clips,
        key=lambda c: (c.language != language, c.kind != Kind.RECORDED),
        default=None,
    )


@dataclass(frozen=True)
class LanguageAudio:
    """What the author's audio page shows for one language of a version."""

    language: str
    label: str
    spoken: SpokenQuestion | None
    recorded: ReadAloudClip | None
    generated: ReadAloudClip | None
    can_generate: bool

    @property
    def recorded_is_current(self) -> bool:
        return self._reads_current_text(self.recorded)

    @property
    def generated_is_current(self) -> bool:
        return self._reads_current_text(self.generated)

    def _reads_current_text(self, clip: ReadAloudClip | None) -> bool:
        return (
            clip is not None and self.spoken is not None and clip.text_hash == self.spoken.text_hash
        )


def version_audio(
    version: QuestionVersion, languages: Iterable[tuple[str, object]]
) -> list[LanguageAudio]:
    clips = {(c.language, c.kind): c for c in version.read_aloud_clips.all()}
    return [
        LanguageAudio(
            language=code,
            label=str(label),
            spoken=spoken_question(version, code),
            recorded=clips.get((code, Kind.RECORDED)),
            generated=clips.get((code, Kind.GENERATED)),
            can_generate=code in speech.VOICES,
        )
        for code, label in languages
    ]


def _clip_store(
    *,
    version: QuestionVersion,
    language: str,
    kind: str,
    content: File,
    **fields: object,
) -> ReadAloudClip:
    """Write the file, then the row; the file it replaces goes once the row is saved."""
    with transaction.atomic():
        clip = (
            ReadAloudClip.objects.select_for_update()
            .filter(version=version, language=language, kind=kind)
            .first()
        ) or ReadAloudClip(version=version, language=language, kind=kind)
        old_name = clip.file.name
        clip.file.save(content.name or "clip", content, save=False)
        for field, value in fields.items():
            setattr(clip, field, value)
        clip.size = clip.file.size
        try:
            clip.save()
        except Exception:
            clip.file.storage.delete(clip.file.name)
            raise
    if old_name and old_name != clip.file.name:
        storage = clip.file.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return clip
