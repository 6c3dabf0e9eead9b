"""`make test`'s three passes side by side: SQLite, PostgreSQL (when TEST_DATABASE_URL is set)
and the browser journeys (SQLite). Each writes its own log; a failing pass's log is printed
whole, the others' last lines. Running them at once roughly halves the wall time on two cores:
the browser pass mostly waits for Chromium and the PostgreSQL pass for the server."""

import os
import subprocess  # nosec B404 - runs pytest with fixed arguments
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "tests" / "logs"


def passes() -> dict[str, tuple[list[str], dict]]:
    pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    sqlite_env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    chosen = {
        "sqlite": ([*pytest, "-m", "not browser"], sqlite_env),
        "browser": ([*pytest, "-m", "browser", "tests/browser"], sqlite_env),
    }
    if os.environ.get("TEST_DATABASE_URL"):
        chosen["postgresql"] = ([*pytest, "-m", "not browser"], dict(os.environ))
    return chosen


def main() -> int:
    LOGS.mkdir(exist_ok=True)
    started = time.monotonic()
    running = {}
    for name, (command, env) in passes().items():
        log = (LOGS / f"{name}.log").open("w")
        running[name] = (subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log), log)  # nosec B603
    if "postgresql" not in running:
        print(
            "SKIPPED: PostgreSQL pass (set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test)"
        )
    failed = []
    for name, (process, log) in running.items():
        process.wait()
        log.close()
        text = (LOGS / f"{name}.log").read_text()
        # pytest exit code 5: no tests collected (e.g. no browser tests selected) is not a failure
        if process.returncode not in (0, 5):
            failed.append(name)
            print(f"== {name}: FAILED ==\n{text}")
        else:
            summary = [line for line in text.splitlines() if line.strip()][-3:]
            print(f"== {name}: " + " | ".join(summary))
    print(f"make test: {time.monotonic() - started:.0f} s for {len(running)} passes side by side")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
