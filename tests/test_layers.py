"""The shape of the code, checked: features import only what they share, the pure rules
import nothing of the bot, and Telegram's message quirks are handled in one place."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = ROOT / "handlers"


def imported(path: Path) -> set[str]:
    """Every module `path` imports (absolute names), at the top or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def feature_of(path: Path) -> str:
    """`cabinet` for handlers/cabinet.py, `admin` for anything in handlers/admin/."""
    relative = path.relative_to(HANDLERS)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def features() -> list[Path]:
    return [
        path
        for path in sorted(HANDLERS.rglob("*.py"))
        if not path.is_relative_to(HANDLERS / "shared") and path != HANDLERS / "__init__.py"
    ]


def handler_modules() -> set[str]:
    return {
        ".".join(("handlers", *path.relative_to(HANDLERS).with_suffix("").parts))
        for path in HANDLERS.rglob("*.py")
    } | {"handlers"}


def test_features_import_only_what_they_share_and_themselves() -> None:
    modules = handler_modules()
    assert len(features()) >= 10
    for path in features():
        own = f"handlers.{feature_of(path)}"
        for name in imported(path) & modules:
            allowed = name.startswith(("handlers.shared", own)) and name != "handlers"
            assert allowed, f"{path.relative_to(ROOT)} imports {name}"


def test_what_features_share_imports_no_feature() -> None:
    modules = handler_modules()
    for path in sorted((HANDLERS / "shared").rglob("*.py")):
        for name in imported(path) & modules:
            assert name.startswith("handlers.shared"), f"{path.name} imports {name}"


def test_the_rules_are_pure() -> None:
    outside = ("db", "handlers", "keyboards", "scheduler", "aiogram", "sqlalchemy")
    for path in sorted((ROOT / "bot" / "rules").glob("*.py")):
        for name in imported(path):
            assert not name.startswith(outside), f"{path.name} imports {name}"
            if name.startswith("bot."):
                assert name.startswith("bot.rules"), f"{path.name} imports {name}"


def test_the_database_layer_does_not_reach_up() -> None:
    for path in sorted((ROOT / "db").glob("*.py")):
        for name in imported(path):
            assert not name.startswith(("handlers", "keyboards", "scheduler")), path.name
            if name.startswith("bot."):
                assert name.startswith("bot.rules"), f"db/{path.name} imports {name}"


def without_docstrings(path: Path) -> str:
    """The module's code without comments and docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                body[0] = ast.Pass()
    return ast.unparse(tree)


def test_telegram_quirks_live_in_the_screen_helper() -> None:
    helper = HANDLERS / "shared" / "screens.py"
    assert "is not modified" in without_docstrings(helper)
    quirks = ("isinstance(callback.message", "is not modified", "can't be edited")
    for path in sorted(HANDLERS.rglob("*.py")):
        if path != helper:
            code = without_docstrings(path)
            for quirk in quirks:
                assert quirk not in code, f"{path.relative_to(ROOT)} handles {quirk!r}"
