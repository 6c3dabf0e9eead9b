"""Fault points for `make stress` only: kill this worker at a named moment of a write.

`bench/stress.py` starts gunicorn with STRESS_KILL_HOOKS=1 and sends a request with the header
`X-Stress-Kill: <point>`; when the request reaches that point its worker dies with SIGKILL, as
if the machine lost power there. Without the variable (every real installation) the header is
ignored: `kill_point` is one comparison and nothing else.

Points: "before-commit" (every write of the request is flushed to the database, the commit
has not been sent), "after-commit" (committed, no answer sent yet), "after-storage-write" (an
upload is stored, its row not yet committed). With STRESS_KILL_LOG set, the point and the
request's `X-Stress-Token` are appended to that file first, so the run knows which kill landed
where (a request may also die under another's kill: its worker is gone either way).
"""

import os
import signal

from flask import has_request_context
from flask import request

#: Read once at import: no setting, header or request can switch the hooks on.
ENABLED = os.environ.get("STRESS_KILL_HOOKS") == "1"
HEADER = "X-Stress-Kill"
POINTS = ("before-commit", "after-commit", "after-storage-write")


def kill_point(name: str) -> None:
    """Die here if the stress run asked this request to (never outside a stress run)."""
    if not ENABLED or not has_request_context():
        return
    if request.headers.get(HEADER) == name:
        log = os.environ.get("STRESS_KILL_LOG")
        if log:
            with open(log, "a") as landed:  # written before the kill: the kernel keeps it
                landed.write(f"{name} {request.headers.get('X-Stress-Token', '')}\n")
        os.kill(os.getpid(), signal.SIGKILL)
