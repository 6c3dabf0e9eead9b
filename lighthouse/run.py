"""`make lighthouse`: Lighthouse (mobile settings) on the home page, a young person's application
form and an organiser's review list, served by gunicorn with the production configuration on a
throwaway SQLite copy of the demo data. Prints the four scores per page and fails unless
performance is at least 95 and accessibility 100 everywhere (DESIGN §9).
"""

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.servers import free_port  # noqa: E402
from bench.servers import seeded_demo  # noqa: E402
from bench.servers import serve_demo  # noqa: E402
from bench.servers import stop_demo  # noqa: E402

LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
REPORTS = HERE / "reports"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage"
)
CATEGORIES = {
    "performance": "performance",
    "accessibility": "accessibility",
    "best-practices": "best practices",
    "seo": "SEO",
}
#: The least each category must score on every page.
TARGETS = {"performance": 95, "accessibility": 100}
DEMO_PASSWORD = "demo-password-2026"  # nosec B105 - the published demo password


def pages_to_measure() -> dict[str, str]:
    """The three pages, found in the seeded demo (inside bench.servers.seeded_demo)."""
    import sqlalchemy as sa

    from portal.accounts.models import User
    from portal.camps.models import Application
    from portal.camps.models import ApplicationStatus
    from portal.extensions import db

    draft = db.session.scalar(
        sa.select(Application.id)
        .join(User, Application.user_id == User.id)
        .where(
            User.email == "youth@demo.example.org",
            Application.status == ApplicationStatus.DRAFT,
        )
    )
    busiest = db.session.scalar(
        sa.select(Application.camp_id)
        .group_by(Application.camp_id)
        .order_by(sa.func.count().desc(), Application.camp_id)
        .limit(1)
    )
    return {
        "home page": "/?lang=ky",
        "application form": f"/applications/{draft}",
        "review list": f"/manage/camps/{busiest}/applications",
    }


def request(port, method, path, body=None, cookies=""):
    """One HTTP request without following redirects: (status, headers, text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Cookie": cookies} if cookies else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    text = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, response.headers, text


def merge_cookies(cookies: str, headers) -> str:
    jar = dict(part.split("=", 1) for part in cookies.split("; ") if part)
    for header in headers.get_all("Set-Cookie") or []:
        name, value = header.split(";", 1)[0].split("=", 1)
        jar[name] = value
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def sign_in(port, email) -> str:
    """Sign in through the login form; return the Cookie header of the new session."""
    status, headers, page = request(port, "GET", "/auth/login")
    cookies = merge_cookies("", headers)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urlencode({"csrf_token": token, "email": email, "password": DEMO_PASSWORD})
    status, headers, _page = request(port, "POST", "/auth/login", form, cookies)
    if status != 302:
        raise SystemExit(f"Signing in as {email} failed ({status}).")
    return merge_cookies(cookies, headers)


def lighthouse(url: str, name: str, cookies: str) -> dict[str, int]:
    """Run Lighthouse with its default (mobile) settings; return the scores out of 100."""
    REPORTS.mkdir(exist_ok=True)
    stem = REPORTS / name.replace(" ", "-")
    command = [
        str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output=html",
        f"--output-path={stem}", f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]  # fmt: skip
    if cookies:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookies})}")
    subprocess.run(command, check=True, env=dict(os.environ, CHROME_PATH=CHROME))
    report = json.loads(Path(f"{stem}.report.json").read_text())
    if report["finalDisplayedUrl"] != url:  # e.g. sent to the sign-in page: not the page meant
        raise SystemExit(f"{name}: {url} ended at {report['finalDisplayedUrl']}")
    return {key: round(report["categories"][key]["score"] * 100) for key in CATEGORIES}


def main() -> int:
    if not LIGHTHOUSE.exists():
        raise SystemExit("Run `npm ci` in lighthouse/ first (make lighthouse does).")
    if not (os.path.exists(CHROME) or shutil.which("chromium")):
        raise SystemExit(f"Chromium not found at {CHROME} (apt-get install chromium).")
    folder = Path(tempfile.mkdtemp(prefix="jashtar-lighthouse-"))
    server = None
    try:
        with seeded_demo(folder) as database_url:
            pages = pages_to_measure()
        port = free_port()
        server = serve_demo(folder, database_url, port)
        sessions = {
            "home page": "",
            "application form": sign_in(port, "youth@demo.example.org"),
            "review list": sign_in(port, "organiser@demo.example.org"),
        }
        scores = {
            name: lighthouse(f"http://127.0.0.1:{port}{path}", name, sessions[name])
            for name, path in pages.items()
        }
    finally:
        if server is not None:
            stop_demo(server)
        shutil.rmtree(folder, ignore_errors=True)
    print(table(scores))
    failures = [
        f"{name}: {CATEGORIES[key]} {score[key]} < {least}"
        for name, score in scores.items()
        for key, least in TARGETS.items()
        if score[key] < least
    ]
    for failure in failures:
        print(f"FAILED {failure}")
    print(f"Reports: {REPORTS.relative_to(ROOT)}/")
    return 1 if failures else 0


def table(scores: dict[str, dict[str, int]]) -> str:
    header = ["page", *CATEGORIES.values()]
    rows = [[name, *(str(score[key]) for key in CATEGORIES)] for name, score in scores.items()]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        " | ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in [header, *rows]
    ]
    lines.insert(1, "-|-".join("-" * width for width in widths))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
