"""The reviewer workbench's foundation (issue 13, items 1-2): people, sign-in, sessions, CSRF, offline docs.

Against the real app (FastAPI TestClient, lifespan included) on a real SQLite database in a
temp dir; users are made with the real CLI (``--password-stdin``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from claimcheck.api import create_app
from claimcheck.cli import app as cli
from claimcheck.config import Settings
from claimcheck.service import Services
from claimcheck.service import users as user_service
from claimcheck.store.keys import create_key
from claimcheck.store.locking import locked_transaction
from claimcheck.store.models import WebSession
from claimcheck.web.auth import AdminUser
from claimcheck.web.csrf import csrf_token
from claimcheck.web.ratelimit import LoginLimiter
from claimcheck.web.render import flash
from claimcheck.web.routing import web_router
from tests.conftest import MINI_LEXICON

PASSWORD = "correct horse battery"
runner = CliRunner()


def _settings(base: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{base / 'web.db'}",
        report_dir=base / "reports",
        ledger_key_file=base / "ledger.key",
        ledger_checkpoint_file=base / "checkpoints.jsonl",
        lexicon_dir=MINI_LEXICON,
        detectors=["lexicon"],
    )


def users(settings: Settings, *args: str, password: str | None = None) -> Any:
    argv = ["users", *args, "--db", settings.database_url]
    return runner.invoke(cli, argv, input=None if password is None else password + "\n", env={"COLUMNS": "200"})


def _test_pages() -> Any:
    """A page module as later tasks write them: a reviewer-or-admin form that flashes, an admin page."""
    router = web_router()

    @router.post("/_test/flash")
    def flashing(request: Request, user: AdminUser) -> RedirectResponse:
        response = RedirectResponse("/", status_code=303)
        flash(request, response, f"已记录 <{user.name}>", "success")
        return response

    return router


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[TestClient, Settings]]:
    settings = _settings(tmp_path_factory.mktemp("web"))
    assert users(settings, "create", "rev1", "--role", "reviewer", "--password-stdin", password=PASSWORD).exit_code == 0
    assert (
        users(settings, "create", "管理员甲", "--role", "admin", "--password-stdin", password=PASSWORD).exit_code == 0
    )
    app = create_app(settings)
    app.include_router(_test_pages())
    with TestClient(app) as client:
        yield client, settings


@pytest.fixture
def client(site) -> Iterator[TestClient]:
    """The site's client with no cookies and fresh sign-in counters."""
    client, settings = site
    client.app.state.login_limiter = LoginLimiter(settings.web_login_attempts)  # type: ignore[attr-defined]
    client.cookies.clear()
    yield client
    client.cookies.clear()


def form_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD, next_url: str = "/") -> Any:
    page = client.get("/login")
    assert page.status_code == 200
    data = {"name": name, "password": password, "next": next_url, "csrf_token": form_token(page.text)}
    return client.post("/login", data=data, follow_redirects=False)


