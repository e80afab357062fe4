"""Normalisation, compounds, stemming, typos and language detection."""

from __future__ import annotations

import pytest

from bot.analysis import Analyzer
from bot.matching import Index
from bot.text import MAX_CHARS, Vocabulary, clean, fold, stem, tokenize


def test_fold_removes_case_accents_and_punctuation() -> None:
    assert fold("Mag ik FOTO'S van de Kinderen op Insta zetten?!") == (
        "mag ik fotos van de kinderen op insta zetten"
    )
    assert fold("Conciërge — privé, één") == "concierge prive een"


def test_tokenize_splits_on_punctuation() -> None:
    assert tokenize("fb/insta, tiktok...") == ["fb", "insta", "tiktok"]


def test_clean_strips_control_characters_and_clips() -> None:
    assert clean("a\x00b\x1bc\u202ed").text == "a b c d"
    long = clean("x" * (MAX_CHARS + 10))
    assert (len(long.text), long.truncated) == (MAX_CHARS, True)
    assert clean("kort").truncated is False


def test_snowball_stems_per_language() -> None:
    assert stem("leerlingen", "nl") == stem("leerling", "nl")
    assert stem("lessen", "nl") == stem("les", "nl")
    assert stem("posting", "en") == stem("posted", "en")


def test_vocabulary_splits_dutch_compounds() -> None:
    vocabulary = Vocabulary(["facebook", "discussie", "vriendschap", "verzoek", "school"])
    assert vocabulary.split("facebookdiscussie") == ("facebook", "discussie")
    assert vocabulary.split("vriendschapsverzoek") == ("vriendschap", "verzoek")
    assert vocabulary.split("onbekendwoord") == ()


def test_vocabulary_corrects_typos_within_edit_distance() -> None:
    vocabulary = Vocabulary(["leerling", "toestemming", "foto"])
    assert vocabulary.correct("leeling") == "leerling"
    assert vocabulary.correct("toestemmig") == "toestemming"
    assert vocabulary.correct("vakantie") is None
    assert vocabulary.correct("fot") is None  # too short to guess


@pytest.mark.parametrize(
    ("question", "concept"),
    [
        ("een vriendschapsverzoek van een leerling", "FRIEND"),
        ("die facebookdiscussie", "PLATFORM"),
        ("mag ik een schoolreisfilmpje delen", "VIDEO"),
        ("fotos van de kindren", "PUPIL"),
        ("mag k ff op insta", "PLATFORM"),
        ("na werktijd op mijn eigen account", "PRIVATE"),
    ],
)
def test_analyzer_finds_concepts_through_compounds_typos_and_chat(
    index: Index, question: str, concept: str
) -> None:
    assert concept in index.analyzer.analyze(question).concepts


def test_longest_phrase_wins(index: Index) -> None:
    concepts = index.analyzer.analyze("na werktijd").concepts
    assert "PRIVATE" in concepts
    assert "WORKTIME" not in concepts


def test_ordinary_words_are_not_corrected_into_protocol_words(index: Index) -> None:
    tokens = index.analyzer.analyze("een vermoeden van huiselijk geweld").tokens
    assert tokens == ("een", "vermoeden", "van", "huiselijk", "geweld")


def test_chat_aliases_are_expanded(index: Index) -> None:
    assert index.analyzer.analyze("mag k ff").tokens == ("mag", "ik", "even")


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("mag ik foto's van mijn klas op instagram zetten", "nl"),
        ("can I post pictures of my class on instagram", "en"),
        ("is it ok to follow a pupil", "en"),
        ("foto", "nl"),
        ("", "nl"),
    ],
)
def test_language_detection(index: Index, question: str, lang: str) -> None:
    assert index.analyzer.analyze(question).lang == lang


def test_analyzer_without_lexicon_words_still_works(index: Index) -> None:
    analyzer = Analyzer(index.knowledge.lexicon)
    assert analyzer.analyze("qwerty asdf").concepts == ()
