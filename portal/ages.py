"""Ages and age bands: one definition for forms, camps, the cohort balance and the reports."""

from datetime import date

#: (label key, lowest age, highest age) of the bands reports and the cohort balance count by.
AGE_BANDS = (("14-15", 14, 15), ("16-17", 16, 17), ("18-21", 18, 21), ("22-25", 22, 25))


def age_on(born: date, day: date) -> int:
    """Completed years on `day` (someone born on 29 February turns a year older on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (28 February for a 29 February that year lacks)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_band(age: int | None) -> str:
    """The band's label for an age; "?" when unknown, "26+" above the programme's ages."""
    if age is None:
        return "?"
    for label, low, high in AGE_BANDS:
        if low <= age <= high:
            return label
    return "26+" if age > 25 else "?"
