"""Score follow-up questions on multi-turn dialogue sets, with and without context.

Usage: .venv/bin/python evaluation/dialogue_eval.py [FILE ...]
(default: evaluation/dialogues.yaml, the tuning set, and evaluation/dialogues_heldout.yaml,
which is never tuned on). Every dialogue is played in one conversation and, for comparison,
with each turn on its own; see bot/dialogues.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.assistant import Assistant
from bot.conversation import Conversations
from bot.dialogues import evaluate_dialogues, format_dialogue_report, load_dialogues
from bot.knowledge import load_knowledge

DEFAULT = [Path("evaluation/dialogues.yaml"), Path("evaluation/dialogues_heldout.yaml")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--misses", action="store_true", help="list the turns answered wrong")
    args = parser.parse_args()
    assistant = Assistant(load_knowledge(), conversations=Conversations())
    for path in args.files:
        report = evaluate_dialogues(load_dialogues(path), assistant)
        print(format_dialogue_report(report, name=str(path)))
        if args.misses:
            print("\n".join(f"  miss: {m}" for m in report.misses))
        print()


if __name__ == "__main__":
    main()
