"""The gettext catalogues are complete, consistent with each other and with the code.

Vietnamese is the source language (msgids are Vietnamese), so the vi catalogue maps
every msgid to itself and the en catalogue holds the English translation. Run
`scripts/messages` after adding strings. No database: these tests only read files.
"""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGS = ("en", "vi")
PHONE_ERROR = "Số điện thoại không hợp lệ: cần 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09."
# Folders never scanned for msgids: the same ones scripts/messages ignores, and more.
SKIP_DIRS = {
    ".venv",
    "node_modules",
    "tests",
    "benchmarks",
    "migrations",
    "locale",
    "media",
    "staticfiles",
    "__pycache__",
}


# --- A small .po parser -------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(literal: str) -> str:
    assert literal.startswith('"') and literal.endswith('"'), literal
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], literal[1:-1])


def parse_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    started = False
    target: tuple[str, int] | None = None

    def flush() -> None:
        nonlocal entry, started, target
        if started:
            entries.append(entry)
        entry, started, target = Entry(), False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            if started:  # comments open a new entry
                flush()
            entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith("#"):
            if started:
                flush()
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, literal = match.groups()
            if keyword in ("msgctxt", "msgid") and started and target and target[0] == "msgstr":
                flush()  # a new entry without a blank line between
            started = True
            text = _unquote(literal)
            if keyword == "msgctxt":
                entry.msgctxt, target = text, ("msgctxt", 0)
            elif keyword == "msgid":
                entry.msgid, target = text, ("msgid", 0)
            elif keyword == "msgid_plural":
                entry.msgid_plural, target = text, ("msgid_plural", 0)
            else:
                n = int(index) if index is not None else 0
                entry.msgstr[n], target = text, ("msgstr", n)
            continue
        assert line.startswith('"') and target is not None, f"{path}: cannot parse {raw!r}"
        text = _unquote(line)
        kind, n = target
        if kind == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + text
        elif kind == "msgid":
            entry.msgid += text
        elif kind == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        else:
            entry.msgstr[n] += text
    flush()
    return [e for e in entries if not e.obsolete]


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


_CATALOGUES: dict[str, list[Entry]] = {}


def catalogue(lang: str) -> list[Entry]:
    if lang not in _CATALOGUES:
        _CATALOGUES[lang] = parse_po(po_path(lang))
    return _CATALOGUES[lang]


def messages(lang: str) -> list[Entry]:
    """The catalogue without its header entry."""
    return [e for e in catalogue(lang) if e.msgid]


def header(lang: str) -> dict[str, str]:
    (entry,) = [e for e in catalogue(lang) if not e.msgid]
    pairs = (line.partition(":") for line in entry.msgstr[0].splitlines() if line)
    return {k.strip(): v.strip() for k, _, v in pairs}


