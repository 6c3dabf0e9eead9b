"""Who may write to whose people."""

from portal.broadcasts.models import Audience
from portal.camps.policy import can_manage_camp
from portal.groups.policy import can_manage_groups
from portal.training.policy import can_manage_training


def can_broadcast(user, target, audience: Audience) -> bool:
    """The organisers who run a camp, a programme or the groups write to their people."""
    if not user.is_authenticated:
        return False
    if audience is Audience.CAMP:
        return can_manage_camp(user, target)
    if audience is Audience.PROGRAMME:
        return can_manage_training(user)
    return can_manage_groups(user)


def can_change(broadcast) -> bool:
    """A draft may be changed, sent or thrown away; a sent broadcast only read."""
    return broadcast.sent_at is None
