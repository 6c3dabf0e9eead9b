"""Values made once per key and kept per worker, at most a given number: past that, the one kept
longest makes room (a dict keeps its insertion order, so the first is the oldest; a key gone
stale is never asked again and ends up the oldest). Rendered fragments (portal/fragments.py)
and built statements (portal/database.py) are kept this way."""

from collections.abc import Callable
from collections.abc import Hashable
from typing import Any

_GONE = object()


def kept_in(store: dict, limit: int, key: Hashable, make: Callable[[], Any]) -> Any:
    """`store[key]`, or `make()`'s value, then kept there."""
    value = store.get(key)
    if value is None:
        value = make()
        while store and len(store) >= limit:
            if store.pop(next(iter(store)), _GONE) is _GONE:
                # A key whose hash changed since it was kept (a bug where it was made): the
                # store cannot be trusted, and going on would never free a place.
                store.clear()
        store[key] = value
    return value
