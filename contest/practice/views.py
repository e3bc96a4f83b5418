"""Practice pages: pick a group and a topic, answer, see why right away, learn next."""

from __future__ import annotations

import random

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from community.languages import active_language
from community.models import TargetGroup
from contest.asynchronous import scoring
from contest.asynchronous.forms import choice_from_post
from contest.asynchronous.presentation import reviewed_translation, shown_question
from contest.practice.session import PracticeState, learn_next, practice_start
from question_banks.models import QuestionVersion, Tag

SESSION_KEY = "practice"


def practice_home(request: HttpRequest) -> HttpResponse:
    published = Q(questionversion__status=QuestionVersion.Status.PUBLISHED)
    topics = (
        Tag.objects.annotate(n=Count("questionversion", filter=published))
        .filter(n__gte=3)
        .order_by("-n")
    )
    return render(
        request,
        "contest/practice_home.html",
        {
            "groups": TargetGroup.objects.all(),
            "topics": topics,
            "has_session": SESSION_KEY in request.session,
        },
    )


@require_POST
def practice_begin(request: HttpRequest) -> HttpResponse:
    state = practice_start(
        target_group=request.POST.get("target_group", ""),
        tag=request.POST.get("tag", ""),
        rng=random.Random(),
    )
    if state is None:
        return redirect("practice_home")
    request.session[SESSION_KEY] = state.to_dict()
    return redirect("practice_question")


def practice_question(request: HttpRequest) -> HttpResponse:
    data = request.session.get(SESSION_KEY)
    if not data:
        return redirect("practice_home")
    state = PracticeState.from_dict(data)
    if state.finished:
        return redirect("practice_summary")
    version = QuestionVersion.objects.prefetch_related("options").get(
        pk=state.version_ids[state.position]
    )
    order = state.option_orders[state.position]
    chosen: list[int] = state.last_choice if state.answered else []
    if request.method == "POST" and request.POST.get("go") == "next" and state.answered:
        state.position += 1
        state.answered = False
        request.session[SESSION_KEY] = state.to_dict()
        return redirect("practice_question")
    if request.method == "POST" and not state.answered:
        chosen = choice_from_post(request, version.type, order)
        if scoring.choice_problem(version.type, order, chosen) is None:
            options = [(o.pk, o.is_correct) for o in version.options.all()]
            state.results.append(scoring.is_correct(version.type, options, chosen))
            state.answered = True
            state.last_choice = chosen
            request.session[SESSION_KEY] = state.to_dict()
    language = active_language()
    item = shown_question(
        version, order, position=state.position + 1, chosen=chosen, language=language
    )
    # The key and the explanation, in the language of the question as shown.
    by_position = sorted(version.options.all(), key=lambda o: o.position)
    texts = {o.pk: o.text for o in by_position}
    explanation, explanation_lang = version.explanation, "vi"
    translation = reviewed_translation(version, language) if state.answered else None
    if translation is not None and item.translated:
        texts = {o.pk: str(t) for o, t in zip(by_position, translation.options, strict=True)}
        if translation.explanation.strip():
            explanation, explanation_lang = translation.explanation, item.lang
    key = [texts[o.pk] for o in by_position if o.is_correct or version.type == "ordering"]
    return render(
        request,
        "contest/practice_question.html",
        {
            "item": item,
            "version": version,
            "state": state,
            "total": len(state.version_ids),
            "right": state.results[-1] if state.answered else None,
            "correct_texts": key,
            "explanation": explanation,
            "explanation_lang": explanation_lang,
        },
    )


def practice_summary(request: HttpRequest) -> HttpResponse:
    data = request.session.get(SESSION_KEY)
    if not data:
        return redirect("practice_home")
    state = PracticeState.from_dict(data)
    return render(
        request,
        "contest/practice_summary.html",
        {"right": sum(state.results), "total": len(state.results), "learn": learn_next(state)},
    )
