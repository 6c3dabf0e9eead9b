"""Where a person gets their news: e-mail, SMS, Telegram; linking and unlinking Telegram."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from portal import reach
from portal import sms
from portal import telegram
from portal.accounts.forms import ChannelsForm
from portal.accounts.routes import bp
from portal.forms import ActionForm
from portal.i18n import gettext as _


def _form(submitted: bool) -> ChannelsForm:
    if submitted:
        form = ChannelsForm()
    else:
        form = ChannelsForm(formdata=None, data=reach.choices(current_user))
    if not current_user.email:
        del form.email
    if not (current_user.phone and sms.enabled()):
        del form.sms
    if telegram.link_of(current_user.id) is None:
        del form.telegram
    return form


@bp.route("/account/messages", methods=["GET", "POST"])
@login_required
def channels():
    """Tick the channels to get news on; link Telegram."""
    form = _form(submitted=request.method == "POST")
    if form.validate_on_submit():
        chosen = reach.choices(current_user)
        for name in ("email", "sms", "telegram"):
            if name in form:
                chosen[name] = form[name].data
        reach.choose(current_user, **chosen)
        flash(_("Your choice is saved."), "success")
        return redirect(url_for(".channels"))
    return render_template(
        "accounts/channels.html", form=form, action=ActionForm(),
        telegram_on=telegram.enabled(), linked=telegram.link_of(current_user.id),
        sms_on=sms.enabled(),
    ), 400 if form.is_submitted() else 200  # fmt: skip


@bp.post("/account/messages/telegram")
@login_required
def link_telegram():
    """A fresh one-time code, and the page that opens the bot with it."""
    if not telegram.enabled():
        flash(_("Telegram is not available on this portal yet."), "error")
        return redirect(url_for(".channels"))
    code = telegram.new_link_code(current_user)
    return render_template("accounts/telegram_link.html", link=telegram.deep_link(code))


@bp.post("/account/messages/telegram/unlink")
@login_required
def unlink_telegram():
    if telegram.unlink(current_user):
        flash(_("Telegram is unlinked: we will not write to you there any more."), "success")
    return redirect(url_for(".channels"))
