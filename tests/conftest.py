"""Shared fixtures: named personas for each role, and a small valid question."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.utils import translation
from rest_framework.test import APIClient

from community.roles import Role
from question_banks.question_data import OptionData, QuestionData


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def vietnamese_by_default() -> Iterator[None]:
    """Each test starts in Vietnamese: a request made by an earlier test may have left
    another language active in this thread."""
    with translation.override("vi"):
        yield


@pytest.fixture(autouse=True)
def fresh_placement_bank() -> Iterator[None]:
    """The placement bank is cached per process; each test builds its own."""
    from contest.placement.bank import bank_cache_clear

    bank_cache_clear()
    yield


@pytest.fixture(autouse=True)
def fresh_contest_caches() -> None:
    """Contests and frozen versions are cached per process; a test's database (and its
    ids, on SQLite) starts over, so each test starts with empty caches."""
    from contest.asynchronous.contest_cache import contest_cache_clear
    from question_banks.frozen_versions import frozen_versions_clear

    contest_cache_clear()
    frozen_versions_clear()


@pytest.fixture(autouse=True)
def reference_data(request: pytest.FixtureRequest) -> None:
    """Transactional tests (live servers, threads, subprocesses) end with a flush that
    also empties what the data migrations loaded. Reload it, idempotently, before each:
    simpler and sturdier than serialized rollback, whose restore collides with the
    groups our post-migrate handler recreates after a flush."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "live_server" in request.fixturenames
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    from community import seed as community_seed
    from community.signals import roles_ensure
    from question_banks import frameworks_seed

    community_seed.seed(
        apps.get_model("community", "TargetGroup"),
        apps.get_model("community", "Commune"),
        apps.get_model("community", "FormerUnit"),
    )
    frameworks_seed.seed(
        apps.get_model("question_banks", "Framework"),
        apps.get_model("question_banks", "Domain"),
        apps.get_model("question_banks", "Competence"),
        apps.get_model("question_banks", "Level"),
    )
    importlib.import_module("indicators.migrations.0002_seed_definitions").seed(apps, None)
    roles_ensure()


def _user(username: str, *roles: Role) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username)
    for role in roles:
        user.groups.add(Group.objects.get(name=role.value))
    return User.objects.get(pk=user.pk)  # fresh object: no stale permission cache


@pytest.fixture
def alice(db: None) -> User:
    """Alice writes questions."""
    return _user("alice", Role.QUESTION_AUTHOR)


@pytest.fixture
def carol(db: None) -> User:
    """Carol writes questions and also reviews."""
    return _user("carol", Role.QUESTION_AUTHOR, Role.REVIEWER)


@pytest.fixture
def bob(db: None) -> User:
    """Bob reviews questions."""
    return _user("bob", Role.REVIEWER)


@pytest.fixture
def dave(db: None) -> User:
    """Dave organises contests."""
    return _user("dave", Role.ORGANISER)


@pytest.fixture
def eve(db: None) -> User:
    """Eve has an account but no role."""
    return _user("eve")


@pytest.fixture
def api_as() -> Callable[[User | None], APIClient]:
    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def make_question_data(key: str = "test-001", **overrides: object) -> QuestionData:
    data = QuestionData(
        key=key,
        type="single",
        stem="Bạn nhận được tin nhắn yêu cầu gửi mã OTP. Bạn nên làm gì?",
        options=[
            OptionData("Gửi mã OTP ngay"),
            OptionData("Không gửi mã OTP cho ai", correct=True),
            OptionData("Tôi không biết"),
        ],
        explanation="Không bao giờ chia sẻ mã OTP với bất kỳ ai.",
        competence="4.2",
        target_groups=["resident"],
        difficulty=-1.0,
        tags=["lua-dao"],
    )
    for name, value in overrides.items():
        setattr(data, name, value)
    return data


@pytest.fixture
def question_data() -> Callable[..., QuestionData]:
    return make_question_data


@pytest.fixture
def own_signing_keys(settings, tmp_path) -> None:
    """Certificate keys a test makes go to a directory of its own, never to the
    checkout's keys/ (the demo's)."""
    settings.CERT_KEY_DIR = tmp_path / "keys"
