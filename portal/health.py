"""What /healthz reports: a registry of checks, each answering for one part of the portal.

A check is a function returning a `Check`; it is registered once, by name:

    health.register("uploads", uploads_health)              # degraded: the portal still serves
    health.register("database", database_health, critical=True)   # down: /healthz answers 503

The report lists every check in the order registered. Its status is "ok" when all are ok,
"degraded" (HTTP 200: the portal serves, something needs a look) when any is degraded or a
non-critical one is down, and "error" (HTTP 503) when a critical one is down. A check that
raises counts as down, with the error's type as its detail. Checks that need the database
are skipped (reported "skipped") while it is down.
"""

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

OK = "ok"
DEGRADED = "degraded"
DOWN = "down"
SKIPPED = "skipped"


@dataclass
class Check:
    status: str
    #: What the check found (JSON-serialisable), e.g. {"revision": "0010_cache_versions"}.
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Registered:
    name: str
    run: Callable[[], Check]
    critical: bool
    needs_database: bool


_checks: dict[str, Registered] = {}


def register(
    name: str, check: Callable[[], Check], *, critical: bool = False, needs_database: bool = False
) -> None:
    """Add (or replace) the check called `name`."""
    _checks[name] = Registered(name, check, critical, needs_database)


def registered() -> list[str]:
    return list(_checks)


def report() -> tuple[dict[str, Any], int]:
    """(the JSON body of /healthz, its HTTP status)."""
    results: dict[str, Check] = {}
    database_down = False
    for entry in _checks.values():
        if entry.needs_database and database_down:
            results[entry.name] = Check(SKIPPED, {"reason": "database down"})
            continue
        try:
            result = entry.run()
        except Exception as error:  # a broken check reports itself; the others still run
            result = Check(DOWN, {"error": type(error).__name__})
        results[entry.name] = result
        if entry.name == "database" and result.status == DOWN:
            database_down = True
    critical_down = any(
        results[entry.name].status == DOWN for entry in _checks.values() if entry.critical
    )
    if critical_down:
        status = "error"
    elif any(result.status in (DEGRADED, DOWN) for result in results.values()):
        status = DEGRADED
    else:
        status = OK
    body = {
        "status": status,
        "checks": {name: {"status": r.status, **r.details} for name, r in results.items()},
    }
    return body, 503 if critical_down else 200
