"""The yardstick for `make bench`: the portal's stack (Flask, Flask-SQLAlchemy's ORM, Jinja)
with no portal code, served the same way.

- `/fortunes` follows TechEmpower's "fortunes" rules: read every row through the ORM, add one at
  request time, sort, render an escaped HTML table.
- `/list?page=N` is a bare paginated list: `db.paginate` (a count and 50 rows) of a model joined to
  another, rendered in a template that extends a base layout (header, navigation, footer).
- `/signed-in` is what every signed-in page must do and nothing more: read the signed session
  cookie (Flask's session), load the user's row by id, make a CSRF token (Flask-WTF) for the
  sign-out form and render the base layout with a navigation. `/login?user=N` signs in
  (sets the session) for the bench.

Responses are compressed as the portal's are (Flask-Compress with its default settings: the
portal sets none), since wrk asks for gzip.
"""

import os

import sqlalchemy as sa
from flask import Flask
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask_compress import Compress
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import generate_csrf
from jinja2 import DictLoader
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("BENCH_BASELINE_URL", "sqlite://")
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "baseline-only-secret")
db = SQLAlchemy(app)
Compress(app)
PER_PAGE = 50
USERS = 200


class Fortune(db.Model):
    __tablename__ = "bench_fortune"
    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str] = mapped_column(sa.String(200))


class Owner(db.Model):
    __tablename__ = "bench_owner"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))


class Item(db.Model):
    __tablename__ = "bench_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("bench_owner.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(32))
    owner: Mapped[Owner] = relationship()


class Person(db.Model):
    __tablename__ = "bench_person"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(8))


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
    "signed_in.html": """{% extends "base.html" %}{% block title %}Home{% endblock %}{% block content %}
<h1>Hello, {{ person.name }}</h1><p>Signed in as {{ person.email }} ({{ person.locale }}).</p>
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="{{ csrf }}">
<button>Sign out</button></form>{% endblock %}""",
}  # fmt: skip

app.jinja_loader = DictLoader(TEMPLATES)


@app.get("/fortunes")
def fortunes():
    rows = [(f.id, f.message) for f in db.session.scalars(sa.select(Fortune))]
    rows.append((0, "Additional fortune added at request time."))
    rows.sort(key=lambda row: row[1])
    return render_template("fortunes.html", rows=rows)


@app.get("/list")
def listing():
    page = db.paginate(
        sa.select(Item).options(joinedload(Item.owner)).order_by(Item.id), per_page=PER_PAGE
    )
    rows = [(item.id, item.title, item.status, item.owner.name) for item in page.items]
    return render_template("list.html", rows=rows, page=page.page, pages=page.pages)


@app.get("/login")
def login():
    """Sign in as person `user` (no password: the bench only needs the session it sets)."""
    session["user_id"] = request.args.get("user", 1, type=int)
    return redirect("/signed-in")


@app.get("/signed-in")
def signed_in():
    person = db.session.get(Person, session.get("user_id", 0))
    if person is None:
        abort(401)
    return render_template("signed_in.html", person=person, csrf=generate_csrf())


def create_tables(url: str) -> None:
    """The baseline's own tables: 12 fortunes, 200 owners, 10,000 items and 200 people."""
    local = sa.create_engine(url)
    tables = [Fortune.__table__, Owner.__table__, Item.__table__, Person.__table__]
    db.metadata.drop_all(local, tables=tables)
    db.metadata.create_all(local, tables=tables)
    with local.begin() as connection:
        connection.execute(Fortune.__table__.insert(), [
            {"id": n, "message": f"A fortune cookie message number {n} <script>"} for n in range(1, 13)
        ])  # fmt: skip
        connection.execute(
            Owner.__table__.insert(), [{"id": n, "name": f"Owner {n}"} for n in range(1, 201)]
        )
        connection.execute(Item.__table__.insert(), [
            {"id": n, "owner_id": n % 200 + 1, "title": f"Item number {n}", "status": "open"}
            for n in range(1, 10_001)
        ])  # fmt: skip
        connection.execute(Person.__table__.insert(), [
            {"id": n, "name": f"Person {n}", "email": f"person{n}@bench.example.org", "locale": "ky"}
            for n in range(1, USERS + 1)
        ])  # fmt: skip
    local.dispose()
