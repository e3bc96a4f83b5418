"""Authors' recordings: what we accept (the formats phones record and every phone
plays), checked by reading the file itself, not by trusting its name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

import mutagen
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

MAX_BYTES = 2 * 1024 * 1024
MAX_SECONDS = 300
EXTENSIONS: dict[type[mutagen.FileType], str] = {
    MP3: "mp3",
    MP4: "m4a",
    OggOpus: "opus",
    OggVorbis: "ogg",
}


@dataclass(frozen=True)
class Recording:
    extension: str
    duration_ms: int


def recording_check(upload: IO[bytes], size: int) -> Recording:
    """The recording's format and length, or a ValidationError saying what is wrong."""
    if size > MAX_BYTES:
        raise ValidationError(
            _("Tệp ghi âm quá lớn (%(size)s MB); tối đa %(max)s MB.")
            % {"size": f"{size / 1024 / 1024:.1f}", "max": MAX_BYTES // 1024 // 1024},
            code="too_big",
        )
    upload.seek(0)
    try:
        audio = mutagen.File(upload, options=list(EXTENSIONS))
    except mutagen.MutagenError:
        audio = None
    upload.seek(0)
    if audio is None or not audio.info or audio.info.length <= 0:
        raise ValidationError(
            _("Tệp này không phải bản ghi âm MP3, M4A, Ogg hoặc Opus nghe được."),
            code="not_audio",
        )
    if audio.info.length > MAX_SECONDS:
        raise ValidationError(
            _("Bản ghi âm dài quá %(max)d phút.") % {"max": MAX_SECONDS // 60}, code="too_long"
        )
    return Recording(EXTENSIONS[type(audio)], round(audio.info.length * 1000))
