"""The core stays platform-free: nothing under bot/ imports a platform SDK."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_bot_imports_no_platform_sdk() -> None:
    offenders = {
        str(path.relative_to(BOT.parent)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in PLATFORM_SDKS
        )
        for path in BOT.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_sees_imports() -> None:
    sample = BOT.parent / "adapters" / "console" / "chat.py"
    assert "bot.assistant" in imported_modules(sample)
