"""Shared pieces of the browser tests: finding Chromium, signing in, page checks run in the page, screenshots."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

SCREENSHOT_DIR = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 800, "height": 1100}
#: how long an upload may take to be screened on a busy two-core CI machine
UPLOAD_TIMEOUT_MS = 120_000


def chromium_executable() -> str | None:
    """Debian's Chromium (``.ci/run`` installs it), or the one ``CLAIMCHECK_CHROMIUM`` names; never a download."""
    named = os.environ.get("CLAIMCHECK_CHROMIUM")
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass(frozen=True)
class Account:
    name: str
    password: str
    role: str


@dataclass(frozen=True)
class Site:
    """A running ``claimcheck serve``: its address, its accounts, its log."""

    url: str
    reviewer: Account
    admin: Account
    log: Path
    workdir: Path

    def at(self, path: str) -> str:
        return self.url + path


def sign_in(page: Any, site: Site, account: Account, next_path: str = "/") -> None:
    """Sign in through the form (the browser's pre-session cookie and the form's CSRF token included)."""
    page.goto(site.at("/login" + (f"?next={next_path}" if next_path != "/" else "")))
    page.fill("#login-name", account.name)
    page.fill("#login-password", account.password)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    assert "/login" not in page.url, f"sign-in as {account.name} failed: {page.url}"


def screenshot(page: Any, name: str) -> Path | None:
    """Save ``docs/screenshots/<name>.png`` when CLAIMCHECK_SCREENSHOTS=1 (a read-only checkout stays untouched)."""
    if os.environ.get("CLAIMCHECK_SCREENSHOTS") != "1":
        return None
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=False, animations="disabled", caret="hide")
    return path


# ---------------------------------------------------------------------------- checks run in the page
#: elements wider than the window (the page scrolls sideways): [] when none
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width + 1) return [];
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string' ? '.' + el.className.split(/\\s+/).join('.') : '')
      + ' right=' + Math.round(r.right));
  }
  return [`scrollWidth ${document.documentElement.scrollWidth} > innerWidth ${width}`, ...wide.slice(0, 8)];
}"""

#: form fields, buttons and links without an accessible name: [] when none
UNLABELLED_JS = """() => {
  const text = (el) => (el ? (el.innerText || el.textContent || '').trim() : '');
  const byIds = (ids) => (ids || '').split(/\\s+/).filter(Boolean)
      .map((id) => text(document.getElementById(id))).join(' ').trim();
  const named = (el) => {
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    if (byIds(el.getAttribute('aria-labelledby'))) return true;
    if (el.labels && Array.from(el.labels).some((l) => text(l))) return true;  // <label for> or a wrapping <label>
    return false;
  };
  const bad = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    if (!named(el)) bad.push(el.outerHTML.slice(0, 160));
  }
  for (const el of document.querySelectorAll('button, a[href], summary')) {
    if (el.closest('[hidden]')) continue;
    const name = (el.getAttribute('aria-label') || '').trim() || byIds(el.getAttribute('aria-labelledby'))
      || text(el) || (el.querySelector('title') ? el.querySelector('title').textContent.trim() : '');
    if (!name) bad.push(el.outerHTML.slice(0, 160));
  }
  return bad;
}"""

#: the interactive elements a keyboard must reach (visible, enabled, not inert)
INTERACTIVE = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, summary"

#: remember every element the keyboard focuses, and those that show no focus indicator when it does
MARK_FOCUS_JS = """() => {
  window.__focused = new Set();
  window.__noRing = [];
  document.addEventListener('focusin', (e) => {
    const el = e.target;
    window.__focused.add(el);
    const s = getComputedStyle(el);
    let ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    if (!ring && el instanceof SVGElement)  // the time axis' markers: the bar's outline
      ring = Array.from(el.querySelectorAll('rect')).some((r) => getComputedStyle(r).stroke !== 'none');
    if (!ring) window.__noRing.push(el.outerHTML.slice(0, 120));
  }, true);
}"""

UNREACHED_JS = """(selector) => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && !el.closest('[hidden], [inert]');
  };
  // radio buttons of one group are one tab stop: reaching one of them is reaching the group
  const groups = new Set(Array.from(window.__focused).filter((el) => el.type === 'radio').map((el) => el.name));
  return Array.from(document.querySelectorAll(selector))
    .filter(visible)
    .filter((el) => !window.__focused.has(el) && !(el.type === 'radio' && groups.has(el.name)))
    .map((el) => el.outerHTML.slice(0, 160));
}"""

#: text whose contrast with its background is below WCAG 2.1 AA (4.5:1; 3:1 for large text): [] when none
CONTRAST_JS = """() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, below) => ({
    r: top.r * top.a + below.r * (1 - top.a), g: top.g * top.a + below.g * (1 - top.a),
    b: top.b * top.a + below.b * (1 - top.a), a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage && style.backgroundImage !== 'none') return null;  // cannot tell: skip
      const c = parse(style.backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let colour = { r: 255, g: 255, b: 255, a: 1 };
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const bad = [];
  const seen = new Set();
  for (const el of document.body.querySelectorAll('*')) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest('[hidden], [aria-hidden="true"], .visually-hidden, svg, noscript, script, style')) continue;
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width < 1 || r.height < 1 || style.visibility === 'hidden' || style.display === 'none') continue;
    if (el.matches(':disabled')) continue;  // WCAG exempts inactive controls
    const bg = background(el);
    const fg = parse(style.color);
    if (!bg || !fg) continue;
    const ratio = (Math.max(lum(over(fg, bg)), lum(bg)) + 0.05) / (Math.min(lum(over(fg, bg)), lum(bg)) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      const key = el.tagName + '.' + el.className + ':' + style.color + '/' + ratio.toFixed(2);
      if (seen.has(key)) continue;
      seen.add(key);
      const back = `rgb(${Math.round(bg.r)}, ${Math.round(bg.g)}, ${Math.round(bg.b)})`;
      bad.push(`${ratio.toFixed(2)}:1 ${style.color} on ${back} ` + el.outerHTML.slice(0, 120));
    }
  }
  return bad;
}"""
