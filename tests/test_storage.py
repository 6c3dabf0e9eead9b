"""Uploads live where every app server sees them, whole or not at all (portal/storage.py).

Each backend shipped (a folder, an S3-compatible bucket) is tested against the same contract;
the bucket is tests/fake_s3.py on 127.0.0.1, never a real provider.
"""

import errno
import io
import os
import pathlib
import pickle
import re
import shutil
import tempfile
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade
from flask_migrate import upgrade

from portal import create_app
from portal.accounts.models import ErasureRequest
from portal.camps.models import GuardianConsent
from portal.extensions import db as _db
from portal.security import Role
from portal.storage import LocalStorage
from portal.storage import S3Storage
from portal.storage import StorageError
from portal.storage import authorization
from portal.storage import storage
from portal.uploads import CheckedUpload
from portal.uploads import store_upload
from tests import factories
from tests.factories import ApplicationFactory
from tests.factories import minor
from tests.helpers import error_summary

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
NOT_STORED = (
    "The scan could not be saved: the portal's file store is full or not answering. Nothing "
    "was recorded. Attach the file again and send the form once more."
)
NOTE = "Signed by the mother, Гүлнара, at the camp office."


def s3_store(fake, **overrides) -> S3Storage:
    config = fake.config(**overrides)
    return S3Storage(
        endpoint_url=config["UPLOADS_S3_ENDPOINT_URL"],
        bucket=config["UPLOADS_S3_BUCKET"],
        access_key_id=config["UPLOADS_S3_ACCESS_KEY_ID"],
        secret_access_key=config["UPLOADS_S3_SECRET_ACCESS_KEY"],
        region=config["UPLOADS_S3_REGION"],
        prefix=config.get("UPLOADS_S3_PREFIX", ""),
        timeout=5,
    )


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path, app):
    with app.app_context():
        if request.param == "local":
            yield LocalStorage(tmp_path / "uploads")
        else:
            yield s3_store(request.getfixturevalue("fake_s3"), UPLOADS_S3_PREFIX="portal/")


# -- the contract every backend keeps -----------------------------------------------------------


def test_a_file_is_stored_read_replaced_listed_and_deleted(store):
    assert store.get("a1.pdf") is None and store.names() == []
    store.put("a1.pdf", PDF)
    store.put("b2.png", b"\x89PNG")
    store.put("c3.jpg", b"\xff\xd8\xff")
    assert store.get("a1.pdf") == PDF
    store.put("a1.pdf", PDF + b"v2")
    assert store.get("a1.pdf") == PDF + b"v2"
    assert store.names() == ["a1.pdf", "b2.png", "c3.jpg"]  # the fake pages two at a time
    store.delete("a1.pdf")
    store.delete("a1.pdf")  # deleting what is gone is no error
    assert store.get("a1.pdf") is None and store.names() == ["b2.png", "c3.jpg"]
    assert store.check() is None
    assert store.names() == ["b2.png", "c3.jpg"]  # the health probe leaves nothing behind


@pytest.mark.parametrize("name", ["../etc/passwd", ".hidden", "a/b.pdf", "", "x" * 200])
def test_no_name_outside_the_portals_own_reaches_a_backend(store, name):
    assert store.get(name) is None
    with pytest.raises(ValueError):
        store.put(name, PDF)


