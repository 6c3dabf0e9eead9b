"""The yardstick for `make bench`: the same stack (Flask, SQLAlchemy, Jinja) with no portal code.

- `/fortunes` follows TechEmpower's "fortunes" rules: read every row, add one at request time,
  sort, render an escaped HTML table.
- `/list?page=N` is a bare paginated list: a count and 50 rows of a join, rendered in a template
  that extends a base layout (header, navigation, footer), as the portal's list pages are.
"""

import os

import sqlalchemy as sa
from flask import Flask
from flask import render_template
from flask import request
from jinja2 import DictLoader

engine = sa.create_engine(os.environ.get("BENCH_BASELINE_URL", "sqlite://"))
metadata = sa.MetaData()
fortune = sa.Table("bench_fortune", metadata, sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("message", sa.String(200)))  # fmt: skip
owner = sa.Table("bench_owner", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("name", sa.String(120)))  # fmt: skip
item = sa.Table("bench_item", metadata, sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("owner_id", sa.ForeignKey("bench_owner.id"), index=True),
                sa.Column("title", sa.String(200)), sa.Column("status", sa.String(32)))  # fmt: skip
PER_PAGE = 50

TEMPLATES = {
    "base.html": """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{% block title %}{% endblock %}</title>
</head><body><header><a href="/">Baseline</a><nav><ul><li><a href="/fortunes">Fortunes</a></li>
<li><a href="/list">List</a></li></ul></nav></header><main>{% block content %}{% endblock %}</main>
<footer><p>Baseline for make bench</p></footer></body></html>""",
    "fortunes.html": """<!doctype html><html><head><title>Fortunes</title></head><body><table>
<tr><th>id</th><th>message</th></tr>{% for id, message in rows %}<tr><td>{{ id }}</td>
<td>{{ message }}</td></tr>{% endfor %}</table></body></html>""",
    "list.html": """{% extends "base.html" %}{% block title %}Items{% endblock %}{% block content %}
<h1>Items</h1><table><thead><tr><th>#</th><th>Title</th><th>Owner</th><th>Status</th></tr></thead>
<tbody>{% for id, title, status, name in rows %}<tr><td>{{ id }}</td><td><a href="/items/{{ id }}">
{{ title }}</a></td><td>{{ name }}</td><td>{{ status }}</td></tr>{% endfor %}</tbody></table>
<nav><p>Page {{ page }} of {{ pages }}</p>{% if page > 1 %}<a href="/list?page={{ page - 1 }}">Previous</a>
{% endif %}{% if page < pages %}<a href="/list?page={{ page + 1 }}">Next</a>{% endif %}</nav>
{% endblock %}""",
}  # fmt: skip

app = Flask(__name__)
app.jinja_loader = DictLoader(TEMPLATES)


@app.get("/fortunes")
def fortunes():
    with engine.connect() as connection:
        rows = list(connection.execute(sa.select(fortune.c.id, fortune.c.message)))
    rows.append((0, "Additional fortune added at request time."))
    rows.sort(key=lambda row: row[1])
    return render_template("fortunes.html", rows=rows)


@app.get("/list")
def listing():
    page = max(1, request.args.get("page", 1, type=int))
    with engine.connect() as connection:
        total = connection.scalar(sa.select(sa.func.count()).select_from(item))
        rows = connection.execute(
            sa.select(item.c.id, item.c.title, item.c.status, owner.c.name)
            .join(owner, owner.c.id == item.c.owner_id)
            .order_by(item.c.id)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        ).all()
    return render_template("list.html", rows=rows, page=page, pages=-(-total // PER_PAGE))


def create_tables(url: str) -> None:
    """The baseline's own tables: 12 fortunes, 200 owners and 10,000 items."""
    local = sa.create_engine(url)
    metadata.drop_all(local)
    metadata.create_all(local)
    with local.begin() as connection:
        connection.execute(fortune.insert(), [
            {"id": n, "message": f"A fortune cookie message number {n} <script>"} for n in range(1, 13)
        ])  # fmt: skip
        connection.execute(owner.insert(), [{"id": n, "name": f"Owner {n}"} for n in range(1, 201)])
        connection.execute(item.insert(), [
            {"id": n, "owner_id": n % 200 + 1, "title": f"Item number {n}", "status": "open"}
            for n in range(1, 10_001)
        ])  # fmt: skip
    local.dispose()
