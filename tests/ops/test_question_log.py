"""`policybot serve` logs the questions it answers, for `policybot report`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.ops.conftest import Connector, clean_env, teams_message


def test_served_questions_reach_the_report(
    serve_factory: Any, connector: Connector, tmp_path: Path
) -> None:
    served = serve_factory(POLICYBOT_TEAMS_INSECURE_LOCAL="1")
    for text in ("mag ik foto's van mijn klas op instagram", "wat kost de schoolreis?"):
        assert served.post_json("/api/messages", teams_message(connector.url, text)).status == 200
    served.stop()
    report = subprocess.run(
        [sys.executable, "-m", "bot.cli", "report", "--json"],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert '"questions": 2' in report.stdout
    assert '"clause_id": "A5"' in report.stdout
    assert '"text": "wat kost de schoolreis?"' in report.stdout
    for line in served.lines():  # the log has ids and clause numbers, never the texts
        assert "schoolreis" not in line and "instagram" not in line
