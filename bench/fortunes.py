"""The baseline for `make bench`: a bare Flask + SQLAlchemy + Jinja page (the classic
"fortunes" test), served the same way as the portal, so page timings have a yardstick."""

import os

import sqlalchemy as sa
from flask import Flask
from flask import render_template_string

engine = sa.create_engine(os.environ.get("BENCH_BASELINE_URL", "sqlite://"), pool_pre_ping=True)
fortunes = sa.table("fortune", sa.column("id", sa.Integer), sa.column("message", sa.String))
TEMPLATE = """<!doctype html><html><head><title>Fortunes</title></head><body><table>
<tr><th>id</th><th>message</th></tr>{% for id, message in rows %}<tr><td>{{ id }}</td>
<td>{{ message }}</td></tr>{% endfor %}</table></body></html>"""

app = Flask(__name__)


@app.get("/fortunes")
def fortune_page():
    with engine.connect() as connection:
        rows = list(connection.execute(sa.select(fortunes.c.id, fortunes.c.message)))
    rows.append((0, "Additional fortune added at request time."))
    rows.sort(key=lambda row: row[1])
    return render_template_string(TEMPLATE, rows=rows)


def create_table(url: str) -> None:
    local = sa.create_engine(url)
    with local.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE TABLE IF NOT EXISTS fortune (id INTEGER PRIMARY KEY, message VARCHAR(200))"
            )
        )
        connection.execute(sa.text("DELETE FROM fortune"))
        connection.execute(
            sa.text("INSERT INTO fortune (id, message) VALUES (:id, :message)"),
            [{"id": n, "message": f"A fortune cookie message number {n}"} for n in range(1, 13)],
        )
    local.dispose()
