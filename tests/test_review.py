"""`policybot knowledge review` end to end: logged misses become phrasings, piped input."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import yaml
from sqlalchemy import insert

from bot.knowledge import knowledge_dir
from bot.store.db import Store
from bot.store.models import QuestionRow
from tests.test_cli import run

PHOTO = "mag de foto van de schoolreis in de groepsapp van de ouders"
PHONE = "mijn telefoon laadt niet meer op, kan ik een andere lenen"


def _knowledge_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), folder, ignore=shutil.ignore_patterns("__*"))
    return folder


def _log_questions(url: str, *texts: str) -> None:
    store = Store.open(url)
    rows = [
        {
            "asked_at": datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            "platform": "slack",
            "lang": "nl",
            "kind": "out_of_scope",
            "clause_id": None,
            "confidence": 0.3,
            "text": text,
        }
        for text in texts
    ]
    with store.transaction() as session:
        session.execute(insert(QuestionRow), rows)
    store.dispose()


def _review(tmp_path: Path, folder: Path, url: str, answers: str) -> tuple[int, str]:
    env = {"POLICYBOT_KNOWLEDGE_DIR": str(folder), "DATABASE_URL": url}
    result = run("knowledge", "review", stdin=answers, env=env, timeout=300)
    return result.returncode, result.stdout + result.stderr


def test_review_writes_the_choices_into_the_files_and_keeps_their_layout(tmp_path: Path) -> None:
    folder = _knowledge_copy(tmp_path)
    url = f"sqlite:///{tmp_path / 'review.db'}"
    _log_questions(url, PHOTO, PHOTO, PHONE)
    before = (folder / "protocol.yaml").read_text(encoding="utf-8")

    code, output = _review(tmp_path, folder, url, "A5\no\n")

    assert code == 0, output
    assert "2 group(s) to review" in output
    assert f"'{PHOTO}' (2x, nl)" in output
    assert "added 2 question(s)" in output
    after = (folder / "protocol.yaml").read_text(encoding="utf-8")
    assert (
        after.replace(f'        - "{PHOTO}"\n', "", 1) == before
    )  # one line more, no other change
    protocol = yaml.safe_load(after)
    [a5] = [c for c in protocol["clauses"] if c["id"] == "A5"]
    assert a5["questions"]["nl"][-1] == PHOTO
    negatives = yaml.safe_load((folder / "out_of_scope.yaml").read_text(encoding="utf-8"))
    assert negatives["questions"]["nl"][-1] == PHONE
    assert "# --- everyday school matters" in (folder / "out_of_scope.yaml").read_text()


def test_review_skips_repeats_what_it_knows_and_asks_again_on_a_typo(tmp_path: Path) -> None:
    folder = _knowledge_copy(tmp_path)
    url = f"sqlite:///{tmp_path / 'review.db'}"
    _log_questions(url, PHOTO)
    original = (folder / "protocol.yaml").read_bytes()

    code, output = _review(tmp_path, folder, url, "Z9\ns\n")

    assert code == 0
    assert "'Z9' is not a guess number, a clause id, 'o' or 's'" in output
    assert "nothing added; the knowledge files are unchanged" in output
    assert (folder / "protocol.yaml").read_bytes() == original


def test_a_question_already_accepted_is_not_offered_again(tmp_path: Path) -> None:
    folder = _knowledge_copy(tmp_path)
    url = f"sqlite:///{tmp_path / 'review.db'}"
    _log_questions(url, PHOTO)
    assert _review(tmp_path, folder, url, "1\n")[0] == 0

    code, output = _review(tmp_path, folder, url, "")

    assert code == 0
    assert "nothing to review" in output