def key(entry: Entry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


# --- The catalogues -----------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_files_exist_and_are_compiled(lang: str) -> None:
    assert po_path(lang).is_file(), "run scripts/messages"
    mo = po_path(lang).with_suffix(".mo")
    assert mo.is_file(), "run scripts/messages (compilemessages)"
    assert len(messages(lang)) > 50


@pytest.mark.parametrize("lang", LANGS)
def test_headers(lang: str) -> None:
    fields = header(lang)
    assert fields["Language"] == lang
    assert "charset=UTF-8" in fields["Content-Type"]
    plural_forms = {"vi": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}
    assert fields["Plural-Forms"] == plural_forms[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_no_fuzzy_entries(lang: str) -> None:
    fuzzy = [e.msgid or "<header>" for e in catalogue(lang) if "fuzzy" in e.flags]
    assert fuzzy == []


def test_english_catalogue_is_fully_translated() -> None:
    untranslated = []
    for entry in messages("en"):
        forms = 2 if entry.msgid_plural is not None else 1
        if sorted(entry.msgstr) != list(range(forms)) or not all(entry.msgstr.values()):
            untranslated.append(entry.msgid)
    assert untranslated == []


def test_vietnamese_catalogue_matches_english_and_is_complete() -> None:
    assert {key(e) for e in messages("vi")} == {key(e) for e in messages("en")}
    incomplete = []
    for entry in messages("vi"):
        # Vietnamese has one plural form; the source text is its own translation.
        if sorted(entry.msgstr) != [0] or entry.msgstr[0] != entry.msgid:
            incomplete.append(entry.msgid)
    assert incomplete == []


_PLACEHOLDER = re.compile(
    r"%\((?P<named>\w+)\)[-#0 +]*\d*(?:\.\d+)?(?P<type>[diouxXeEfFgGcrsa])"
    r"|%(?P<positional>[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa])"
    r"|\{\{\s*(?P<template>[\w.]+)"
)


def placeholders(text: str) -> set[str]:
    found = set()
    for m in _PLACEHOLDER.finditer(text.replace("%%", "")):
        if m.group("named"):
            found.add(f"%({m.group('named')}){m.group('type')}")
        elif m.group("positional"):
            found.add("%" + m.group("positional"))
        else:
            found.add("{{ " + m.group("template") + " }}")
    return found


def test_placeholder_parser() -> None:
    assert placeholders("Trang %(n)s/%(total)s, %(c)d, 100%% {{ user.name }}") == {
        "%(n)s",
        "%(total)s",
        "%(c)d",
        "{{ user.name }}",
    }


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_are_kept(lang: str) -> None:
    wrong = []
    for entry in messages(lang):
        expected = placeholders(entry.msgid)
        if entry.msgid_plural is not None:
            expected |= placeholders(entry.msgid_plural)
        for n, text in sorted(entry.msgstr.items()):
            if placeholders(text) != expected:
                wrong.append((entry.msgid, n, text))
    assert wrong == []


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_matches_po(lang: str) -> None:
    """The .mo is committed, so it must be compiled from the current .po."""
    with po_path(lang).with_suffix(".mo").open("rb") as fh:
        compiled = stdlib_gettext.GNUTranslations(fh)
    stale = []
    for entry in messages(lang):
        if "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            continue  # never compiled; the tests above report it
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            if compiled.gettext(msgid) != entry.msgstr[0]:
                stale.append(entry.msgid)
        elif compiled.ngettext(msgid, entry.msgid_plural, 1) != entry.msgstr[0]:
            stale.append(entry.msgid)
    assert stale == [], "run scripts/messages to recompile"


def test_django_loads_the_english_catalogue() -> None:
    with translation.override("en"):
        english = translation.gettext(PHONE_ERROR)
        questions = translation.ngettext("%(n)s câu hỏi", "%(n)s câu hỏi", 3)
    assert english != PHONE_ERROR
    assert english.startswith("Invalid phone number")
    assert questions == "%(n)s questions"
    with translation.override("vi"):
        assert translation.gettext(PHONE_ERROR) == PHONE_ERROR


# --- The catalogues against the code ------------------------------------------


def _project_files(suffixes: tuple[str, ...]) -> Iterator[Path]:
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        for name in files:
            if name.endswith(suffixes):
                yield Path(folder) / name


_PY_CALL = re.compile(
    r"(?<![\w.])(?:_|gettext|gettext_lazy|gettext_noop|ngettext|ngettext_lazy)\(\s*"
    r"(?P<literal>\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*')\s*[,)]"
)
_TEMPLATE_TAG = re.compile(
    r"\{%\s*(?:translate|trans)\s+(?P<literal>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
)


def msgids_in_code() -> dict[str, str]:
    """Literal msgids found in Python files and templates, each with where it was seen."""
    found: dict[str, str] = {}
    for path in _project_files((".py",)):
        text = path.read_text(encoding="utf-8")
        if "gettext" not in text:
            continue  # `_` means something else in files that don't import gettext
        for m in _PY_CALL.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.setdefault(ast.literal_eval(m.group("literal")), f"{path}:{line}")
    for path in _project_files((".html", ".txt", ".xml")):
        if "templates" not in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for m in _TEMPLATE_TAG.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.setdefault(m.group("literal")[1:-1], f"{path}:{line}")
    return found


def test_code_scan_finds_the_known_strings() -> None:
    found = msgids_in_code()
    assert PHONE_ERROR in found  # gettext as _ in a .py file
    assert "Xuất Moodle XML" in found  # {% translate "..." %}
    assert "Xem trước trên điện thoại" in found  # {% translate '...' %}
    assert len(found) > 100


def test_catalogue_is_up_to_date_with_the_code() -> None:
    known = {e.msgid for e in messages("en")}
    missing = {msgid: where for msgid, where in msgids_in_code().items() if msgid not in known}
    assert missing == {}, "run scripts/messages, then translate the new entries"
