"""An uploaded spreadsheet waiting to be imported, and what its import did."""

import enum
from datetime import datetime
from typing import Any
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from portal.extensions import Model
from portal.extensions import UTCDateTime
from portal.extensions import str_enum
from portal.extensions import utcnow


class ImportKind(enum.Enum):
    PEOPLE = "people"
    #: A programme's past graduates, each with a certificate.
    GRADUATES = "graduates"


class ImportBatch(Model):
    """One uploaded file: kept for a day at most (its file goes as soon as it is imported)."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(str_enum(ImportKind))
    #: For graduates: the programme they completed.
    programme_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True
    )
    #: Only the organiser who uploaded it sees it: it holds other people's details.
    uploaded_by_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    #: The file in the upload store (a random name); None once imported.
    file_name: Mapped[Optional[str]] = mapped_column(sa.String(100), info={"upload": True})
    #: "xlsx" or "csv".
    file_format: Mapped[str] = mapped_column(sa.String(8))
    #: The file's header row, as the mapping page shows it.
    header: Mapped[list[str]] = mapped_column(sa.JSON)
    #: Field name → the column (0-based) it is read from.
    mapping: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    row_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    imported_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: What the import did: {"created": …, "matched": …, "rejected": …, …}.
    counts: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    #: The rows the import refused, for their report: [{"row", "cells", "problems"}].
    rejected: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
