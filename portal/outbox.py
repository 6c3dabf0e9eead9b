"""The outbox machinery every channel shares: claim, deliver, retry with backoff, give up, requeue.

A message waits in its channel's table (e-mail: `outbound_email`; an SMS or Telegram channel
adds a table with the same `OutboxColumns` and a transport) until a runner (`flask outbox
send` from cron, or the long-running `flask outbox work`) delivers it:

1. **Claim.** Up to a batch of due messages are marked with the runner's random token: due
   (`next_attempt_at` passed), pending, and claimed by nobody (or by a runner that died more
   than OUTBOX_CLAIM_SECONDS ago). On PostgreSQL they are picked with `FOR UPDATE SKIP
   LOCKED`, so runners never wait for each other nor pick the same row; on SQLite writes take
   the database's one write lock at BEGIN, so two claims simply happen one after the other.
   Either way the UPDATE re-checks the condition, so each message is claimed by one runner.
2. **Deliver.** No transaction is open while the transport talks to the provider (on SQLite an
   open write would block every other writer). Before each message the runner renews its
   claim (a conditional UPDATE on its token): a runner that lost it never sends.
3. **Record.** Sent; or failed with the provider's answer, tried again after the next delay
   of OUTBOX_RETRY_DELAYS (1 min, 5 min, 30 min, 2 h, 6 h, 15 h); kept as failed once the
   delays are used up, or at once when the provider answers that it never will (a 5xx).
   Failed messages are sent again by `flask outbox requeue` or an organiser's button.
"""

import enum
import re
import secrets
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import NamedTuple
from typing import Optional
from typing import Protocol

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.audit import audit_event
from portal.errors import PortalError
from portal.extensions import UTCDateTime
from portal.extensions import db
from portal.extensions import str_enum
from portal.extensions import utcnow
from portal.i18n import lazy_gettext as _l


class DeliveryStatus(enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxColumns:
    """The columns the machinery reads and writes, in every channel's table."""

    #: The CHECK keeps the name it had when e-mail was the only channel (each table's CHECK
    #: is prefixed with the table's name, so channels do not clash).
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus, name="emailstatus"), default=DeliveryStatus.PENDING, index=True
    )
    #: Delivery attempts so far (set back to 0 by a requeue).
    attempts: Mapped[int] = mapped_column(default=0)
    #: When the message is due (next): its creation, then after each failure the next delay.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Which runner holds the message (a random token) and since when; None when nobody does.
    claim_token: Mapped[Optional[str]] = mapped_column(sa.String(32))
    claimed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: The provider's last answer (e.g. the SMTP server's), kept for the failed-messages page.
    last_error: Mapped[Optional[str]] = mapped_column(sa.String(500))
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: When the message was given up on (None unless failed).
    failed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class DeliveryError(Exception):
    """The provider did not take the message: `answer` is what it said. `permanent` when it
    said it never will (an SMTP 5xx), so retrying is pointless."""

    def __init__(self, answer: str, *, permanent: bool = False):
        super().__init__(answer)
        self.answer = answer
        self.permanent = permanent


class ProviderUnreachable(DeliveryError):
    """The provider could not be reached or dropped the connection (refused, timed out, a 421
    greeting): no message of the batch can go now."""


class Sender(Protocol):
    def send(self, message: Any) -> None:
        """Deliver one message or raise DeliveryError."""


@dataclass(frozen=True)
class Channel:
    """A way messages leave the portal: its table and how to reach its provider."""

    name: str
    #: What the organisers' page calls it (a lazy string).
    label: Any
    #: The model (with OutboxColumns) its messages are stored in.
    model: Any
    #: `transport(config)`: a context manager giving a Sender (one connection for a batch).
    transport: Any
    #: The recipient as the failed-messages page may show it (masked).
    recipient: Any

    def open(self, config) -> AbstractContextManager[Sender]:
        return self.transport(config)


_channels: dict[str, Channel] = {}


def register_channel(channel: Channel) -> None:
    _channels[channel.name] = channel


def channel(name: str) -> Channel:
    return _channels[name]


def channels() -> list[Channel]:
    return list(_channels.values())


class RunResult(NamedTuple):
    """What a delivery run did: delivered, failed attempts (to retry later or given up on),
    and of those, the ones given up on."""

    sent: int
    failed: int
    gave_up: int


class OutboxError(PortalError):
    """A step on the outbox the rules do not allow (the message is no longer failed)."""


# --- delivering -------------------------------------------------------------------------------


