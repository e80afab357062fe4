"""Hot reload: edits to the knowledge and the org file are served without a restart; an
invalid edit is rejected with its problems logged, and the last good version stays in service."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot import matching, model
from bot.assistant import Assistant
from bot.knowledge import knowledge_dir, load_knowledge
from bot.models import IncomingMessage, UserRef
from bot.reload import ReloadableAssistant, Reloader
from bot.runtime import KnowledgeLoader
from bot.settings import Settings
from tests.ops.conftest import Connector, teams_message

OLD = "zet je alleen op social media als iedereen die erop staat"
NEW = "HERLADEN: alleen met schriftelijke toestemming."
QUESTION = "mag ik fotos van mijn klas op insta zetten"


def copy_knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), folder, ignore=shutil.ignore_patterns("__*"))
    return folder


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a file and make sure its modification time moves."""
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    stamp = time.time() + 1
    import os

    os.utime(path, (stamp, stamp))


def wait_for(condition: Callable[[], bool], *, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def reply_text(assistant: Assistant) -> str:
    return assistant.handle(IncomingMessage(QUESTION, UserRef("t", "t"))).text


def test_reloader_swaps_valid_edits_and_keeps_the_last_good_version(tmp_path: Path) -> None:
    folder = copy_knowledge(tmp_path)
    assistant = ReloadableAssistant(Assistant(load_knowledge(folder)))
    reloader = Reloader(
        assistant, lambda: Assistant(load_knowledge(folder)), knowledge_folder=folder
    )
    assert OLD in reply_text(assistant)

    workflows_copy = KnowledgeLoader(Settings(_env_file=None, knowledge_dir=folder))  # type: ignore[call-arg]
    assert OLD in workflows_copy("Het Kofschip").clause("A5").answer.nl

    edit(folder / "protocol.yaml", OLD, NEW)
    assert reloader.check() == ["knowledge"]
    assert NEW in reply_text(assistant)
    assert NEW in workflows_copy("Het Kofschip").clause("A5").answer.nl

    edit(folder / "protocol.yaml", "  - id: A5", "  - id: a five")
    assert reloader.check() == []
    assert NEW in reply_text(assistant)


def test_reloader_swaps_the_org_in_place_and_keeps_the_last_good_one(tmp_path: Path) -> None:
    org = tmp_path / "org.yaml"
    shutil.copy(knowledge_dir() / "org.example.yaml", org)
    assistant = ReloadableAssistant(Assistant(load_knowledge()))
    reloader = Reloader(assistant, lambda: assistant.current, org_file=org)
    in_use = reloader.org  # what a workflow Context holds
    assert in_use is not None

    edit(org, "name: Demo Directeur", "name: Nieuwe Directeur")
    assert reloader.check() == ["org"]
    edit(org, "schools:", "schoolz:")
    assert reloader.check() == []

    person = in_use.person("directeur@kofschip.example")
    assert person is not None
    assert person.name == "Nieuwe Directeur"
    assert reloader.org is in_use
    assert reloader.org_error is None


def teams_answer(served: Any, connector: Connector) -> str:
    """Ask over Teams and return the text of the reply the bot sent to the connector."""
    before = len(connector.bodies)
    assert served.post_json("/api/messages", teams_message(connector.url, QUESTION)).status == 200
    wait_for(lambda: len(connector.bodies) > before)
    return json.dumps(connector.bodies[-1], ensure_ascii=False)


def test_serve_picks_up_edits_without_a_restart(
    serve_factory: Any, connector: Connector, tmp_path: Path
) -> None:
    folder = copy_knowledge(tmp_path)
    served = serve_factory(
        POLICYBOT_KNOWLEDGE_DIR=str(folder),
        POLICYBOT_RELOAD_SECONDS="0.2",
        POLICYBOT_TEAMS_INSECURE_LOCAL="1",
    )
    assert OLD in teams_answer(served, connector)

    edit(folder / "protocol.yaml", OLD, NEW)
    wait_for(lambda: any("knowledge reloaded" in line for line in served.lines()))
    assert NEW in teams_answer(served, connector)

    edit(folder / "lexicon.yaml", "concepts:", "concepten:")
    wait_for(lambda: any("edit rejected" in line for line in served.lines()))
    assert NEW in teams_answer(served, connector)
    assert served.get("/readyz").status == 200
    assert served.stop() == 0


def test_the_old_model_keeps_answering_while_an_edit_retrains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_knowledge(tmp_path)
    assistant = ReloadableAssistant(Assistant(load_knowledge(folder)))
    reloader = Reloader(
        assistant, lambda: Assistant(load_knowledge(folder)), knowledge_folder=folder
    )
    training = threading.Event()
    release = threading.Event()
    real_train = model.train

    def slow_train(*args: Any, **kwargs: Any) -> Any:
        training.set()
        release.wait(timeout=60)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(matching, "train", slow_train)
    # A phrasing no earlier run trained on, so no cached model can stand in for the training.
    fresh = f"mag ik een kiekje {time.time_ns()} of foto"
    edit(folder / "protocol.yaml", '        - "mag ik foto', f'        - "{fresh}')
    old = assistant.current
    worker = threading.Thread(target=reloader.check)
    worker.start()
    assert training.wait(timeout=60)

    answers = [assistant.handle(IncomingMessage(q, UserRef("t", "t"))) for q in (QUESTION,) * 3]

    release.set()
    worker.join(timeout=120)
    assert [a.clause_id for a in answers] == ["A5"] * 3
    assert not worker.is_alive()
    assert assistant.current is not old  # the retrained one is in service now
