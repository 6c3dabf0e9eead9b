"""A proposed balanced cohort: reviewed applicants for the free places, within every target's
maximum, trying to reach every minimum, then by best score; seeded, explained, never applied
here.

The core (`propose`) works on plain records, so it can be checked on any pool; `suggest` reads
the camp's pool and says in the reader's language why a place stays empty or a minimum is not
reached.

Ethnicity targets are never used here: a proposal names applicants, so choosing them by their
answer would tell the organiser what each one answered (DESIGN §6). The page says so.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from portal.camps.balance import CANDIDATE_STATUSES
from portal.camps.balance import TARGET_DIMENSIONS
from portal.camps.balance import Balance
from portal.camps.balance import balance_of
from portal.camps.balance import group_name
from portal.camps.balance import pool_of
from portal.camps.balance import values_of
from portal.camps.models import SEAT_STATUSES
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.places import place_names

# --- the core, on plain records -----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A share of the final cohort, in percent, for the people with one value of a dimension."""

    dimension: str
    value: str
    low: int
    high: int

    def most(self, size: int) -> int:
        """The largest head count within the maximum for a cohort of `size`."""
        return size * self.high // 100

    def least(self, size: int) -> int:
        """The smallest head count that reaches the minimum for a cohort of `size`."""
        return -(-size * self.low // 100)


@dataclass(frozen=True)
class Person:
    """Someone in the cohort or a candidate: their values by dimension (a person may speak
    several languages) and, for a candidate, the review score."""

    values: dict[str, tuple[str, ...]]
    score: int = 0
    key: Any = None

    def is_in(self, target: Target) -> bool:
        return target.value in self.values.get(target.dimension, ())


@dataclass
class Pick:
    person: Person
    #: The minimum this person was taken to reach, or None when taken for the score.
    for_minimum: Target | None = None


@dataclass
class Proposal:
    seats: int
    chosen: list[Pick]
    #: Places left empty because no candidate was left at all.
    empty_no_candidates: int = 0
    #: Places left empty because taking more would break these maximums.
    empty_for_maximum: int = 0
    maximums_in_the_way: list[Target] = field(default_factory=list)
    #: Minimums not reached, each with whether enough candidates existed at all.
    unmet_minimums: list[tuple[Target, bool]] = field(default_factory=list)
    #: Maximums the accepted cohort already breaks (the proposal adds none of those people).
    already_over: list[Target] = field(default_factory=list)

    @property
    def left_empty(self) -> int:
        return self.seats - len(self.chosen)


#: How many of the chosen and of the refused a swap looks at, and how many swaps an attempt
#: makes: enough for a camp's groups, bounded for a pool of thousands.
SWAP_LOOKAHEAD = 40
SWAP_ROUNDS = 20


@dataclass
class _Attempt:
    chosen: list[Pick]
    blocked: set[int]


def propose(
    cohort: Sequence[Person], candidates: Sequence[Person], seats: int, targets: Sequence[Target]
) -> Proposal:
    """Up to `seats` of the `candidates` (given best first) added to the `cohort`, so that the
    final cohort keeps every target's maximum, reaching minimums where it can.

    Maximums bind the final cohort, whose size depends on how many are taken, so each attempt
    fixes the number taken first. The largest number that can be filled within the maximums
    wins (filling places comes before reaching minimums); a maximum the accepted cohort
    already breaks is kept from growing.
    """
    seats = max(seats, 0)
    members = [[t for t, target in enumerate(targets) if person.is_in(target)]
               for person in candidates]  # fmt: skip
    base = [sum(person.is_in(target) for person in cohort) for target in targets]
    by_target = [[i for i in range(len(candidates)) if t in members[i]]
                 for t in range(len(targets))]  # fmt: skip
    with_minimums = any(target.low > 0 for target in targets)

    def attempt(taking: int, minimums: bool) -> _Attempt:
        size = len(cohort) + taking
        most = [max(target.most(size), base[t]) for t, target in enumerate(targets)]
        least = [target.least(size) for target in targets]
        counts = list(base)
        chosen: dict[int, Target | None] = {}  # candidate → the minimum it was taken for
        refused: set[int] = set()  # counts only grow while filling: once refused, always
        blocked: set[int] = set()

        def room(i: int) -> bool:
            return all(counts[t] < most[t] for t in members[i])

        def fits(i: int) -> bool:
            over = [t for t in members[i] if counts[t] + 1 > most[t]]
            blocked.update(over)
            return not over

        def add(i: int, for_minimum: Target | None = None) -> None:
            chosen[i] = for_minimum
            for t in members[i]:
                counts[t] += 1

        def drop(i: int) -> Target | None:
            for t in members[i]:
                counts[t] -= 1
            return chosen.pop(i)

        unreachable: set[int] = set()
        #: How far each target's candidates have been looked at (those before are out).
        looked = [0] * len(targets)
        while minimums and len(chosen) < taking:
            gaps = [(least[t] - counts[t], -t) for t in range(len(targets))
                    if counts[t] < least[t] and t not in unreachable]  # fmt: skip
            if not gaps:
                break
            t = -max(gaps)[1]
            while looked[t] < len(by_target[t]):
                i = by_target[t][looked[t]]
                looked[t] += 1
                if i in chosen or i in refused:
                    continue
                if fits(i):
                    add(i, targets[t])
                    break
                refused.add(i)
            else:
                unreachable.add(t)

        def fill() -> None:
            for i in range(len(candidates)):
                if len(chosen) >= taking:
                    return
                if i not in chosen and i not in refused:
                    if fits(i):
                        add(i)
                    else:
                        refused.add(i)

        def swap_one_for_two() -> bool:
            """Let one chosen applicant go so that two refused ones fit (the greedy order can
            fill a group with one person who keeps two others out)."""
            waiting = sorted(refused)[:SWAP_LOOKAHEAD]
            for out in sorted(chosen, reverse=True)[:SWAP_LOOKAHEAD]:
                why = drop(out)
                for first in (i for i in waiting if room(i)):
                    add(first)
                    second = next((i for i in waiting if i != first and room(i)), None)
                    if second is not None:
                        add(second)
                        refused.difference_update((first, second))
                        refused.add(out)
                        return True
                    drop(first)
                add(out, why)
            return False

        fill()
        for _round in range(SWAP_ROUNDS):
            if len(chosen) >= taking or not swap_one_for_two():
                break
            refused.clear()  # the counts went down: everyone left may be looked at again
            refused.update(i for i in range(len(candidates)) if i not in chosen and not room(i))
            fill()
        picks = [Pick(candidates[i], why) for i, why in chosen.items()]  # in the order taken
        return _Attempt(picks, blocked)

    def best_for(taking: int) -> _Attempt:
        """The attempt that fills `taking` places (minimums first if that fills them)."""
        tried = attempt(taking, True) if with_minimums else attempt(taking, False)
        if len(tried.chosen) < taking and with_minimums:
            tried = attempt(taking, False)
        return tried

    most_possible = min(seats, len(candidates))
    taking = most_possible
    found = best_for(taking)
    failed: tuple[int, _Attempt] | None = None
    # Fewer places: try as many as the failed attempt managed, down to none (always fits);
    # then search between the last success and the last failure for the largest number.
    while len(found.chosen) < taking:
        failed = (taking, found)
        taking = min(taking - 1, len(found.chosen))
        found = best_for(taking)
    if failed is not None:
        low, high = taking, failed[0]
        while high - low > 1:
            middle = (low + high) // 2
            tried = best_for(middle)
            if len(tried.chosen) == middle:
                low, found = middle, tried
            else:
                high, failed = middle, (middle, tried)
        taking = low
    proposal = Proposal(seats=seats, chosen=found.chosen)
    proposal.empty_no_candidates = seats - most_possible
    proposal.empty_for_maximum = most_possible - taking
    if failed is not None:
        proposal.maximums_in_the_way = [targets[t] for t in sorted(failed[1].blocked)]
    size = len(cohort) + taking
    final = [base[t] + sum(pick.person.is_in(target) for pick in found.chosen)
             for t, target in enumerate(targets)]  # fmt: skip
    for t, target in enumerate(targets):
        if final[t] < target.least(size):
            enough = base[t] + len(by_target[t]) >= target.least(size)
            proposal.unmet_minimums.append((target, enough))
        if base[t] > target.most(size):
            proposal.already_over.append(target)
    return proposal


# --- the camp's proposal, explained ------------------------------------------------------------


@dataclass
class Choice:
    application: Any
    reason: str


@dataclass
class Suggestion:
    seed: int
    seats: int
    chosen: list[Choice]
    #: Why some applicants could not be considered, why places stay empty, targets not met.
    notes: list[str]
    #: Why places stay empty (also among the notes); empty when every place is proposed.
    empty_reasons: list[str]
    balance: Balance
    #: The ethnicity targets, which the proposal does not use (see the module's docstring).
    ethnicity_ignored: bool = False


def targets_of(camp) -> list[Target]:
    """The camp's targets on the dimensions a proposal may use."""
    return [
        Target(dimension, value, int(low), int(high))
        for dimension in TARGET_DIMENSIONS
        for value, (low, high) in sorted(camp.targets.get(dimension, {}).items())
    ]


def _person(application) -> Person:
    values = {d: tuple(values_of(application, d)) for d in TARGET_DIMENSIONS}
    return Person(values=values, score=application.score or 0, key=application)


def suggest(camp, *, seed: int) -> Suggestion:
    """Pick applicants for the free places (see `propose`) and explain the choice.

    Only reviewed applicants (with a score) are considered; minors without guardian consent
    cannot be accepted yet. Ties between equal scores are broken by `seed`, so the same seed
    always gives the same proposal. Nothing is changed here.
    """
    applications = pool_of(camp)
    names = place_names()
    cohort = [a for a in applications if a.status in SEAT_STATUSES]
    seats = max(camp.capacity - len(cohort), 0)
    notes = []
    candidates = []
    for application in applications:
        if application.status not in CANDIDATE_STATUSES or application.score is None:
            continue
        if application.needs_guardian_consent:
            notes.append(
                _("%(name)s is not included: the guardian's consent is missing.",
                  name=application.applicant.full_name)
            )  # fmt: skip
            continue
        candidates.append(application)
    unscored = sum(1 for a in applications if a.status in CANDIDATE_STATUSES and a.score is None)
    if unscored:
        notes.append(
            ngettext(
                "%(num)d applicant has no score yet and is not included.",
                "%(num)d applicants have no score yet and are not included.",
                unscored,
            )
        )
    # Seeded so a proposal can be repeated; only breaks ties, nothing secret.
    rng = random.Random(seed)  # nosec B311
    rng.shuffle(candidates)
    candidates.sort(key=lambda a: -(a.score or 0))  # stable: equal scores keep the seeded order

    proposal = propose(
        [_person(a) for a in cohort], [_person(a) for a in candidates], seats, targets_of(camp)
    )
    chosen = [Choice(pick.person.key, _reason(pick, names)) for pick in proposal.chosen]
    empty_reasons = _empty_reasons(proposal, names)
    notes += empty_reasons + _target_notes(proposal, names)
    chosen_ids = frozenset(choice.application.id for choice in chosen)
    return Suggestion(
        seed=seed, seats=seats, chosen=chosen, notes=notes, empty_reasons=empty_reasons,
        balance=balance_of(camp, applications, also_accepted=chosen_ids),
        ethnicity_ignored=bool(camp.targets.get("ethnicity")),
    )  # fmt: skip


def _reason(pick: Pick, names) -> str:
    score = pick.person.score
    if pick.for_minimum is None:
        return _("Score %(score)d: the best score among those left.", score=score)
    group = group_name(pick.for_minimum.dimension, pick.for_minimum.value, names)
    return _("Score %(score)d; helps reach the minimum for %(group)s.", score=score, group=group)


def _above(target: Target, names) -> str:
    return _(
        "%(group)s above %(max)d%%",
        group=group_name(target.dimension, target.value, names),
        max=target.high,
    )


def _empty_reasons(proposal: Proposal, names) -> list[str]:
    reasons = []
    if proposal.empty_for_maximum:
        limits = "; ".join(_above(target, names) for target in proposal.maximums_in_the_way)
        reasons.append(
            ngettext(
                "%(num)d place is left empty: taking more applicants would put %(limits)s.",
                "%(num)d places are left empty: taking more applicants would put %(limits)s.",
                proposal.empty_for_maximum,
                limits=limits,
            )
        )
    if proposal.empty_no_candidates:
        reasons.append(
            ngettext(
                "%(num)d place is left empty: there is no other reviewed applicant who can be "
                "accepted now.",
                "%(num)d places are left empty: there is no other reviewed applicant who can be "
                "accepted now.",
                proposal.empty_no_candidates,
            )
        )
    return reasons


def _target_notes(proposal: Proposal, names) -> list[str]:
    notes = []
    for target in proposal.already_over:
        notes.append(
            _("The accepted cohort already has more %(group)s than the maximum of %(max)d%%: "
              "the proposal adds none of them.",
              group=group_name(target.dimension, target.value, names), max=target.high)
        )  # fmt: skip
    for target, enough in proposal.unmet_minimums:
        group = group_name(target.dimension, target.value, names)
        if enough:
            notes.append(
                _("The minimum for %(group)s (%(min)d%%) is not reached: taking more of them "
                  "would break another maximum or leave places empty.",
                  group=group, min=target.low)
            )  # fmt: skip
        else:
            notes.append(
                _("The minimum for %(group)s (%(min)d%%) is not reached: there are not enough "
                  "reviewed applicants in this group.",
                  group=group, min=target.low)
            )  # fmt: skip
    return notes
