"""The question-bank API: what each role may do, and the OpenAPI schema."""

from __future__ import annotations

import pytest

from question_banks.models import QuestionVersion

pytestmark = pytest.mark.django_db

NEW_QUESTION = {
    "key": "api-001",
    "type": "true_false",
    "stem": "Công an không bao giờ yêu cầu chuyển tiền qua điện thoại.",
    "options": [{"text": "Đúng", "correct": True}, {"text": "Sai", "correct": False}],
    "explanation": "Công an không làm việc với người dân qua điện thoại để yêu cầu chuyển tiền.",
    "competence": "4.2",
    "difficulty": -1.5,
    "target_groups": ["resident", "student"],
    "tags": ["lua-dao"],
}


def create(client) -> dict:
    response = client.post("/api/v1/questions/create/", NEW_QUESTION, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_anonymous_users_cannot_read_the_bank(api_as) -> None:
    assert api_as(None).get("/api/v1/questions/").status_code == 403


def test_users_without_a_role_cannot_read_the_bank(api_as, eve) -> None:
    assert api_as(eve).get("/api/v1/questions/").status_code == 403


def test_an_author_creates_a_draft(api_as, alice) -> None:
    body = create(api_as(alice))
    assert (body["key"], body["number"], body["status"]) == ("api-001", 1, "draft")
    assert body["target_groups"] == ["resident", "student"]


def test_invalid_questions_get_vietnamese_errors(api_as, alice) -> None:
    bad = {**NEW_QUESTION, "options": [{"text": "Đúng"}, {"text": "Sai"}]}
    response = api_as(alice).post("/api/v1/questions/create/", bad, format="json")
    assert response.status_code == 400
    assert "Đúng/Sai" in response.json()["errors"][0]


@pytest.mark.parametrize("persona", ["bob", "dave", "eve"])
def test_only_authors_create_questions(api_as, persona, request) -> None:
    user = request.getfixturevalue(persona)
    response = api_as(user).post("/api/v1/questions/create/", NEW_QUESTION, format="json")
    assert response.status_code == 403


def test_organisers_read_but_do_not_review(api_as, alice, dave) -> None:
    create(api_as(alice))
    assert api_as(dave).get("/api/v1/questions/").status_code == 200
    assert api_as(dave).post("/api/v1/questions/api-001/approve/").status_code == 403


def test_the_review_workflow_through_the_api(api_as, alice, bob) -> None:
    create(api_as(alice))
    assert api_as(alice).post("/api/v1/questions/api-001/submit/").status_code == 200
    assert api_as(alice).post("/api/v1/questions/api-001/approve/").status_code == 403
    response = api_as(bob).post("/api/v1/questions/api-001/approve/", {"comment": "Đạt"})
    assert response.status_code == 200
    assert response.json()["status"] == "published"


def test_self_approval_is_refused_through_the_api(api_as, carol) -> None:
    create(api_as(carol))
    api_as(carol).post("/api/v1/questions/api-001/submit/")
    response = api_as(carol).post("/api/v1/questions/api-001/approve/")
    assert response.status_code == 403
    assert QuestionVersion.objects.get(question__key="api-001").status == "in_review"


def test_editing_a_published_question_through_the_api_makes_version_two(api_as, alice, bob) -> None:
    create(api_as(alice))
    api_as(alice).post("/api/v1/questions/api-001/submit/")
    api_as(bob).post("/api/v1/questions/api-001/approve/")
    edited = {
        **NEW_QUESTION,
        "stem": "Công an không yêu cầu chuyển tiền qua điện thoại, đúng không?",
    }
    response = api_as(alice).put("/api/v1/questions/api-001/edit/", edited, format="json")
    assert response.status_code == 200
    assert (response.json()["number"], response.json()["status"]) == (2, "draft")


def test_list_filters(api_as, alice) -> None:
    create(api_as(alice))
    client = api_as(alice)
    assert client.get("/api/v1/questions/", {"competence": "4.2"}).json()["count"] == 1
    assert client.get("/api/v1/questions/", {"competence": "6.1"}).json()["count"] == 0
    assert client.get("/api/v1/questions/", {"search": "chuyển tiền"}).json()["count"] == 1
    assert client.get("/api/v1/questions/", {"target_group": "worker"}).json()["count"] == 0


def test_translations_through_the_api(api_as, alice) -> None:
    create(api_as(alice))
    translation = {
        "language": "en",
        "stem": "The police never ask for transfers.",
        "options": ["True", "False"],
    }
    response = api_as(alice).post(
        "/api/v1/questions/api-001/translations/", translation, format="json"
    )
    assert response.status_code == 200
    assert response.json()["translations"][0]["review_state"] == "needs_review"


def test_frameworks_are_public(api_as) -> None:
    frameworks = {f["code"]: f for f in api_as(None).get("/api/v1/frameworks/").json()}
    assert len(frameworks["tt02-2025"]["domains"]) == 6
    assert sum(len(d["competences"]) for d in frameworks["tt02-2025"]["domains"]) == 24
    assert [level["name"] for level in frameworks["kns-cb-4"]["levels"]] == [
        "Cơ bản 1",
        "Cơ bản 2",
        "Trung cấp 1",
        "Trung cấp 2",
    ]


def test_the_openapi_schema_documents_every_api(client) -> None:
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/questions/", "/api/v1/questions/import/", "/api/v1/communes/"):
        assert path in paths
    assert client.get("/api/docs/").status_code == 200
