"""Human names of plan statuses, categories, partners, criteria and sections."""

from portal.groups.models import PlanStatus
from portal.groups.models import ProblemCategory
from portal.i18n import lazy_gettext as _l
from portal.web import status_badges

STATUS_LABELS = {
    PlanStatus.DRAFT: _l("Draft"),
    PlanStatus.SUBMITTED: _l("Waiting for review"),
    PlanStatus.CHANGES_REQUESTED: _l("Changes requested"),
    PlanStatus.APPROVED: _l("Approved"),
    PlanStatus.IN_PROGRESS: _l("Under way"),
    PlanStatus.COMPLETED: _l("Carried out"),
    PlanStatus.ARCHIVED: _l("Archived"),
}
#: The colour of each status's badge (CSS .badge-<tone>), as for applications.
STATUS_TONES = {
    PlanStatus.DRAFT: "neutral",
    PlanStatus.SUBMITTED: "info",
    PlanStatus.CHANGES_REQUESTED: "warn",
    PlanStatus.APPROVED: "ok",
    PlanStatus.IN_PROGRESS: "info",
    PlanStatus.COMPLETED: "ok",
    PlanStatus.ARCHIVED: "neutral",
}
#: A plan's status as a badge (made once per language and status).
STATUS_BADGE = status_badges(STATUS_LABELS, STATUS_TONES)
CATEGORY_LABELS = {
    ProblemCategory.EARLY_MARRIAGE: _l("Early marriage"),
    ProblemCategory.DOMESTIC_VIOLENCE: _l("Violence at home"),
    ProblemCategory.BRIDE_KIDNAPPING: _l("Bride kidnapping"),
    ProblemCategory.GIRLS_LEAVING_SCHOOL: _l("Girls leaving school"),
    ProblemCategory.STREET_HARASSMENT: _l("Harassment in the street"),
    ProblemCategory.CHILD_NEGLECT: _l("Children left without care"),
    ProblemCategory.INTERGROUP_TENSION: _l("Tension between ethnic or religious groups"),
    ProblemCategory.VIOLENT_GROUPS: _l("The pull of violent groups"),
    ProblemCategory.POLICE_TRUST: _l("Trust between police and the community"),
    ProblemCategory.OTHER: _l("Another problem"),
}
PARTNER_LABELS = {
    "police": _l("Police"),
    "local_authority": _l("Local authority (ayil okmotu)"),
    "prevention_centre": _l("Crime prevention centre"),
    "school": _l("School"),
    "religious_leaders": _l("Religious leaders"),
    "civil_society": _l("Civil society organisation"),
    "parents": _l("Parents"),
}
CRITERIA = {
    "relevance": _l("Relevance to the problem"),
    "feasibility": _l("Feasibility"),
    "inclusion": _l("Inclusion of girls, women and minorities"),
    "do_no_harm": _l("Conflict sensitivity and do no harm"),
    "sustainability": _l("Sustainability"),
}
SCORE_LABELS = {1: _l("1 – weak"), 2: _l("2 – needs work"), 3: _l("3 – good"), 4: _l("4 – strong")}
SECTION_LABELS = {
    "title": _l("Title"),
    "category": _l("Problem"),
    "problem": _l("The problem as the group sees it"),
    "root_causes": _l("Root causes"),
    "affected": _l("Who is affected"),
    "objectives": _l("Objectives"),
    "activities": _l("Activities"),
    "partners": _l("Partners"),
    "do_no_harm": _l("Do no harm"),
    "indicators": _l("How we will know it worked"),
    "budget": _l("Estimated budget (som)"),
}
ACTIVITY_STATUS_LABELS = {
    "not_started": _l("Not started"),
    "under_way": _l("Under way"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}
