"""The house's rules kept by construction: what may import what."""

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parent.parent / "portal"
UPPER_DOMAINS = ("portal.camps", "portal.groups", "portal.training")
#: Wiring that knows every domain on purpose: the app factory, the CLI and the demo seeder.
WIRING = {"__init__.py", "cli.py", "demo.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


BOTTOM = sorted(
    [*(PORTAL / "accounts").glob("*.py"), *(p for p in PORTAL.glob("*.py") if p.name not in WIRING)]
)


@pytest.mark.parametrize("path", BOTTOM, ids=lambda p: str(p.relative_to(PORTAL)))
def test_accounts_and_the_core_know_no_upper_domain(path):
    """Accounts and the core reach the other domains only through portal.signals."""
    upward = {
        name
        for name in imported_modules(path)
        if any(name == domain or name.startswith(domain + ".") for domain in UPPER_DOMAINS)
    }
    assert upward == set()


def test_the_check_sees_an_upward_import(tmp_path):
    source = tmp_path / "example.py"
    source.write_text("def f():\n    from portal.groups import services\n    import portal.camps\n")
    assert {"portal.groups", "portal.camps"} <= imported_modules(source)
