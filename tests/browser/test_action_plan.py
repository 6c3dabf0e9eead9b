"""Journey 4: a youth group (in Kyrgyz, on phones) drafts an action plan with three activities and
sends it; their mentor (in Uzbek) asks for changes with comments on two sections; the group
revises and sends it again; the mentor approves; the group posts its progress."""

from playwright.sync_api import expect

from portal.groups.models import ActionPlan
from portal.groups.models import PlanStatus
from portal.groups.models import ProblemCategory
from portal.security import Role
from tests.factories import PASSWORD
from tests.factories import UserFactory
from tests.factories import YouthGroupFactory

GROUP = "Кара-Суунун үнү"
PLAN = "Кыздар мектепте калсын, Кара-Суу"
ACTIVITIES = [
    ("Ата-энелер менен жолугушуу", "Айзада"),
    ("Мектепте плакаттар", "Бакыт"),
    ("Мугалимдер менен тегерек стол", "Айзада"),
]
CRITERIA = ("relevance", "feasibility", "inclusion", "do_no_harm", "sustainability")
ON_PROBLEM = "Муаммони ким айтди: қизларнинг ўзларими?"
ON_RISKS = "Қизларнинг исмлари ҳеч қаерда ёзилмасин."


def review(mentor, decision, comments=None):
    """The mentor scores every criterion, comments on sections and decides."""
    for criterion in CRITERIA:
        mentor.tick(f"#score_{criterion}-2")
        mentor.fill(f"#note_{criterion}", "Яхши ўйланган.")
    for section, comment in (comments or {}).items():
        mentor.locate(f"details:has(#comment_{section}) > summary").click()  # folded until opened
        mentor.fill(f"#comment_{section}", comment)
    mentor.fill("#overall_comment", "Раҳмат, зўр иш!")
    mentor.tick("#decision-0" if decision == "approve" else "#decision-1")
    mentor.follow("main form button[type=submit]")


