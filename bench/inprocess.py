"""CPU per request of a few pages, in-process: no server, no network, no wrk.

    DATABASE_URL=sqlite:////tmp/bench.db PYTHONPATH=. .venv/bin/python bench/inprocess.py \\
        --login organiser@demo.example.org --showcase /tmp/showcase.json -n 200 \\
        /manage/ambassadors "/manage/camps/{camp}/applications"

Signs in through the login form with the Flask test client as a demo account (on the given
DATABASE_URL, production settings), makes one GET so the session cookie is what a browser
would replay, then times `-n` GETs of each path with time.process_time and prints the median
CPU milliseconds per request. For an A/B, run it from two checkouts on copies of one database,
interleaved (`--rounds`), so both sides see the same machine load.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time

PASSWORD = "demo-password-2026"


def environment() -> None:
    """Production settings for one process, without a server's secrets or mail."""
    os.environ.setdefault("PORTAL_ENV", "production")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-" + "x" * 20)
    os.environ.setdefault("BASE_URL", "https://localhost")
    os.environ.setdefault("MAIL_BACKEND", "memory")
    os.environ.setdefault("RATELIMIT_ALLOW_MEMORY", "1")
    os.environ.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    os.environ.pop("FLASK_DEBUG", None)


def signed_in_client(app, email: str):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # the cookies are marked Secure
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/auth/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    if answer.status_code != 302:
        sys.exit(f"could not sign in as {email}: {answer.status_code}")
    client.get("/")  # the cookie after the first signed-in page is the one a browser replays
    return client


def cpu_ms(client, path: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.process_time()
        answer = client.get(path)
        timings.append(1000 * (time.process_time() - started))
        if answer.status_code != 200:
            sys.exit(f"{path} answered {answer.status_code}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--login", default="organiser@demo.example.org")
    parser.add_argument("--showcase", help="the generator's ids, for {camp}, {application}, …")
    parser.add_argument("-n", type=int, default=100, help="timed GETs of each path")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--label", default="")
    parser.add_argument("--save", help="write each page's last answer to SAVE.<number>.html")
    args = parser.parse_args()
    environment()
    from portal import create_app

    ids = json.load(open(args.showcase)) if args.showcase else {}
    app = create_app()
    client = signed_in_client(app, args.login)
    for number, path in enumerate(args.paths):
        path = path.format(**ids)
        cpu_ms(client, path, args.warmup)
        timings = cpu_ms(client, path, args.n)
        body = client.get(path).data
        size = len(body)
        if args.save:
            with open(f"{args.save}.{number}.html", "wb") as saved:
                saved.write(body)
        print(f"{args.label}\t{path}\t{statistics.median(timings):.2f} ms CPU (median of "
              f"{args.n}; p90 {statistics.quantiles(timings, n=10)[-1]:.2f})\t{size} bytes",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
