"""Training for organisers, one blueprint under /manage: programmes, modules and sessions,
enrolments and their dates, certificates awaiting a decision, and the ambassador directory."""

from flask import Blueprint

bp = Blueprint("training_manage", __name__, url_prefix="/manage")

# The views, by subject; importing them hangs their routes on `bp`.
from portal.training.manage import certificates  # noqa: E402, F401
from portal.training.manage import directory  # noqa: E402, F401
from portal.training.manage import enrolments  # noqa: E402, F401
from portal.training.manage import programmes  # noqa: E402, F401
