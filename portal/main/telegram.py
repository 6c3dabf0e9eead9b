"""The Telegram bot's webhook: Telegram posts each update the bot receives here.

Telegram proves the update is its own with the secret given to setWebhook
(`flask telegram set-webhook`), sent in X-Telegram-Bot-Api-Secret-Token; anything else gets 403
and changes nothing. The answer is always quick and 200 for a proved update (Telegram would
resend it otherwise); the bot's replies go through the outbox like every message.
"""

import hmac

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import request

from portal import telegram
from portal.extensions import csrf

bp = Blueprint("telegram", __name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # nosec B105 (a header name, not a secret)


@bp.post("/telegram/webhook")
@csrf.exempt
def webhook():
    """One update from Telegram (open to Telegram alone, by the secret header)."""
    secret = current_app.config["TELEGRAM_WEBHOOK_SECRET"]
    given = request.headers.get(SECRET_HEADER, "")
    if not telegram.enabled() or not secret or not hmac.compare_digest(given, secret):
        abort(403)
    update = request.get_json(silent=True)
    if isinstance(update, dict):
        telegram.handle_update(update)
    return {"ok": True}
