"""A guardian's consent photographed with a phone (issue 18): with JavaScript, a 12-megapixel
photo is made smaller in the browser before it is sent (longest side 2000 px, JPEG); without
it, the same photo goes as it is and the server takes it, since it is under the limit."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from portal.security import Role
from tests.factories import PASSWORD
from tests.factories import ApplicationFactory
from tests.factories import UserFactory
from tests.factories import minor


def phone_photo() -> bytes:
    """A 4000 × 3000 JPEG with detail everywhere, as a phone's camera sends it (a few MB)."""
    noise = Image.frombytes("L", (1000, 750), bytes(range(256)) * 2930 + bytes(220))
    picture = noise.resize((4000, 3000)).convert("RGB")
    picture.paste(
        Image.effect_noise((4000, 3000), 90).convert("RGB"), mask=noise.resize((4000, 3000))
    )
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=95)
    return out.getvalue()


@pytest.fixture
def minor_without_consent(live_data):
    with live_data():
        organiser = UserFactory(roles={Role.ORGANISER}, locale="ky")
        application = ApplicationFactory(applicant=minor())
        return organiser.email, application.id


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_phone_photo_of_the_consent_form_is_made_smaller_first(
    journey, minor_without_consent, text, javascript
):
    email, application_id = minor_without_consent
    photo = phone_photo()
    assert len(photo) > 2 * 1024 * 1024
    staff = journey.visitor("organiser", javascript=javascript)
    with journey.step("records a consent with a photo of the signed form"):
        staff.sign_in(email, PASSWORD)
        staff.open(f"/manage/applications/{application_id}")
        staff.tick("#method-0")
        staff.attach("#scan", {"name": "IMG_2041.jpeg", "mimeType": "image/jpeg", "buffer": photo})
        if javascript:  # the smaller file replaces the chosen one before the form is sent
            staff.page.wait_for_function(
                "() => document.querySelector('#scan').files[0].name === 'IMG_2041.jpg'"
            )
        staff.follow("form[action*='/consent'] button[type=submit]")
        expect(staff.page.locator(".flash")).to_have_text(
            text("The guardian's consent is recorded.", "ky")
        )
    stored = staff.download("a[href^='/manage/consents/']").body()
    width, height = Image.open(io.BytesIO(stored)).size
    if javascript:
        assert (width, height) == (2000, 1500)
        assert len(stored) < len(photo) / 2
    else:
        assert (width, height) == (4000, 3000) and stored == photo