def test_users_cli_create_list_disable(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    ok = users(settings, "create", "张三", "--role", "admin", "--password-stdin", password=PASSWORD)
    assert ok.exit_code == 0 and "created admin 张三" in ok.stdout
    assert users(settings, "create", "li.si", "--password-stdin", password=PASSWORD).exit_code == 0
    for args, password, words in [
        (("create", "张三", "--password-stdin"), PASSWORD, "已存在"),
        (("create", "wang", "--password-stdin"), "short", "10"),
        (("create", "wang", "--role", "boss", "--password-stdin"), PASSWORD, "reviewer or admin"),
        (("create", "a b", "--password-stdin"), PASSWORD, "user name"),
        (("disable", "nobody"), None, "nobody"),
    ]:
        bad = users(settings, *args, password=password)
        assert bad.exit_code == 2, bad.output
        assert words in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    listed = users(settings, "list")
    assert (
        listed.exit_code == 0 and "张三" in listed.stdout and "li.si" in listed.stdout and "reviewer" in listed.stdout
    )
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d", listed.stdout)  # local time with offset
    off = users(settings, "disable", "li.si")
    assert off.exit_code == 0 and "disabled" in off.stdout
    rows = users(settings, "list", "--json").stdout.splitlines()
    assert '"active": false' in next(r for r in rows if "li.si" in r)
    services = Services(settings)
    assert user_service.authenticate(services, "张三", PASSWORD) is not None
    assert user_service.authenticate(services, "li.si", PASSWORD) is None  # disabled


def test_wrong_password_and_unknown_user_are_refused_alike(client: TestClient) -> None:
    wrong = sign_in(client, "rev1", "not the password")
    unknown = sign_in(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.text and "用户名或密码错误" in unknown.text
    assert "cc_session" not in client.cookies


def test_sign_in_sets_an_httponly_samesite_cookie_and_shows_the_user(client: TestClient) -> None:
    res = sign_in(client, "rev1")
    assert res.status_code == 303 and res.headers["location"] == "/"
    cookie = next(c for c in res.headers.get_list("set-cookie") if c.startswith("cc_session="))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "secure" not in cookie.lower()
    assert "max-age=43200" in cookie.lower()  # web_session_hours = 12
    page = client.get("/")
    assert page.status_code == 200 and "rev1" in page.text and "审核员" in page.text
    for label in ("审核队列", "上传", "台账导出", "退出"):
        assert label in page.text
    assert (
        page.headers["x-frame-options"] == "DENY"
        and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    )
    assert client.get("/login", follow_redirects=False).headers["location"] == "/"  # signed in already


def test_cookies_are_secure_over_https(site) -> None:
    app, settings = site[0].app, site[1]
    secure_client = TestClient(app, base_url="https://testserver")  # no `with`: the site's lifespan is running
    page = secure_client.get("/login")
    assert "secure" in page.headers["set-cookie"].lower()  # the pre-session cookie
    res = sign_in(secure_client, "rev1")
    cookie = next(c for c in res.headers.get_list("set-cookie") if c.startswith("cc_session="))
    assert "secure" in cookie.lower() and "httponly" in cookie.lower()
    assert secure_client.get("/").status_code == 200
    assert settings.web_secure_cookies == "auto"


def test_pages_redirect_to_sign_in_with_a_local_next(client: TestClient) -> None:
    res = client.get("/?page=2", follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/login?next=/%3Fpage%3D2"
    htmx = client.get("/", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/login"
    assert 'name="next" value="/screenings/3"' in client.get("/login?next=/screenings/3").text
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        assert 'name="next" value="/"' in client.get("/login", params={"next": evil}).text
        client.cookies.clear()
        assert sign_in(client, "rev1", next_url=evil).headers["location"] == "/"
        client.cookies.clear()
    assert sign_in(client, "rev1", next_url="/screenings/3").headers["location"] == "/screenings/3"


def test_forms_without_the_right_csrf_token_are_refused(client: TestClient) -> None:
    page = client.get("/login")
    token = form_token(page.text)
    assert "httponly" in page.headers["set-cookie"].lower()
    no_token = client.post("/login", data={"name": "rev1", "password": PASSWORD}, follow_redirects=False)
    wrong = client.post("/login", data={"name": "rev1", "password": PASSWORD, "csrf_token": token[::-1]})
    assert no_token.status_code == wrong.status_code == 403 and "CSRF" in no_token.text
    assert "cc_session" not in client.cookies
    assert sign_in(client, "rev1").status_code == 303
    signed_in = client.get("/")
    for data, headers in [({}, {}), ({"csrf_token": token}, {}), ({}, {"X-CSRF-Token": "x" * 43})]:
        refused = client.post("/logout", data=data, headers=headers, follow_redirects=False)
        assert refused.status_code == 403 and "请求被拒绝" in refused.text  # the pre-session token is void now
        assert "rev1" in refused.text  # the error page still shows who is signed in
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    session_token = form_token(signed_in.text)
    assert session_token != token  # a new token with the session
    out = client.post("/logout", headers={"X-CSRF-Token": session_token}, follow_redirects=False)  # as htmx sends it
    assert out.status_code == 303 and out.headers["location"] == "/login?signed_out=1"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_sign_out_revokes_the_session_on_the_server(client: TestClient) -> None:
    sign_in(client, "rev1")
    stolen = client.cookies["cc_session"]
    page = client.get("/")
    client.post("/logout", data={"csrf_token": form_token(page.text)})
    client.cookies.set("cc_session", stolen)  # a copy of the cookie kept from before
    assert client.get("/", follow_redirects=False).status_code == 303


def test_six_wrong_passwords_are_refused_with_429(client: TestClient) -> None:
    for _ in range(5):
        assert sign_in(client, "rev1", "wrong password!").status_code == 401
    sixth = sign_in(client, "rev1", "wrong password!")
    assert sixth.status_code == 429 and "登录失败次数过多" in sixth.text and int(sixth.headers["Retry-After"]) > 0
    assert sign_in(client, "rev1").status_code == 429  # even the right password, until the window passes


def test_failures_are_counted_per_client_address_too(client: TestClient) -> None:
    for n in range(5):
        assert sign_in(client, f"guess{n}", "wrong password!").status_code == 401
    assert sign_in(client, "管理员甲").status_code == 429


def test_login_limiter_forgets_failures_after_the_window() -> None:
    now = [1000.0]
    limiter = LoginLimiter(2, window_s=300, clock=lambda: now[0])
    keys = ("name:a", "addr:1")
    limiter.failed(keys)
    limiter.failed(keys)
    assert limiter.retry_after(keys) == 301
    now[0] += 301
    assert limiter.retry_after(keys) is None
    limiter.failed(keys)
    limiter.succeeded("name:a")
    assert limiter.retry_after(["name:a"]) is None


def test_disabling_a_user_revokes_their_open_session(site, client: TestClient) -> None:
    settings = site[1]
    assert users(settings, "create", "temp1", "--password-stdin", password=PASSWORD).exit_code == 0
    assert sign_in(client, "temp1").status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200
    off = users(settings, "disable", "temp1")
    assert off.exit_code == 0 and "1 session(s) revoked" in off.stdout
    assert client.get("/", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert sign_in(client, "temp1").status_code == 401


def test_an_expired_session_signs_out(site, client: TestClient) -> None:
    sign_in(client, "rev1")
    with locked_transaction(site[1].database_url, 0) as conn:
        conn.execute(update(WebSession).values(expires_at=WebSession.created_at))
    assert client.get("/", follow_redirects=False).status_code == 303
    login = client.get("/login")
    assert "cc_session" in login.headers["set-cookie"]  # the dead cookie is dropped with the form


def test_admin_pages_and_signed_flash_messages(client: TestClient) -> None:
    sign_in(client, "rev1")
    page = client.get("/")
    refused = client.post("/_test/flash", data={"csrf_token": form_token(page.text)}, follow_redirects=False)
    assert refused.status_code == 403 and "仅限管理员" in refused.text
    client.cookies.clear()
    sign_in(client, "管理员甲")
    page = client.get("/")
    assert "管理员" in page.text
    done = client.post("/_test/flash", data={"csrf_token": form_token(page.text)}, follow_redirects=False)
    assert done.status_code == 303
    shown = client.get("/")
    assert "已记录 &lt;管理员甲&gt;" in shown.text  # escaped
    assert "已记录" not in client.get("/").text  # shown once
    client.cookies.set("cc_flash", "W1siaW5mbyIsICJmb3JnZWQiXV0=.00")  # [["info", "forged"]], bad signature
    assert "forged" not in client.get("/").text


def test_queue_lists_records_and_decisions_are_signed_by_the_user(site, client: TestClient) -> None:
    api, settings = site
    key = create_key(settings.database_url, "queue-test")
    res = api.post("/v1/screen", json={"script": "全网最低价，最好的产品"}, headers={"X-API-Key": key})
    assert res.status_code == 200, res.text
    seq = res.json()["record_seq"]
    sign_in(client, "rev1")
    page = client.get("/").text
    assert f'href="/screenings/{seq}"' in page and "话术筛查" in page
    row = page[page.index(f'href="/screenings/{seq}"') - 800 : page.index(f'href="/screenings/{seq}"')]
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d", row)  # local time with its offset
    services = Services(settings)
    user = user_service.session_user(services, client.cookies["cc_session"])
    assert user is not None and user.name == "rev1"
    open_before = int(re.findall(r"<strong>(\d+)</strong>", row)[-1])
    decision = user_service.decide(services, user, seq, 0, "confirm", "属实")
    entry = services.ledger.get(seq)
    assert entry["decisions"][0]["reviewer"] == "rev1" and entry["decisions"][0]["reviewer_via"] == "web-session"
    assert decision > seq
    page = client.get("/").text
    row = page[page.index(f'href="/screenings/{seq}"') - 800 : page.index(f'href="/screenings/{seq}"')]
    assert int(re.findall(r"<strong>(\d+)</strong>", row)[-1]) == open_before - 1


def test_old_password_hashes_are_rehashed_on_sign_in(site, client: TestClient) -> None:
    from argon2 import PasswordHasher

    from claimcheck.store import users as user_store

    url = site[1].database_url
    assert users(site[1], "create", "old.hash", "--password-stdin", password=PASSWORD).exit_code == 0
    stored = user_store.find_user(url, "old.hash")
    assert stored is not None
    user_store.set_password_hash(url, stored.id, PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD))
    assert sign_in(client, "old.hash").status_code == 303
    renewed = user_store.find_user(url, "old.hash")
    assert (
        renewed is not None and "m=8192" not in renewed.password_hash and renewed.password_hash.startswith("$argon2id$")
    )


def test_docs_and_redoc_load_only_local_assets(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        assert not re.search(r"https?://", page.text), path  # no CDN, no Google Fonts, no remote favicon
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        assert assets and all(a.startswith("/static/") for a in assets), assets
        for asset in assets:
            got = client.get(asset)
            assert got.status_code == 200 and len(got.content) > 500, asset
    assert "validatorUrl" in client.get("/docs").text
    assert (
        client.get("/static/htmx/htmx.min.js")
        .headers["content-type"]
        .startswith(("text/javascript", "application/javascript"))
    )
    assert "htmx" in client.get("/login").text and client.get("/static/app.css").status_code == 200


def test_openapi_is_what_it_was_without_the_workbench(site, monkeypatch) -> None:
    client, settings = site
    with_web = client.get("/openapi.json").json()
    monkeypatch.setattr("claimcheck.web.install", lambda app, settings: None)
    without = create_app(settings).openapi()
    assert with_web["paths"] == without["paths"]
    assert with_web["components"] == without["components"]
    assert not {"/", "/login", "/logout", "/docs", "/redoc"} & set(with_web["paths"])
    assert all(p.startswith(("/v1/", "/healthz")) for p in with_web["paths"])


def test_a_missing_token_never_matches_an_empty_one() -> None:
    from starlette.requests import Request as StarletteRequest

    request = StarletteRequest({"type": "http", "method": "POST", "headers": [], "state": {}})
    assert csrf_token(request) == ""


def test_users_and_sessions_in_the_store(db_url: str, tmp_path: Path) -> None:
    """The service on each test database (SQLite; PostgreSQL where CLAIMCHECK_TEST_DATABASE_URL is set)."""
    services = Services(_settings(tmp_path).model_copy(update={"database_url": db_url}))
    user = user_service.create(services, "张三", "reviewer", PASSWORD)
    with pytest.raises(user_service.UserExists):
        user_service.create(services, "张三", "admin", PASSWORD)
    assert user_service.authenticate(services, "张三", PASSWORD) == user
    assert user_service.authenticate(services, "张三", PASSWORD + "x") is None
    token = user_service.start_session(services, user)
    other = user_service.start_session(services, user)
    assert user_service.session_user(services, token) == user and user_service.session_user(services, "x" * 43) is None
    assert user_service.end_session(services, token) and user_service.session_user(services, token) is None
    assert user_service.disable(services, "张三") == (True, 1)
    assert user_service.session_user(services, other) is None
    assert [u["active"] for u in user_service.list_all(services)] == [False]
