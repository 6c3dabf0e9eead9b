"""Messages the outbox gave up on, for organisers: who (masked), what, why, and "send again"."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from portal import notify  # noqa: F401  (registers the e-mail channel)
from portal import outbox
from portal.forms import ActionForm
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.listing import paginate
from portal.security import organisers_only

bp = Blueprint("outbox", __name__, url_prefix="/manage")
#: `<channel>` is one of the registered channels' names (never free text in a URL).
CHANNEL = "<any({}):channel>".format(",".join(each.name for each in outbox.channels()))


@bp.get(f"/outbox/{CHANNEL}")
@organisers_only
def failed(channel):
    """The channel's failed messages, the latest first, each with "send again"."""
    chosen = outbox.channel(channel)
    page = paginate(outbox.failed_query(chosen))
    return render_template(
        "main/outbox.html", channel=chosen, page=page, form=ActionForm(),
        shown_error=outbox.shown_error,
    )  # fmt: skip


@bp.post(f"/outbox/{CHANNEL}/<int:message_id>/requeue")
@organisers_only
def requeue(channel, message_id):
    """Put one failed message back in the queue, due now."""
    chosen = outbox.channel(channel)
    message = outbox.find_message(chosen, message_id)
    if message is None:
        abort(404)
    outbox.requeue_one(chosen, message, by=current_user)
    flash(_("The message is back in the queue and will be sent in a minute."), "success")
    return redirect(url_for(".failed", channel=channel))


@bp.post(f"/outbox/{CHANNEL}/requeue")
@organisers_only
def requeue_all(channel):
    """Put every failed message of the channel back in the queue."""
    count = outbox.requeue_all(outbox.channel(channel), by=current_user)
    message = ngettext(
        "%(num)d message is back in the queue.", "%(num)d messages are back in the queue.", count
    )
    flash(message, "success")
    return redirect(url_for(".failed", channel=channel))
