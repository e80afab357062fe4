"""Regenerate knowledge/common_words_{nl,en}.txt from the wordfreq package.

These lists tell the matcher which words are ordinary Dutch or English, so that it does not
"correct" them into protocol words (vermoeden -> vermelden). Run by hand when needed:

    pip install wordfreq && python scripts/make_common_words.py

Data: wordfreq by Robyn Speer et al., CC-BY-SA 4.0 (see README, "Credits").
"""

from __future__ import annotations

import re
from pathlib import Path

import wordfreq  # type: ignore[import-not-found]

from bot.text import fold

SIZES = {"nl": 30000, "en": 20000}
WORD = re.compile(r"^[a-z]{2,}$")


def main() -> None:
    for lang, size in SIZES.items():
        words = sorted({fold(w) for w in wordfreq.top_n_list(lang, size)})
        kept = [w for w in words if WORD.match(w)]
        target = Path(__file__).resolve().parent.parent / "knowledge" / f"common_words_{lang}.txt"
        target.write_text("\n".join(kept) + "\n", encoding="utf-8")
        print(f"{target}: {len(kept)} words")


if __name__ == "__main__":
    main()
