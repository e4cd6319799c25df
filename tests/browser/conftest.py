"""A real ``claimcheck serve`` on loopback and a headless Chromium, for the browser tests.

The server runs as a subprocess on a free port with everything in a temp dir (SQLite database,
reports, ledger key and checkpoints, cache), after ``claimcheck db upgrade``, ``claimcheck
products import`` of the sample store and ``claimcheck users create`` of a reviewer and an admin,
the commands docs/WEB.md gives an operator. Chromium is Debian's (``.ci/run`` installs it) or the
one ``CLAIMCHECK_CHROMIUM`` names; Playwright never downloads a browser. Without a Chromium the
tests are skipped with the reason; CI always has one (``.ci/run`` sets ``CLAIMCHECK_CHROMIUM``,
so a missing one fails there instead).

A traceback, a 5xx answer or a missing static file in the server's log fails the test during which
it was written, and the session at the end. ``CLAIMCHECK_SCREENSHOTS=1`` writes the screenshots
of docs/WEB.md to docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT

from .helpers import DESKTOP, Account, Site, chromium_executable

SERVER_START_TIMEOUT_S = 180
SERVER_TZ = "CST-8"  # POSIX: UTC+8 with no tzdata needed
PROBLEMS = ("Traceback", "unhandled error")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("claimcheck")
    if script.is_file():
        return [str(script)]
    found = shutil.which("claimcheck")
    return [found] if found else [sys.executable, "-c", "from claimcheck.cli import main; main()"]


#: uvicorn's access log: a server error, or a page asking for a static file that is not there
BAD_ANSWERS = re.compile(r'"[A-Z]+ \S+ HTTP/[\d.]+" 5\d\d|"GET /static/\S+ HTTP/[\d.]+" [45]\d\d')


def _problems(text: str) -> list[str]:
    lines = text.splitlines()
    hits = [i for i, line in enumerate(lines) if any(p in line for p in PROBLEMS) or BAD_ANSWERS.search(line)]
    return ["\n".join(lines[max(0, i - 2) : i + 30]) for i in hits[:3]]


@pytest.fixture(scope="package")
def chromium() -> str:
    path = chromium_executable()
    if path is None and os.environ.get("CLAIMCHECK_CHROMIUM"):  # asked for (CI sets it): never a silent skip
        pytest.fail(f"CLAIMCHECK_CHROMIUM={os.environ['CLAIMCHECK_CHROMIUM']} is not an executable")
    if path is None:
        pytest.skip(
            "no Chromium executable: install Debian's chromium (.ci/run does) or set CLAIMCHECK_CHROMIUM "
            "to a Chromium binary; Playwright's own browser download is never used"
        )
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
    return path


@pytest.fixture(scope="package")
def site(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("browser-site")
    env = os.environ | {
        "CLAIMCHECK_DATABASE_URL": f"sqlite:///{work / 'site.db'}",
        "CLAIMCHECK_REPORT_DIR": str(work / "reports"),
        "CLAIMCHECK_LEDGER_KEY_FILE": str(work / "ledger.key"),
        "CLAIMCHECK_LEDGER_CHECKPOINT_FILE": str(work / "ledger-checkpoints.jsonl"),
        "CLAIMCHECK_CACHE_DIR": str(work / "cache"),
        "TZ": SERVER_TZ,  # a server in China: times on the pages and in the workbooks carry +08:00
        "PYTHONUNBUFFERED": "1",
    }
    cli = _cli()
    reviewer = Account("审核员-李", "reviewer-pass-2026", "reviewer")
    admin = Account("王敏", "admin-pass-2026!", "admin")

    def run(*args: str, stdin: str | None = None) -> None:
        done = subprocess.run(
            [*cli, *args], env=env, cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"claimcheck {' '.join(args)}: exit {done.returncode}\n{done.stderr}"

    run("db", "upgrade")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = work / "server.log"
    with log.open("wb") as out:
        # the server warms its engine while the store and the accounts are set up
        server = subprocess.Popen(
            [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        run("products", "import", str(ROOT / "data" / "products" / "sample_store.json"))
        for account in (reviewer, admin):
            password = account.password + "\n"
            run("users", "create", account.name, "--role", account.role, "--password-stdin", stdin=password)
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"claimcheck serve exited with {server.returncode}:\n{log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"claimcheck serve did not answer /healthz in {SERVER_START_TIMEOUT_S} s")
            time.sleep(0.25)
        yield Site(url=url, reviewer=reviewer, admin=admin, log=log, workdir=work)
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
    problems = _problems(log.read_text(encoding="utf-8", errors="replace"))
    if problems:
        pytest.fail("claimcheck serve logged an unhandled error:\n" + "\n---\n".join(problems))


@pytest.fixture(autouse=True)
def _server_log_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test during which the server logged a traceback (checked only when a test uses the server)."""
    if "site" not in request.fixturenames:
        yield
        return
    site: Site = request.getfixturevalue("site")
    start = site.log.stat().st_size
    yield
    with site.log.open("rb") as fh:
        fh.seek(start)
        problems = _problems(fh.read().decode("utf-8", errors="replace"))
    if problems:
        pytest.fail("claimcheck serve logged an unhandled error during this test:\n" + "\n---\n".join(problems))


@pytest.fixture(scope="package")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Chromium refuses to run sandboxed as root (CI containers). The browser's own strings (a file
    # field's button, a date field's placeholder) stay English: Debian's chromium ships only en-US
    # without chromium-l10n; the pages' text is Chinese either way (fonts-noto-cjk)
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=args)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Any, site: Site) -> Iterator[Any]:
    """``new_page(viewport=...)``: a page in a fresh browser context (no cookies), closed after the test."""
    contexts = []

    def make(viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(
            viewport=viewport or DESKTOP,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
            base_url=site.url,
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        context.close()
