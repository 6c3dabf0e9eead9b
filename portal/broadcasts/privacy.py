"""Broadcasts' part of a person's data: the messages they were sent are in their inbox (and
exported there); the recipient rows keep the delivery counts on the anonymised account."""

from portal import signals

PERSON_COLUMNS = {
    "broadcast.author_id": signals.ACTOR_KEPT,
    "broadcast_recipient.user_id": "kept on the anonymised account: the delivery counts of the "
    "broadcast (the messages themselves are deleted with the inbox and outboxes)",
}


def connect() -> None:
    signals.answer_for(PERSON_COLUMNS)