def test_the_signature_is_the_one_of_the_aws_documentation():
    """The "GET Object" example of Signature V4's header-based authentication."""
    header = authorization(
        method="GET",
        path="/test.txt",
        query={},
        headers={
            "Host": "examplebucket.s3.amazonaws.com",
            "Range": "bytes=0-9",
            "x-amz-content-sha256": (
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            "x-amz-date": "20130524T000000Z",
        },
        access_key_id="AKIAIOSFODNN7EXAMPLE",
        secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region="us-east-1",
    )
    assert header == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def test_a_store_that_refuses_the_key_is_an_error_not_a_file(app, fake_s3):
    with app.app_context():
        wrong = s3_store(fake_s3, UPLOADS_S3_SECRET_ACCESS_KEY="not-the-secret")
        with pytest.raises(StorageError):
            wrong.put("a1.pdf", PDF)
        assert wrong.check() == "refused (HTTP 403)"
    assert fake_s3.objects == {}


@pytest.mark.parametrize("kept_by_the_store", [False, True])
def test_a_failed_put_leaves_nothing_in_the_bucket(app, fake_s3, kept_by_the_store):
    """Refused, or stored with the answer lost on the way back: either way nothing stays."""
    fake_s3.failing = {"PUT": 500}
    fake_s3.keep_failed_puts = kept_by_the_store
    with app.app_context():
        with pytest.raises(StorageError) as raised:
            s3_store(fake_s3).put("a1.pdf", PDF)
    assert raised.value.reason == "refused (HTTP 500)"
    assert fake_s3.objects == {}


def test_an_unreachable_store_is_an_error(app, tmp_path):
    with app.app_context():
        gone = S3Storage(
            endpoint_url="http://127.0.0.1:9",  # the discard port: nothing listens
            bucket="b",
            access_key_id="k",
            secret_access_key="s",
            timeout=2,
        )
        with pytest.raises(StorageError):
            gone.get("a1.pdf")
        assert gone.check() == "unreachable"


def test_s3_needs_its_settings_and_an_http_address():
    with pytest.raises(RuntimeError, match="UPLOADS_S3_BUCKET"):
        create_app("testing", UPLOADS_BACKEND="s3", UPLOADS_S3_ENDPOINT_URL="http://127.0.0.1:1")
    with pytest.raises(RuntimeError, match="local or s3"):
        create_app("testing", UPLOADS_BACKEND="ftp")
    with pytest.raises(ValueError, match="http"):
        S3Storage(endpoint_url="file:///etc", bucket="b", access_key_id="k", secret_access_key="s")


# -- a full or read-only disk ---------------------------------------------------------------------


def disk_full(monkeypatch):
    """Every way of writing a file writes half of it, then finds the disk full."""

    def half_then_full(descriptor, data):
        real_write(descriptor, bytes(data)[: max(1, len(data) // 2)])
        raise OSError(errno.ENOSPC, "No space left on device")

    def write_bytes(path, data):
        with open(path, "wb") as file:
            file.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    real_write = os.write
    monkeypatch.setattr(os, "write", half_then_full)
    monkeypatch.setattr(pathlib.Path, "write_bytes", write_bytes)


def test_a_full_disk_keeps_no_partial_file(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    local = LocalStorage(folder)
    local.put("old.pdf", PDF)
    disk_full(monkeypatch)
    with pytest.raises(StorageError) as raised:
        local.put("new.pdf", PDF * 100)
    with pytest.raises(StorageError):
        local.put("old.pdf", b"%PDF-" + b"9" * 1000)  # a replacement never half-replaces
    assert raised.value.reason == "full"
    assert sorted(p.name for p in folder.iterdir()) == ["old.pdf"]  # no temporary file either
    assert local.get("old.pdf") == PDF
    assert local.check() == "full"


def unprivileged(function):
    """Run `function` as a user who may not write where root may (root ignores file modes)."""
    if os.geteuid() != 0:
        return function()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        try:
            os.close(read)
            os.setgid(65534)
            os.setuid(65534)
            result = ("ok", function())
        except BaseException as error:  # noqa: BLE001 - the parent re-raises it
            result = ("error", repr(error))
        with os.fdopen(write, "wb") as pipe:
            pickle.dump(result, pipe)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        kind, value = pickle.load(pipe)
    os.waitpid(child, 0)
    assert kind == "ok", value
    return value


def test_a_read_only_folder_keeps_nothing_and_says_so():
    parent = Path(tempfile.mkdtemp(prefix="jashtar-readonly-"))
    try:
        folder = parent / "uploads"
        folder.mkdir()
        (folder / "old.pdf").write_bytes(PDF)
        parent.chmod(0o755)
        folder.chmod(0o555)

        def attempt():
            local = LocalStorage(folder)
            try:
                local.put("new.pdf", PDF)
            except StorageError as error:
                return error.reason, local.check(), sorted(p.name for p in folder.iterdir())
            return "written", None, []

        assert unprivileged(attempt) == ("not writable", "not writable", ["old.pdf"])
    finally:
        folder.chmod(0o755)
        shutil.rmtree(parent)


def upload(client, application, note=NOTE):
    return client.post(
        f"/manage/applications/{application.id}/consent?lang=en",
        data={"method": "paper_form", "scan": (io.BytesIO(PDF), "consent.pdf"), "note": note},
        content_type="multipart/form-data",
    )


def test_a_full_disk_gives_the_form_back_with_what_was_typed(
    client, login_as, db, upload_folder, monkeypatch
):
    login_as("organiser")
    application = ApplicationFactory(applicant=minor())
    before = sorted(Path(upload_folder).iterdir())
    disk_full(monkeypatch)
    response = upload(client, application)
    assert response.status_code == 503
    assert error_summary(response.text) == [NOT_STORED]
    assert NOTE in response.text  # the note is kept; the file field asks for the file again
    assert re.search(r'<input checked[^>]*value="paper_form"', response.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuardianConsent)) == 0
    assert sorted(Path(upload_folder).iterdir()) == before


def test_healthz_reports_a_read_only_upload_folder(client, db, monkeypatch):
    assert client.get("/healthz").json["uploads"] == "ok"

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "open", read_only)
    response = client.get("/healthz")
    # The rest of the portal still serves: degraded, not out of rotation.
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["checks"]["uploads"] == {
        "status": "down",
        "backend": "local",
        "reason": "not writable",
    }
    assert response.json["uploads"] == "not writable"
    assert response.json["database"] == "ok"


def test_healthz_reports_a_schema_behind_the_code(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade()
        downgrade(revision="-1")
        _db.engine.dispose()
    response = app.test_client().get("/healthz")
    assert response.json["status"] == "degraded"
    schema = response.json["checks"]["schema"]
    assert schema["status"] == "degraded"
    assert schema["database"] != schema["code"]


# -- two app servers, one bucket ------------------------------------------------------------------


@pytest.fixture
def servers(db, fake_s3, database_uri, tmp_path):
    """Two app servers with the same settings: one bucket, each with a local disk of its own,
    on the test's database transaction."""
    connection = db.engines[None]
    apps = []
    for name in ("a", "b"):
        server = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=database_uri,
            **fake_s3.config(UPLOADS_DIR=str(tmp_path / f"disk-{name}")),
        )
        with server.app_context():
            original = _db.engines[None]
            _db.engines[None] = connection
        apps.append((server, original))
    yield [server for server, _original in apps]
    for server, original in apps:
        with server.app_context():
            _db.session.remove()
            _db.engines[None] = original
            original.dispose()


def signed_in(server, user):
    from tests.conftest import PortalClient

    server.test_client_class = PortalClient
    client = server.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["auth_at"] = session["seen"] = int(time.time())
    return client


def test_a_scan_uploaded_on_one_server_is_served_and_erased_by_the_other(
    servers, fake_s3, db, tmp_path
):
    a, b = servers
    organiser = factories.UserFactory(roles={Role.ORGANISER})
    admin = factories.UserFactory(roles={Role.ADMIN})
    application = ApplicationFactory(applicant=minor())
    db.session.commit()
    on_a, on_b = signed_in(a, organiser), signed_in(b, organiser)

    assert upload(on_a, application).status_code == 302
    consent = db.session.scalar(sa.select(GuardianConsent))
    assert list(fake_s3.objects) == [consent.file_name]  # in the bucket every server reads
    assert not any((tmp_path / f"disk-{name}").exists() for name in "ab")
    scan = on_b.get(f"/manage/consents/{consent.id}/scan")
    assert scan.status_code == 200 and scan.data == PDF
    assert on_a.get(f"/manage/consents/{consent.id}/scan").data == PDF

    erasure = ErasureRequest(user_id=application.user_id)
    db.session.add(erasure)
    db.session.commit()
    assert signed_in(b, admin).post(f"/admin/erasure/{erasure.id}").status_code == 302
    assert fake_s3.objects == {}  # gone for both
    assert on_a.get(f"/manage/consents/{consent.id}/scan").status_code == 404
    assert on_b.get(f"/manage/consents/{consent.id}/scan").status_code == 404


def test_a_bucket_that_refuses_gives_the_form_back_and_keeps_nothing(servers, fake_s3, db):
    a, _b = servers
    organiser = factories.UserFactory(roles={Role.ORGANISER})
    application = ApplicationFactory(applicant=minor())
    db.session.commit()
    fake_s3.failing = {"PUT": 503}
    fake_s3.keep_failed_puts = True
    response = upload(signed_in(a, organiser), application)
    assert response.status_code == 503
    assert error_summary(response.text) == [NOT_STORED]
    assert NOTE in response.text
    assert fake_s3.objects == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuardianConsent)) == 0


def test_a_request_whose_commit_fails_takes_its_object_away(servers, fake_s3, db, monkeypatch):
    a, _b = servers
    organiser = factories.UserFactory(roles={Role.ORGANISER})
    application = ApplicationFactory(applicant=minor())
    db.session.commit()

    from portal import transactions

    def fail():
        raise sa.exc.OperationalError("COMMIT", {}, Exception("connection lost"))

    monkeypatch.setattr(transactions, "commit", fail)
    with pytest.raises(sa.exc.OperationalError):
        upload(signed_in(a, organiser), application)
    assert fake_s3.objects == {}


def test_healthz_reports_a_bucket_that_refuses(servers, fake_s3):
    a, _b = servers
    healthy = a.test_client().get("/healthz")
    assert (healthy.status_code, healthy.json["uploads"]) == (200, "ok")
    assert healthy.json["uploads_backend"] == "s3"
    fake_s3.failing = {"PUT": 503}
    response = a.test_client().get("/healthz")
    assert (response.status_code, response.json["status"]) == (200, "degraded")
    assert response.json["uploads"] == "refused (HTTP 503)"


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_a_file_written_in_a_rolled_back_savepoint_goes_at_once(servers, data_app, db, backend):
    """A savepoint that rolls back takes its new files with it, even if the outer transaction
    then commits (so no file is left without a row)."""
    server = servers[0] if backend == "s3" else data_app
    with server.test_request_context():
        savepoint = _db.session.begin_nested()
        store_upload(CheckedUpload(data=PDF, mime="application/pdf", name="rolled-back.pdf"))
        assert storage().get("rolled-back.pdf") == PDF
        savepoint.rollback()
        assert storage().get("rolled-back.pdf") is None
        with _db.session.begin_nested():
            store_upload(CheckedUpload(data=PDF, mime="application/pdf", name="kept.pdf"))
        _db.session.commit()
        assert storage().get("kept.pdf") == PDF
        storage().delete("kept.pdf")


# -- files no row names (a worker killed between storing a scan and committing its row) ----------


def test_each_backend_says_when_each_file_was_written(store):
    before = time.time() - 5
    store.put("a1.pdf", PDF)
    store.put("b2.png", b"\x89PNG")
    store.put("c3.jpg", b"\xff\xd8\xff")
    written = store.written()
    assert sorted(written) == ["a1.pdf", "b2.png", "c3.jpg"]  # the fake pages two at a time
    assert all(before <= moment.timestamp() <= time.time() + 5 for moment in written.values())


def backdated(server, fake_s3, name: str, hours: float) -> None:
    """Make the stored file `name` look written `hours` ago."""
    moment = time.time() - hours * 3600
    if server.config.get("UPLOADS_BACKEND") == "s3":
        fake_s3.written[name] = datetime.fromtimestamp(moment, UTC)
    else:
        os.utime(Path(server.config["UPLOADS_DIR"]) / name, (moment, moment))


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_the_sweep_deletes_old_files_no_row_names_and_nothing_else(
    start_server, db, fake_s3, tmp_path, backend
):
    settings = fake_s3.config() if backend == "s3" else {"UPLOADS_DIR": str(tmp_path / "disk")}
    server = start_server(**settings)
    consent = factories.GuardianConsentFactory(
        application=ApplicationFactory(applicant=minor()), file_name="a" * 32 + ".pdf",
        file_type="application/pdf",
    )  # fmt: skip
    lost, fresh = "b" * 32 + ".pdf", "c" * 32 + ".png"
    with server.app_context():
        for name in (consent.file_name, lost, fresh):
            storage().put(name, PDF)
        backdated(server, fake_s3, consent.file_name, hours=5)
        backdated(server, fake_s3, lost, hours=2)  # its request died before the commit
        backdated(server, fake_s3, fresh, hours=0.5)  # its request may still be committing
        result = server.test_cli_runner().invoke(args=["uploads", "sweep"])
        assert result.exit_code == 0, result.output
        assert "Removed 1 files no record names." in result.output
        assert storage().names() == sorted([consent.file_name, fresh])
        result = server.test_cli_runner().invoke(args=["uploads", "sweep", "--hours", "3"])
        assert "Removed 0 files" in result.output


def test_the_sweep_refuses_when_no_column_holds_upload_names(app, db, monkeypatch):
    from portal import uploads

    monkeypatch.setattr(uploads, "upload_columns", lambda: [])
    with pytest.raises(RuntimeError):
        uploads.sweep_orphans()