def test_group_drafts_mentor_asks_for_changes_group_revises_mentor_approves_progress(
    journey, live_data, text
):
    with live_data():
        mentor = UserFactory(full_name="Дилшод Юсупов", roles={Role.MENTOR}, locale="uz_Cyrl")
        lead = UserFactory(full_name="Айзада Маматова", locale="ky")
        member = UserFactory(full_name="Бакыт Садыков", locale="ky")
        YouthGroupFactory(name=GROUP, lead=lead, members=[member], mentors=[mentor])
        emails = {"mentor": mentor.email, "lead": lead.email, "member": member.email}

    lead = journey.visitor("lead")
    with journey.step("the lead starts a plan"):
        lead.sign_in(emails["lead"], PASSWORD)
        lead.follow_menu("/groups")
        lead.follow(lead.main.get_by_role("link", name=GROUP))
        lead.follow("form[action$='/plans'] button")
        expect(lead.page.locator("h1")).to_have_text(text("Untitled plan", "ky"))

    with journey.step("the lead drafts the plan with three activities"):
        lead.fill("#title", PLAN)
        lead.choose("#category", "girls_leaving_school")
        lead.fill("#problem", "Биздин айылда кыздар 9-класстан кийин мектепти таштайт.")
        lead.fill("#root_causes", "Эрте турмуш, үй жумушу.")
        lead.fill("#affected", "14–17 жаштагы кыздар жана алардын үй-бүлөлөрү.")
        lead.fill("#objectives", "Бир жылда мектепти таштагандар азаят.")
        for number, (what, who) in enumerate(ACTIVITIES):
            if number:
                lead.follow("button[value=add_row]")
            lead.fill(f"#activities-{number}-what", what)
            lead.fill(f"#activities-{number}-who", who)
        lead.tick("#partners-3")
        lead.fill("#risks", "Эч кимдин атын жазбайбыз.")
        lead.fill("#tension_avoidance", "Ата-энелер менен сыйлап сүйлөшөбүз.")
        lead.fill("#indicators", "Мектептин журналы.")
        lead.fill("#budget_som", "12000")
        lead.follow("button[value=save]")
        expect(lead.page.locator(".flash")).to_have_text(text("The plan is saved.", "ky"))
        expect(lead.main.locator("fieldset.activity")).to_have_count(3)

    with journey.step("the lead sends it to the mentor"):
        lead.follow("button[value=send]")
        expect(lead.page.locator(".flash")).to_have_text(
            text("Version %(number)d is sent to your mentors.", "ky", number=1)
        )
        # The page after sending says who reviews the plan and about when.
        expect(lead.page.locator("h1")).to_have_text(text("Your action plan is sent", "ky"))
        sent_path = lead.page.url.split("?")[0].removeprefix(journey.base_url)
        plan_path = sent_path.removesuffix("/sent")

    mentor = journey.visitor("mentor", locale="uz-UZ")
    with journey.step("the mentor asks for changes on two sections"):
        mentor.sign_in(emails["mentor"], PASSWORD)
        mentor.follow_menu("/mentor/queue")
        mentor.follow(mentor.main.get_by_role("link", name=PLAN))
        expect(mentor.page.locator("h1")).to_have_text(
            text("Review version %(number)d", "uz_Cyrl", number=1)
        )
        review(mentor, "changes", {"problem": ON_PROBLEM, "do_no_harm": ON_RISKS})
        expect(mentor.page.locator(".flash")).to_have_text(
            text("Your review is sent to the group.", "uz_Cyrl")
        )

    member = journey.visitor("member")
    with journey.step("a member reads the feedback and revises both sections"):
        member.sign_in(emails["member"], PASSWORD)
        member.open(plan_path)
        feedback = member.main.locator(".feedback")
        expect(feedback).to_have_count(2)
        expect(feedback.first).to_contain_text(ON_PROBLEM)
        expect(feedback.last).to_contain_text(ON_RISKS)
        member.fill("#problem", "Кыздардын өздөрү айткандай: 9-класстан кийин мектепти таштайт.")
        member.fill("#risks", "Кыздардын аттарын эч жерге жазбайбыз; сүйлөшүүлөр өзүнчө болот.")
        member.follow("button[value=save]")
        expect(member.page.locator(".flash")).to_have_text(text("The plan is saved.", "ky"))

    with journey.step("the lead sends the second version"):
        lead.open(plan_path)
        lead.follow("button[value=send]")
        expect(lead.page.locator(".flash")).to_have_text(
            text("Version %(number)d is sent to your mentors.", "ky", number=2)
        )

    with journey.step("the mentor approves"):
        mentor.follow_menu("/mentor/queue")
        mentor.follow(mentor.main.get_by_role("link", name=PLAN))
        changed = mentor.main.locator("section.change h2")
        expect(changed).to_have_count(2)  # only what changed since version 1
        review(mentor, "approve")
        expect(mentor.page.locator(".flash")).to_have_text(
            text("Your review is sent to the group.", "uz_Cyrl")
        )

    with journey.step("the group posts its progress"):
        lead.open(plan_path)
        expect(lead.main.locator("p .badge").first).to_have_text(text("Approved", "ky"))
        lead.choose(lead.main.locator("#progress select").first, "done")
        lead.fill("#percent_complete", "30")
        lead.fill("#what_happened", "Ата-энелер менен жолугушуу өттү, 25 киши келди.")
        lead.follow("form[action$='/progress'] button[type=submit]")
        expect(lead.page.locator(".flash")).to_have_text(text("Progress update posted.", "ky"))
        expect(lead.main.locator("#progress article")).to_contain_text("30%")

    with live_data() as session:
        plan = session.get(ActionPlan, int(plan_path.rsplit("/", 1)[1]))
        assert plan.title == PLAN
        assert [activity.what for activity in plan.activities] == [a for a, _ in ACTIVITIES]
        assert plan.status in (PlanStatus.APPROVED, PlanStatus.IN_PROGRESS)
        assert [version.number for version in plan.versions] == [1, 2]
        first_review = plan.versions[0].reviews[0]
        assert first_review.section_comments["problem"] == ON_PROBLEM
        assert first_review.section_comments["do_no_harm"] == ON_RISKS
        assert plan.versions[1].content["do_no_harm"]["risks"].startswith("Кыздардын аттарын")
        assert plan.category is ProblemCategory.GIRLS_LEAVING_SCHOOL  # kept through every save
