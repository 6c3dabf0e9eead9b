"""Imports' part of a person's data: an upload names its organiser only as who did it, and the
other people in its file (and its refused rows) are kept one day at most, then deleted."""

from portal import signals

PERSON_COLUMNS = {"import_batch.uploaded_by_id": signals.ACTOR_KEPT}


def connect() -> None:
    signals.answer_for(PERSON_COLUMNS)
