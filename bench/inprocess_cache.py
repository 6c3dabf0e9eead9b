"""CPU per request of a few pages in one process, for A/B-measuring caches (issue 19, wins 2–4).

    .venv/bin/python bench/inprocess_cache.py --db sqlite:////tmp/large.db \\
        --showcase /tmp/showcase.json [--root /path/to/a/worktree] [-n 30] [--pages balance,...]

Signs in through the Flask test client (the real login form) as the demo account of each page
and times `n` GETs of its path with time.process_time: "cold" clears the shared cache
(Flask-Caching; SimpleCache unless CACHE_REDIS_URL is set) before each GET, "warm" keeps it. Prints
one JSON line per page with the median CPU ms per request. `--compare BASE_ROOT` runs this script
against BASE_ROOT and this worktree in turn, `--rounds` times, interleaved, and prints both.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
PASSWORD = "demo-password-2026"
BASE = "http://127.0.0.1"  # the trusted host of BASE_URL
ORGANISER, YOUTH = "organiser@demo.example.org", "youth@demo.example.org"
PAGES = {  # name → (path, demo login)
    "balance": ("/manage/camps/{camp}/balance", ORGANISER),
    "dashboard": ("/reports", ORGANISER),
    "application_form": ("/applications/{draft}", YOUTH),
    "profile_form": ("/account/profile", YOUTH),
    "register": ("/auth/register", None),
    "youth_home": ("/", YOUTH),
}


def environment(db: str, root: Path) -> dict:
    return dict(os.environ, DATABASE_URL=db, PORTAL_ENV="production", PYTHONPATH=str(root),
                SECRET_KEY="bench-only-secret-" + "x" * 20, MAIL_BACKEND="memory",
                BASE_URL="http://127.0.0.1", RATELIMIT_ALLOW_MEMORY="1",
                JASHTAR_SESSION_COOKIE_SECURE="false", JASHTAR_RATELIMIT_ENABLED="false")  # fmt: skip


def sign_in(client, email: str) -> None:
    page = client.get("/auth/login", base_url=BASE).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/auth/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        base_url=BASE,
    )
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in as {email}: {response.status_code}")
    client.get("/", base_url=BASE)  # the cookie a browser replays after its first signed-in page


def measure(names: list[str], showcase: dict, n: int) -> None:
    from portal import create_app
    from portal.extensions import cache

    app = create_app("production")
    with app.app_context():  # the demo young person's draft (seed-demo makes one)
        from portal.extensions import db

        showcase["draft"] = db.session.execute(
            db.text("SELECT application.id FROM application JOIN \"user\" ON"
                    " \"user\".id = application.user_id WHERE email = :email"
                    " AND status = 'draft'"), {"email": YOUTH}
        ).scalar()  # fmt: skip
    clients = {}
    for name in names:
        path, login = PAGES[name]
        path = path.format(**showcase)
        if login not in clients:
            clients[login] = app.test_client()
            if login:
                sign_in(clients[login], login)
        client = clients[login]
        result = {"page": name, "path": path}
        for mode in ("cold", "warm"):
            times = []
            for _ in range(n):
                if mode == "cold":
                    with app.app_context():
                        cache.clear()
                started = time.process_time()
                response = client.get(path, base_url=BASE)
                times.append((time.process_time() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}")
            result[mode] = round(statistics.median(times[1:] if n > 2 else times), 2)
        print(json.dumps(result), flush=True)


def compare(args) -> None:
    roots = {"main": Path(args.compare).resolve(), "branch": HERE}
    figures: dict[str, dict[str, dict[str, list[float]]]] = {}
    for _round in range(args.rounds):
        for label, root in roots.items():
            command = [sys.executable, __file__, "--db", args.db, "--showcase", args.showcase,
                       "--root", str(root), "-n", str(args.n), "--pages", args.pages]  # fmt: skip
            output = subprocess.run(command, env=environment(args.db, root), cwd=root,
                                    check=True, capture_output=True, text=True).stdout  # fmt: skip
            for line in output.splitlines():
                row = json.loads(line)
                for mode in ("cold", "warm"):
                    page = figures.setdefault(row["page"], {})
                    page.setdefault(f"{label} {mode}", []).append(row[mode])
    print(f"median CPU ms/request, {args.rounds} rounds of {args.n} GETs, interleaved")
    print(
        f"{'page':12} {'main cold':>10} {'branch cold':>12} {'main warm':>10} {'branch warm':>12}"
    )
    for page, columns in figures.items():
        cells = [statistics.median(columns[key]) for key in
                 ("main cold", "branch cold", "main warm", "branch warm")]  # fmt: skip
        print(f"{page:12} {cells[0]:10.2f} {cells[1]:12.2f} {cells[2]:10.2f} {cells[3]:12.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="DATABASE_URL of a copy of the bench data")
    parser.add_argument("--showcase", required=True)
    parser.add_argument("--root", help="the worktree whose portal is measured")
    parser.add_argument("--compare", help="a second worktree (main) to measure against this one")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--pages", default=",".join(PAGES))
    args = parser.parse_args()
    if args.compare:
        compare(args)
        return
    root = Path(args.root or HERE).resolve()
    sys.path.insert(0, str(root))
    os.environ.update({k: v for k, v in environment(args.db, root).items() if k not in os.environ})
    measure(args.pages.split(","), json.loads(Path(args.showcase).read_text()), args.n)


if __name__ == "__main__":
    main()
