"""Broadcasts for organisers: write one message to a camp's, a programme's or a group's people,
see who gets it on which channel, send it once, and see what was delivered."""

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from portal import outbox
from portal.broadcasts import policy
from portal.broadcasts import queries
from portal.broadcasts import services
from portal.broadcasts.forms import BroadcastForm
from portal.broadcasts.models import Audience
from portal.broadcasts.models import Broadcast
from portal.extensions import db
from portal.extensions import limiter
from portal.extensions import user_key
from portal.forms import ActionForm
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.listing import paginate
from portal.security import organisers_only
from portal.security import require

bp = Blueprint("broadcasts", __name__, url_prefix="/manage")
KIND = "<any(camp,programme,group):kind>"


def _target(kind: str, target_id: int):
    target = queries.target_of(kind, target_id)
    if target is None:
        abort(404)
    require(policy.can_broadcast(current_user, target, Audience(kind)))
    return target


def _broadcast(broadcast_id: int) -> Broadcast:
    broadcast = db.get_or_404(Broadcast, broadcast_id)
    require(policy.can_broadcast(current_user, broadcast.target, broadcast.audience))
    return broadcast


def _draft(broadcast_id: int) -> Broadcast:
    broadcast = _broadcast(broadcast_id)
    require(policy.can_change(broadcast))
    return broadcast


@bp.get(f"/broadcasts/{KIND}/<int:target_id>")
@organisers_only
def index(kind, target_id):
    """The messages written to these people, the latest first."""
    target = _target(kind, target_id)
    page = paginate(queries.broadcasts(target))
    return render_template("broadcasts/index.html", target=target, kind=kind, page=page)


@bp.route(f"/broadcasts/{KIND}/<int:target_id>/new", methods=["GET", "POST"])
@organisers_only
def new(kind, target_id):
    """Write a message; it is a draft until the preview's "Send"."""
    target = _target(kind, target_id)
    form = BroadcastForm(for_camp=kind == "camp")
    if not form.is_submitted() and form.for_camp:
        form.statuses.data = ["confirmed"]
    if form.validate_on_submit():
        broadcast = services.draft(current_user, target, **_fields(form))
        return redirect(url_for(".show", broadcast_id=broadcast.id))
    status = 400 if form.is_submitted() else 200
    return render_template("broadcasts/write.html", form=form, target=target, kind=kind), status


@bp.route("/broadcasts/<int:broadcast_id>/edit", methods=["GET", "POST"])
@organisers_only
def edit(broadcast_id):
    broadcast = _draft(broadcast_id)
    kind = broadcast.audience.value
    form = BroadcastForm(for_camp=kind == "camp")
    if not form.is_submitted():
        form.fill(broadcast)
    if form.validate_on_submit():
        services.draft(current_user, broadcast.target, broadcast=broadcast, **_fields(form))
        return redirect(url_for(".show", broadcast_id=broadcast.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "broadcasts/write.html", form=form, target=broadcast.target, kind=kind,
        broadcast=broadcast,
    ), status  # fmt: skip


def _fields(form: BroadcastForm) -> dict:
    fields: dict = {"texts": form.texts()}
    if form.for_camp:
        fields.update(statuses=form.statuses.data, include_guardians=form.include_guardians.data)
    return fields


@bp.get("/broadcasts/<int:broadcast_id>")
@organisers_only
def show(broadcast_id):
    """A draft's preview (who gets it on which channel), or a sent one's delivery."""
    broadcast = _broadcast(broadcast_id)
    if broadcast.sent_at is None:
        counts, page = queries.preview(broadcast)
        return render_template(
            "broadcasts/preview.html", broadcast=broadcast, counts=counts, page=page,
            form=ActionForm(), kind=broadcast.audience.value,
        )  # fmt: skip
    return render_template(
        "broadcasts/delivery.html", broadcast=broadcast, kind=broadcast.audience.value,
        counts=queries.delivery_counts(broadcast), page=queries.delivery_page(broadcast),
        shown_error=outbox.shown_error,
    )  # fmt: skip


def _broadcast_limit() -> str:
    return current_app.config["BROADCAST_LIMIT"]


@bp.post("/broadcasts/<int:broadcast_id>/send")
@limiter.limit(_broadcast_limit, key_func=user_key)
@organisers_only
def send(broadcast_id):
    """Send the draft to everyone it names, once."""
    broadcast = _broadcast(broadcast_id)
    if broadcast.sent_at is not None:  # a second click: the first one sent it
        flash(_("This message has already been sent."), "info")
        return redirect(url_for(".show", broadcast_id=broadcast.id))
    count = services.send(broadcast, by=current_user)
    flash(ngettext("The message is on its way to %(num)d person.",
                   "The message is on its way to %(num)d people.", count), "success")  # fmt: skip
    return redirect(url_for(".show", broadcast_id=broadcast.id))


@bp.post("/broadcasts/<int:broadcast_id>/discard")
@organisers_only
def discard(broadcast_id):
    broadcast = _draft(broadcast_id)
    kind, target_id = broadcast.audience.value, broadcast.target.id
    services.discard(broadcast, by=current_user)
    flash(_("The draft is deleted."), "success")
    return redirect(url_for(".index", kind=kind, target_id=target_id))