def deliver_due(
    chosen: Channel,
    *,
    limit: int | None = None,
    now: datetime | None = None,
    stop: Callable[[], bool] | None = None,
) -> RunResult:
    """Claim and deliver the channel's due messages, a batch at a time, up to `limit`.

    `stop()` is asked before each message: once it says True, the messages still claimed are
    given back (another runner may take them at once) and the run ends.
    """
    config = current_app.config
    limit = limit if limit is not None else config["OUTBOX_BATCH"]
    totals = RunResult(0, 0, 0)
    while limit > 0 and not (stop and stop()):
        token = secrets.token_hex(16)
        messages = _claim(chosen, token, min(limit, config["OUTBOX_BATCH"]), now)
        if not messages:
            break
        limit -= len(messages)
        result, reachable = _deliver_claimed(chosen, token, messages, now, stop)
        totals = RunResult(*(a + b for a, b in zip(totals, result, strict=True)))
        if not reachable:  # the next batch would only wait for the same silence
            break
    return totals


def _claimable(model, now: datetime):
    stale = now - timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"])
    return sa.and_(
        model.status == DeliveryStatus.PENDING,
        model.next_attempt_at <= now,
        sa.or_(model.claimed_at.is_(None), model.claimed_at < stale),
    )


def _claim(chosen: Channel, token: str, size: int, now: datetime | None) -> list[Any]:
    """Mark up to `size` due messages as this runner's; return copies of them, with no
    transaction left open."""
    model = chosen.model
    now = now or utcnow()
    due = (
        sa.select(model.id)
        .where(_claimable(model, now))
        .order_by(model.next_attempt_at, model.id)
        .limit(size)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite serialises writers instead
    )
    session = db.session
    # Two statements, not `UPDATE … WHERE id IN (SELECT … LIMIT … FOR UPDATE SKIP LOCKED)`:
    # PostgreSQL may run such a subquery once per row, and it then claimed every due row.
    candidates = session.scalars(due).all()
    claimed: Iterable[int] = []
    if candidates:
        claimed = session.execute(
            sa.update(model)
            .where(model.id.in_(candidates), _claimable(model, now))
            .values(claim_token=token, claimed_at=now)
            .returning(model.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    ids = sorted(claimed)
    messages = []
    if ids:
        rows = session.scalars(sa.select(model).where(model.id.in_(ids)).order_by(model.id))
        messages = [_snapshot(row) for row in rows]
    session.commit()
    return messages


def _snapshot(row):
    """A copy of `row`'s columns outside the session: reading it while the provider is being
    talked to never opens a transaction (nor changes the caller's own copy of the row)."""
    model = type(row)
    copy = model()
    for attribute in sa.inspect(model).column_attrs:
        setattr(copy, attribute.key, getattr(row, attribute.key))
    return copy


def _deliver_claimed(
    chosen: Channel,
    token: str,
    messages: list[Any],
    now: datetime | None,
    stop: Callable[[], bool] | None = None,
) -> tuple[RunResult, bool]:
    """Deliver claimed messages over one connection; (what happened, provider reachable)."""
    sent = failed = gave_up = 0
    pending = iter(messages)
    current = None
    try:
        with chosen.open(current_app.config) as sender:
            for current in pending:
                if stop and stop():
                    _release(chosen, token)
                    break
                if _still_ours(chosen, current, token, now):
                    try:
                        sender.send(current)
                    except ProviderUnreachable:
                        raise
                    except DeliveryError as error:
                        failed += 1
                        gave_up += _record_failure(chosen, current, token, error, now)
                    else:
                        sent += 1
                        _record_sent(chosen, current, token, now)
                current = None
    except ProviderUnreachable as error:
        # Every message of the batch counts the attempt (with the same answer) and waits for
        # its next try; the others are not tried one by one against a silent server.
        for message in [*([current] if current is not None else []), *pending]:
            failed += 1
            gave_up += _record_failure(chosen, message, token, error, now)
        return RunResult(sent, failed, gave_up), False
    return RunResult(sent, failed, gave_up), True


def _release(chosen: Channel, token: str) -> None:
    """Give back the messages this runner claimed and has not tried."""
    model = chosen.model
    db.session.execute(
        sa.update(model)
        .where(model.claim_token == token, model.status == DeliveryStatus.PENDING)
        .values(claim_token=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _mine(model, message, token: str):
    return sa.update(model).where(
        model.id == message.id,
        model.claim_token == token,
        model.status == DeliveryStatus.PENDING,
    )


def _still_ours(chosen: Channel, message, token: str, now: datetime | None) -> bool:
    """Renew this runner's claim on `message`; False when another runner has taken it over."""
    renewed = db.session.execute(
        _mine(chosen.model, message, token)
        .values(claimed_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return renewed.rowcount == 1  # type: ignore[attr-defined]


def _record_sent(chosen: Channel, message, token: str, now: datetime | None) -> None:
    now = now or utcnow()
    db.session.execute(
        _mine(chosen.model, message, token)
        .values(
            status=DeliveryStatus.SENT,
            sent_at=now,
            last_attempt_at=now,
            attempts=chosen.model.attempts + 1,
            last_error=None,
            claim_token=None,
            claimed_at=None,
        )  # fmt: skip
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def retry_delay(attempts: int) -> timedelta | None:
    """How long after its `attempts`-th failed attempt a message is tried again (None: never)."""
    delays = current_app.config["OUTBOX_RETRY_DELAYS"]
    if attempts > len(delays):
        return None
    return timedelta(seconds=delays[attempts - 1])


def _record_failure(chosen: Channel, message, token: str, error: DeliveryError, now) -> int:
    """Note the failed attempt; 1 when the message is now given up on, else 0."""
    now = now or utcnow()
    attempts = message.attempts + 1
    delay = None if error.permanent else retry_delay(attempts)
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": now,
        "last_error": error.answer[:500],
    }
    values.update(claim_token=None, claimed_at=None)  # the runner gives its claim up
    if delay is None:
        values.update(status=DeliveryStatus.FAILED, failed_at=now)
    else:
        values.update(next_attempt_at=now + delay)
    db.session.execute(
        _mine(chosen.model, message, token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return 1 if delay is None else 0


# --- failed messages: the organisers' page and `flask outbox requeue` -------------------------


def failed_query(chosen: Channel):
    """The channel's failed messages, the most recently given up on first."""
    model = chosen.model
    return (
        sa.select(model)
        .where(model.status == DeliveryStatus.FAILED)
        .order_by(model.failed_at.desc(), model.id.desc())
    )


def find_message(chosen: Channel, message_id: int):
    """The channel's message `message_id`, or None."""
    return db.session.get(chosen.model, message_id)


def requeue(chosen: Channel, ids: Iterable[int] | None = None, *, now=None) -> int:
    """Put failed messages (all, or those in `ids`) back in the queue, due now, with a fresh
    schedule of retries. The caller commits. Returns how many."""
    model = chosen.model
    statement = sa.update(model).where(model.status == DeliveryStatus.FAILED)
    if ids is not None:
        statement = statement.where(model.id.in_(list(ids)))
    result = db.session.execute(
        statement.values(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now or utcnow(),
            failed_at=None,
            claim_token=None,
            claimed_at=None,
        ).execution_options(synchronize_session="fetch")  # fmt: skip
    )
    return result.rowcount  # type: ignore[attr-defined]


# --- what /healthz says about the outbox ------------------------------------------------------


def health():
    """Messages due and not delivered, how late the oldest is, and how many failed."""
    from portal.health import DEGRADED
    from portal.health import OK
    from portal.health import Check

    now = utcnow()
    late_after = timedelta(seconds=current_app.config["OUTBOX_LATE_SECONDS"])
    found: dict[str, Any] = {}
    late = False
    for each in channels():
        model = each.model
        due, oldest = db.session.execute(
            sa.select(sa.func.count(), sa.func.min(model.next_attempt_at)).where(
                model.status == DeliveryStatus.PENDING, model.next_attempt_at <= now
            )
        ).one()
        failed = db.session.scalar(
            sa.select(sa.func.count()).where(model.status == DeliveryStatus.FAILED)
        )
        waited = int((now - oldest).total_seconds()) if oldest else 0
        late = late or (oldest is not None and now - oldest > late_after)
        found[each.name] = {"due": due, "oldest_due_seconds": waited, "failed": failed}
    return Check(DEGRADED if late else OK, found)


def all_due(now=None) -> Iterator[tuple[Channel, RunResult]]:
    """Deliver what is due on every channel (one batch each)."""
    for each in channels():
        yield each, deliver_due(each, now=now)


# --- the organisers' steps (audited) ----------------------------------------------------------

EMAIL_IN_TEXT = re.compile(r"[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+")


def shown_error(text: str | None) -> str:
    """The provider's answer as the failed-messages page shows it: addresses masked."""
    return EMAIL_IN_TEXT.sub(lambda found: _mask_email(found.group(0)), text or "")


def _mask_email(address: str) -> str:
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def requeue_one(chosen: Channel, message, *, by) -> None:
    """Send one failed message again (from the organisers' page)."""
    if message.status is not DeliveryStatus.FAILED or not requeue(chosen, [message.id]):
        raise OutboxError(_l("This message is no longer among the failed ones."))
    audit_event("outbox.requeued", message, actor=by, channel=chosen.name)


def requeue_all(chosen: Channel, *, by) -> int:
    """Send every failed message of the channel again; returns how many."""
    count = requeue(chosen)
    audit_event("outbox.requeued_all", actor=by, channel=chosen.name, count=count)
    return count
