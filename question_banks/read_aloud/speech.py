"""Speech synthesis with Debian's `espeak-ng`, encoded to MP3 at a speech bitrate with
`lame`. MP3 rather than Opus: the province's older iPhones and the Zalo in-app
browser on them cannot play Ogg Opus, and every phone plays MP3.

Each part (stem, picture description, each option) is spoken separately and joined
with a short pause, so we know when each option starts and ends: a page can then
outline the option being read even when it shows the options in another order."""

from __future__ import annotations

import array
import io
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from question_banks.read_aloud.script import LeadIns, Segment

SPEED_WPM = 150  # a little slower than espeak's 175: many listeners are elderly
PAUSE_MS = 500
MP3_KBPS = 24  # mono, resampled to 16 kHz: clear speech at about 3 KB a second
TOOL_TIMEOUT_S = 60
DEBIAN_PACKAGES = "espeak-ng lame"


@dataclass(frozen=True)
class Voice:
    language: str
    espeak_voice: str
    words: LeadIns

    @property
    def label(self) -> str:
        """What the clip was made with; a change here makes every clip regenerate."""
        return (
            f"espeak-ng {self.espeak_voice} {SPEED_WPM} wpm, pause {PAUSE_MS} ms; "
            f"MP3 {MP3_KBPS} kbps mono 16 kHz"
        )


# Languages espeak-ng can speak; the minority languages have no voice, so only an
# author's recording gives them audio.
VOICES = {
    "vi": Voice("vi", "vi", LeadIns(question="Câu hỏi", picture="Hình ảnh", option="Phương án")),
    "en": Voice("en", "en-us", LeadIns(question="Question", picture="Picture", option="Option")),
}


@dataclass(frozen=True)
class Rendering:
    mp3: bytes
    duration_ms: int
    # [option rank, start ms, end ms] for each option segment.
    cues: list[list[int]]


class SpeechError(Exception):
    """A tool is missing or failed; the message says which and how to fix it."""


def tools_missing() -> list[str]:
    return [tool for tool in ("espeak-ng", "lame") if shutil.which(tool) is None]


def render(segments: list[Segment], voice: Voice) -> Rendering:
    missing = tools_missing()
    if missing:
        raise SpeechError(
            f"{', '.join(missing)} not found: install with apt-get install {DEBIAN_PACKAGES}"
        )
    rate = 0
    pcm = array.array("h")
    cues: list[list[int]] = []
    for index, segment in enumerate(segments):
        if index:
            pcm.extend([0] * (rate * PAUSE_MS // 1000))
        rate, samples = _speak(segment.text, voice)
        start = len(pcm) * 1000 // rate
        pcm.extend(samples)
        if segment.option is not None:
            cues.append([segment.option, start, len(pcm) * 1000 // rate])
    return Rendering(_encode(pcm, rate), len(pcm) * 1000 // rate, cues)


def _speak(text: str, voice: Voice) -> tuple[int, array.array[int]]:
    """Mono 16-bit samples and their rate. The text goes in on stdin, so nothing in
    it can be read as a command-line option."""
    wav = _run(
        ["espeak-ng", "-v", voice.espeak_voice, "-s", str(SPEED_WPM), "--stdin", "--stdout"],
        text.encode(),
    )
    # espeak-ng cannot seek back on a pipe to fill in the data size, so the samples
    # are everything after the data chunk's header, whatever its size field says.
    with wave.open(io.BytesIO(wav)) as reader:
        if reader.getnchannels() != 1 or reader.getsampwidth() != 2:
            raise SpeechError("espeak-ng did not produce mono 16-bit audio")
        rate = reader.getframerate()
    data = _data_offset(wav)
    samples = array.array("h")
    samples.frombytes(wav[data : data + (len(wav) - data) // 2 * 2])
    return rate, samples


def _data_offset(wav: bytes) -> int:
    position = 12  # after "RIFF", the size and "WAVE"
    while position + 8 <= len(wav):
        size = int.from_bytes(wav[position + 4 : position + 8], "little")
        if wav[position : position + 4] == b"data":
            return position + 8
        position += 8 + size + (size & 1)
    raise SpeechError("espeak-ng produced no audio")


def _encode(pcm: array.array[int], rate: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(pcm.tobytes())
    # To a file, not a pipe: lame seeks back to write its Info tag (exact length and
    # encoder delay), which players use for the duration and gapless start.
    with tempfile.TemporaryDirectory(prefix="read-aloud-") as folder:
        target = Path(folder) / "clip.mp3"
        options = ["--quiet", "-m", "m", "-b", str(MP3_KBPS), "--resample", "16"]
        _run(["lame", *options, "-", str(target)], buffer.getvalue(), output=False)
        return target.read_bytes()


def _run(command: list[str], stdin: bytes, *, output: bool = True) -> bytes:
    executable = shutil.which(command[0]) or command[0]
    try:
        done = subprocess.run(  # noqa: S603 (fixed arguments; text only on stdin)
            [executable, *command[1:]],
            input=stdin,
            capture_output=True,
            timeout=TOOL_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpeechError(f"{command[0]} failed: {exc}") from exc
    if done.returncode != 0 or (output and not done.stdout):
        message = done.stderr.decode(errors="replace").strip()
        raise SpeechError(f"{command[0]} failed ({done.returncode}): {message}")
    return done.stdout
