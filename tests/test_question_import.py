"""Importing CSV, XLSX and Moodle XML: all or nothing, with row-numbered Vietnamese errors."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from question_banks import imports, services
from question_banks.interchange.tabular import COLUMNS
from question_banks.models import Question, QuestionVersion

pytestmark = pytest.mark.django_db

GOOD_ROWS = [
    {
        "key": "imp-001",
        "type": "single",
        "stem": "Nên cài ứng dụng VNeID từ đâu?",
        "option_1": "Từ đường link người lạ gửi",
        "option_2": "Từ CH Play hoặc App Store",
        "option_3": "Tôi không biết",
        "correct": "2",
        "explanation": "Chỉ cài ứng dụng từ CH Play (Android) hoặc App Store (iOS).",
        "competence": "0.2",
        "difficulty": "-1,5",
        "target_groups": "resident, student",
        "tags": "vneid",
        "as_of": "08/02/2024",
        "source": "Bộ Công an via CafeF, 8/2/2024",
    },
    {
        "key": "imp-002",
        "type": "ordering",
        "stem": "Sắp xếp các bước khi nhận cuộc gọi giả danh công an.",
        "option_1": "Không chuyển tiền",
        "option_2": "Cúp máy",
        "option_3": "Đến công an xã, phường",
        "explanation": "Công an không làm việc qua điện thoại; hãy đến trụ sở công an.",
        "competence": "4.2",
        "difficulty": "0.5",
        "target_groups": "resident",
    },
    {
        "key": "imp-003",
        "type": "multiple",
        "stem": "Những thông tin nào không được cho người lạ biết?",
        "option_1": "Mã OTP",
        "option_2": "Mật khẩu ngân hàng",
        "option_3": "Tên xã nơi bạn sống",
        "correct": "1;2",
        "explanation": "OTP và mật khẩu là chìa khóa tài khoản của bạn.",
        "competence": "4.2",
        "target_groups": "resident,worker",
    },
]


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([row.get(c, "") for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rejected(content: bytes, fmt: str, author) -> list[str]:
    with pytest.raises(imports.ImportRejected) as caught:
        imports.questions_import(content=content, fmt=fmt, author=author)
    return caught.value.errors


def test_a_good_csv_imports_every_question_as_a_draft(alice) -> None:
    result = imports.questions_import(content=csv_bytes(GOOD_ROWS), fmt="csv", author=alice)
    assert (result.created, result.updated) == (3, 0)
    first = QuestionVersion.objects.get(question__key="imp-001")
    assert first.status == "draft"
    assert first.difficulty_estimate == -1.5  # Vietnamese decimal comma
    assert str(first.as_of) == "2024-02-08"
    assert [o.is_correct for o in first.options.all()] == [False, True, False]
    ordering = QuestionVersion.objects.get(question__key="imp-002")
    assert [o.text for o in ordering.options.all()] == [
        "Không chuyển tiền",
        "Cúp máy",
        "Đến công an xã, phường",
    ]


def test_a_good_xlsx_imports(alice) -> None:
    result = imports.questions_import(content=xlsx_bytes(GOOD_ROWS), fmt="xlsx", author=alice)
    assert result.created == 3
    assert Question.objects.count() == 3


def test_a_file_with_one_bad_row_is_rejected_whole(alice) -> None:
    bad = dict(GOOD_ROWS[0], key="imp-009", correct="", competence="9.9")
    errors = rejected(csv_bytes([*GOOD_ROWS, bad]), "csv", alice)
    assert Question.objects.count() == 0
    assert "Dòng 5: Câu hỏi một đáp án phải có đúng 1 phương án đúng." in errors
    assert "Dòng 5: Mã năng lực “9.9” không có trong khung." in errors


def test_bad_xlsx_rows_are_numbered_like_excel(alice) -> None:
    bad = dict(GOOD_ROWS[1], key="imp-010", target_groups="farmers", difficulty="rất khó")
    errors = rejected(xlsx_bytes([GOOD_ROWS[0], bad]), "xlsx", alice)
    assert errors == ["Dòng 3: Cột difficulty: “rất khó” không phải là số."]
    assert Question.objects.count() == 0


def test_duplicate_keys_in_one_file_are_reported(alice) -> None:
    errors = rejected(csv_bytes([GOOD_ROWS[0], GOOD_ROWS[0]]), "csv", alice)
    assert errors == ["Dòng 3: mã “imp-001” trùng với Dòng 2."]


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        (b"a,b\n1,2\n", "csv", "Dòng 1: thiếu cột"),
        (b"\xff\xfe\x00bad", "csv", "UTF-8"),
        (b"not a workbook", "xlsx", "không phải là bảng tính Excel"),
        (b"<quiz><question", "moodle", "không đọc được"),
        (b"<notquiz/>", "moodle", "<quiz>"),
        (csv_bytes([]), "csv", "không có câu hỏi nào"),
    ],
)
def test_unreadable_files_get_a_clear_message(alice, content, fmt, message) -> None:
    errors = rejected(content, fmt, alice)
    assert message in errors[0]


def test_an_xml_bomb_is_refused(alice) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;">]><quiz>&b;</quiz>'
    )
    assert "không đọc được" in rejected(bomb, "moodle", alice)[0]


def test_importing_a_key_again_updates_by_new_version(alice, bob) -> None:
    imports.questions_import(content=csv_bytes(GOOD_ROWS[:1]), fmt="csv", author=alice)
    version = QuestionVersion.objects.get(question__key="imp-001")
    services.question_submit(version=version, actor=alice)
    services.question_approve(version=version, reviewer=bob)
    changed = dict(GOOD_ROWS[0], stem="Nên tải VNeID ở đâu?")
    result = imports.questions_import(content=csv_bytes([changed]), fmt="csv", author=alice)
    assert (result.created, result.updated) == (0, 1)
    numbers = list(
        QuestionVersion.objects.filter(question__key="imp-001").values_list("number", "status")
    )
    assert sorted(numbers) == [(1, "published"), (2, "draft")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "moodle"])
def test_export_then_import_round_trips(alice, carol, fmt) -> None:
    imports.questions_import(content=csv_bytes(GOOD_ROWS), fmt="csv", author=alice)
    before = {
        v.question.key: (
            v.type,
            v.stem,
            [(o.text, o.is_correct) for o in v.options.all()],
            v.competence.code,
        )
        for v in QuestionVersion.objects.all()
    }
    exported = imports.questions_export(QuestionVersion.objects.all(), fmt)
    Question.objects.all().delete()
    imports.questions_import(content=exported, fmt=fmt, author=carol)
    after = {
        v.question.key: (
            v.type,
            v.stem,
            [(o.text, o.is_correct) for o in v.options.all()],
            v.competence.code,
        )
        for v in QuestionVersion.objects.all()
    }
    assert after == before


def test_xlsx_export_never_writes_formulas(alice) -> None:
    row = dict(GOOD_ROWS[0], stem='=HYPERLINK("http://x")', option_3="@SUM(A1)")
    imports.questions_import(content=csv_bytes([row]), fmt="csv", author=alice)
    sheet = load_workbook(
        io.BytesIO(imports.questions_export(QuestionVersion.objects.all(), "xlsx"))
    ).active
    cells = [c for r in sheet.iter_rows() for c in r]
    assert all(c.data_type != "f" for c in cells)
    assert QuestionVersion.objects.get().stem == '=HYPERLINK("http://x")'


def test_the_import_page_shows_every_error(client, alice) -> None:
    from django.contrib.auth.models import Group

    alice.groups.add(Group.objects.get(name="question_author"))
    client.force_login(alice)
    bad = dict(GOOD_ROWS[0], correct="7")
    upload = SimpleUploadedFile("bank.csv", csv_bytes([bad]), content_type="text/csv")
    response = client.post("/bank/import/", {"file": upload})
    assert response.status_code == 200
    assert (
        "Dòng 2: Cột correct: “7” không phải số thứ tự của một phương án."
        in response.content.decode()
    )


def test_the_import_api_returns_errors_and_writes_nothing(api_as, alice) -> None:
    upload = SimpleUploadedFile("bank.xml", b'<quiz><question type="essay"/></quiz>')
    response = api_as(alice).post("/api/v1/questions/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("Câu hỏi 1: Loại câu hỏi “essay” không hợp lệ.")
    assert Question.objects.count() == 0
