"""Camps for organisers, one blueprint under /manage: set up camps and questions, review and
decide, guardian consent, the waiting list, cohort balance, check-in, exports and
the sheets to print."""

from flask import Blueprint

bp = Blueprint("camps_manage", __name__, url_prefix="/manage")

# The views, by subject; importing them hangs their routes on `bp`.
from portal.camps.manage import applications  # noqa: E402, F401
from portal.camps.manage import camps  # noqa: E402, F401
from portal.camps.manage import cohort  # noqa: E402, F401
from portal.camps.manage import consent  # noqa: E402, F401
from portal.camps.manage import paper  # noqa: E402, F401
from portal.camps.manage import questions  # noqa: E402, F401
from portal.camps.manage import sheets  # noqa: E402, F401
