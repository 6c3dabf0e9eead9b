"""How account values read on screen, for every domain that shows them."""

from portal.i18n import lazy_gettext as _l

#: Gender values (and "unknown" for people who preferred not to say) → their name.
GENDER_LABELS = {
    "female": _l("Female"),
    "male": _l("Male"),
    "other": _l("Other"),
    "unknown": _l("Prefer not to say"),
}
