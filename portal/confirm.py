"""Steps that cannot be undone ask first, on a page of their own (no JavaScript needed).

The view posts its form (a `portal.forms.Confirmable`); while `form.confirmed()` is false it
returns `confirmation_page(...)`, which says what will happen and posts the same fields again
with `confirm` set. Only then does the view call the service.
"""

from collections.abc import Iterable

from flask import render_template
from flask import request

from portal.forms import CONFIRMED


def confirmation_page(
    form,
    *,
    title: str,
    consequences: Iterable[str],
    button: str,
    back: str,
    resend: Iterable[tuple[str, str]] = (),
):
    """The page naming the consequences of a step, with the button that takes it.

    `resend` holds the (name, value) pairs the step's form needs again (the chosen status,
    the ticked roles); `back` is where "No, go back" leads.
    """
    return render_template(
        "confirm.html",
        form=form,
        title=title,
        consequences=list(consequences),
        button=button,
        back=back,
        resend=list(resend),
        # The query string may carry what the step applies to (a list's filter).
        action=request.script_root + request.full_path.rstrip("?"),
        confirmed=CONFIRMED,
    ), 200
