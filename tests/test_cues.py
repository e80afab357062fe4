"""Cue phrases (bot/text.py): does a message state a condition, not negate, doubt or ask it?"""

from __future__ import annotations

import pytest

from bot.text import message_parts, parse_cue, states_cue


def test_a_cue_is_folded_and_a_trailing_star_marks_a_prefix() -> None:
    cue = parse_cue("Media-literacy onderteken*")
    assert (cue.words, cue.prefixes) == (("media", "literacy", "onderteken"), (False, False, True))


def test_message_parts_split_at_punctuation() -> None:
    parts = message_parts("Mag ik dit posten? De ouders tekenden, behalve één - denk ik")
    assert parts == [
        ("mag", "ik", "dit", "posten"),
        ("de", "ouders", "tekenden"),
        ("behalve", "een"),
        ("denk", "ik"),
    ]


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("de ouders hebben het formulier getekend", "formulier getekend"),
        ("de ouders hebben het formulier getekent", "formulier getekend"),  # a typo
        ("the parents signed the form", "signed the form"),
        ("the parents have signed all the forms", "signed the form"),  # inflection and a gap
        ("alle ouders hebben toestemmig gegevn", "toestemming gegeven"),  # two typos
        ("ze hebben het ondertekende formulier", "onderteken*"),
        ("mag het? de ouders hebben toestemming gegeven", "toestemming gegeven"),
        ("met toestemming van alle ouders", "toestemming van de ouders"),  # another determiner
        ("de directeur heeft toestemming gegeven", "directeur toestemming"),  # one word between
        ("een filmpje op mijn privé-tiktok over mijn klas", "privé* over klas"),
    ],
)
def test_stated_cues_are_found(text: str, cue: str) -> None:
    assert states_cue(text, [cue])


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("zonder toestemming van de ouders", "toestemming van de ouders"),
        ("de ouders hebben geen toestemming gegeven", "toestemming gegeven"),
        ("de ouders hebben nog niet getekend", "getekend"),
        ("heb ik toestemming van de ouders nodig?", "heb toestemming"),
        ("moet ik toestemming vragen", "met toestemming"),
        ("without consent", "with consent"),
        ("the parents didn't sign the form", "signed the form"),
        ("do I need the parents' permission", "parents permission"),
        ("I'm not sure the parents signed", "parents signed"),
        ("toestemming is er, maar gegeven door wie", "toestemming gegeven"),  # another part
        ("the form was signed", "signed the form"),  # another order
        ("de ouders hebben lang geleden getekend", "ouders getekend"),  # too far apart
        ("een tiktok over dansen maar leerlingen kijken mee", "over leerling*"),
    ],
)
def test_negated_asked_or_absent_cues_are_not_found(text: str, cue: str) -> None:
    assert not states_cue(text, [cue])


def test_a_cue_may_hold_its_own_negation() -> None:
    assert states_cue("mag ik de cijfers delen als er geen namen bij staan?", ["geen namen"])
    assert not states_cue("moet ik er dan geen namen bij zetten?", ["geen namen"])


def test_any_of_several_cues_is_enough() -> None:
    assert states_cue("the parents signed", ["toestemming gegeven", "parents signed"])
    assert not states_cue("the parents signed", [])
