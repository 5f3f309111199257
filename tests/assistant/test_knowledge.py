"""The knowledge base: markdown sections plus state notes generated from the calc rule data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.assistant.knowledge import KnowledgeBase, load_passages, shared_knowledge, split_markdown
from app.assistant.state_notes import state_note
from calc.rules import rule_book


def test_every_state_in_the_rule_data_gets_a_note_built_from_it() -> None:
    book = rule_book()
    kb = shared_knowledge()
    today = date.today()
    for code in book.states:
        rules = book.for_state(code, today)
        assert rules is not None
        passage = kb.get(f"state-tax/{code}")
        assert passage is not None, code
        assert passage.text == state_note(rules, book.rules_version)
        assert rules.name in passage.text and book.rules_version in passage.text
        for component in rules.components:
            assert f"{(component.rate * 100).normalize():f}" in passage.text.replace(" %", "%"), code


def test_a_rule_version_change_shows_in_the_note() -> None:
    # Maryland's rate changed on 2025-07-01 in the rule data: the note follows the date asked for.
    book = rule_book()
    timeline = book.states["MD"]
    if len(timeline.versions) < 2:
        pytest.skip("the rule data has a single Maryland version")
    before, after = timeline.versions[-2], timeline.versions[-1]
    assert state_note(before, book.rules_version) != state_note(after, book.rules_version)
    assert after.effective_from.isoformat() in state_note(after, book.rules_version)


def test_markdown_is_split_into_cited_sections() -> None:
    passages = split_markdown(
        "guide.md", "# Guide\nIntro text.\n\n## First part\nAlpha.\n\n## Second part\nBeta.\n"
    )
    assert [(p.id, p.title) for p in passages] == [
        ("guide.md", "Guide"),
        ("guide.md#first-part", "Guide: First part"),
        ("guide.md#second-part", "Guide: Second part"),
    ]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How do I handle 'I need to think about it'?", "objections.md#i-need-to-think-about-it"),
        ("customer says the payment is too high", "objections.md#the-payment-is-too-high"),
        ("Does the trade-in reduce the tax in Texas?", "state-tax/TX"),
        ("Why is the tax higher in one county than another?", "taxes.md#the-jurisdiction"),
        ("show a payment grid with different down payments", "desking.md#payment-grids"),
    ],
)
def test_questions_find_the_right_passage(question: str, expected: str) -> None:
    assert expected in [p.id for p in shared_knowledge().search(question, k=3)]


def test_a_dealers_own_documents_are_indexed(tmp_path: Path) -> None:
    (tmp_path / "lenders.md").write_text("# Lenders\n## Credit union programs\nMembers get 1 point off.\n")
    kb = KnowledgeBase(load_passages(tmp_path), "test")
    assert kb.search("credit union program")[0].id == "lenders.md#credit-union-programs"
