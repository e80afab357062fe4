"""The nearest-phrasing model that replaces the regression for very large knowledge bases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot import model_cache
from bot.matching import Index, MatcherConfig, build_index, clause_probabilities, match
from bot.model import ModelConfig
from bot.models import Knowledge
from bot.neighbours import NeighbourModel


@pytest.fixture(scope="module")
def neighbour_index(knowledge: Knowledge) -> Index:
    """The bundled protocol with the regression's limit set below its 25 clauses."""
    config = MatcherConfig(model=ModelConfig(max_regression_clauses=5))
    return build_index(knowledge, config, embedder=None)


def test_above_the_limit_the_model_keeps_nearest_phrasings(neighbour_index: Index) -> None:
    model = neighbour_index.model
    assert isinstance(model, NeighbourModel)
    assert 0.005 <= model.temperature <= 1.0
    assert len(model.starts) == len(model.classes) == len(neighbour_index.clauses) + 1


@pytest.mark.parametrize(
    ("question", "clause_id"),
    [
        ("mag ik fotos van mijn klas op insta zetten", "A5"),
        ("een leerling stuurt me een vriendschapsverzoek", "A6"),
        ("can I post pictures of my class on facebook", "A5"),
    ],
)
def test_nearest_phrasings_answer_questions(
    neighbour_index: Index, question: str, clause_id: str
) -> None:
    result = match(question, neighbour_index)
    assert (result.abstained, result.matches[0].clause_id) == (False, clause_id)


def test_nearest_phrasings_refuse_everyday_school_matters(neighbour_index: Index) -> None:
    assert match("wanneer krijg ik mijn salaris deze maand", neighbour_index).abstained


def test_probabilities_are_a_distribution_over_every_class(neighbour_index: Index) -> None:
    analysis = neighbour_index.analyzer.analyze("mag ik een foto van de sportdag delen")
    probabilities = clause_probabilities(analysis, neighbour_index)
    assert probabilities.shape == (len(neighbour_index.model.classes),)
    assert abs(float(probabilities.sum()) - 1.0) < 1e-9


def test_a_cached_neighbour_model_predicts_as_the_trained_one(
    neighbour_index: Index, tmp_path: Path
) -> None:
    trained = neighbour_index.model
    model_cache.save("n", trained, tmp_path)
    loaded = model_cache.load("n", tmp_path)
    assert isinstance(loaded, NeighbourModel)
    rows = neighbour_index.featurizer.transform(
        [neighbour_index.analyzer.analyze("mag ik foto's op facebook zetten")]
    )
    assert np.allclose(loaded.probabilities(rows), trained.probabilities(rows))
    assert isinstance(trained, NeighbourModel) and loaded.temperature == trained.temperature
