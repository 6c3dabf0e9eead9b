"""`flask outbox work`: deliver messages as they fall due, until told to stop.

systemd (or any supervisor) stops it with SIGTERM: the message being sent is finished, the
others the worker had claimed are given back, and it exits 0. While the database is down it
waits and tries again instead of exiting.
"""

import signal
import threading
from collections.abc import Callable

import sqlalchemy as sa

from portal import outbox
from portal.database import is_database_failure
from portal.extensions import db


class Worker:
    def __init__(self, channels: list[outbox.Channel], *, interval: float, echo: Callable = print):
        self.channels = channels
        self.interval = interval
        self.echo = echo
        self.stopping = threading.Event()

    def stop(self, signum=None, frame=None) -> None:
        self.stopping.set()

    def run(self) -> None:
        previous = {
            number: signal.signal(number, self.stop) for number in (signal.SIGTERM, signal.SIGINT)
        }
        names = ", ".join(chosen.name for chosen in self.channels)
        self.echo(f"Outbox worker started ({names}); sleeps {self.interval:g} s when idle.")
        try:
            while not self.stopping.is_set():
                if not self.run_once():
                    self.stopping.wait(self.interval)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            db.session.remove()
        self.echo("Outbox worker stopped.")

    def run_once(self) -> bool:
        """One batch per channel; True when there was something to do (look again at once)."""
        busy = False
        for chosen in self.channels:
            if self.stopping.is_set():
                break
            try:
                result = outbox.deliver_due(chosen, stop=self.stopping.is_set)
            except sa.exc.SQLAlchemyError as error:
                if not is_database_failure(error):
                    raise
                db.session.remove()
                self.echo("The database is not answering; trying again later.")
                return False
            if result.sent or result.failed:
                busy = True
                self.echo(
                    f"{chosen.name}: sent {result.sent}, failed {result.failed}"
                    f" (given up on {result.gave_up})."
                )
        return busy
