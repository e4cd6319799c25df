/* claimcheck 审核台: keyboard shortcuts of the screening and audit pages (ours, not vendored).
 *
 *   j / k   select the next / previous finding (focus its number, scroll it into view, load its panel)
 *   c       confirm the selected finding (submits the panel's confirm form)
 *   d       focus the dismiss reason field (Enter there submits the dismissal)
 *   Esc     leave a field, back to the selected finding
 *
 * Shortcuts are ignored while typing in a field and with Ctrl, Alt or Meta held. Everything also
 * works without this file: the numbers are links and the forms plain POST forms. Loaded from
 * /static (the Content-Security-Policy blocks inline scripts).
 */
(function () {
  "use strict";

  function panel() {
    return document.getElementById("panel");
  }

  function selected() {
    var p = panel();
    var n = p ? parseInt(p.getAttribute("data-n"), 10) : NaN;
    return isNaN(n) ? 0 : n;
  }

  function linkFor(n) {
    return (
      document.querySelector('[data-nav="' + n + '"]') ||
      document.querySelector("#row-" + n + " a")
    );
  }

  function typing(el) {
    if (!el || el === document.body) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function go(step) {
    var n = selected() + step;
    var link = null;
    // a finding whose number is missing from the text (offsets that do not fit) is skipped
    for (var tries = 0; n >= 1 && tries < 10000 && !link; tries++, n += step) {
      link = linkFor(n);
    }
    if (!link) return;
    link.focus({ preventScroll: true });
    link.scrollIntoView({ block: "center" });
    link.click(); // htmx loads the panel; without htmx the link opens the page at that finding
  }

  function confirmSelected() {
    var p = panel();
    if (!p || p.getAttribute("data-decision") === "confirm") return; // already confirmed: nothing to add
    var form = p.querySelector('form[data-action="confirm"]');
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  function focusDismiss() {
    var field = document.getElementById("dismiss-reason");
    if (field) {
      field.scrollIntoView({ block: "nearest" });
      field.focus();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (!document.querySelector("[data-review]")) return;
    if (event.key === "Escape" && typing(event.target)) {
      var back = linkFor(selected());
      event.target.blur();
      if (back) back.focus();
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(event.target)) return;
    switch (event.key) {
      case "j":
        go(1);
        break;
      case "k":
        go(-1);
        break;
      case "c":
        confirmSelected();
        break;
      case "d":
        focusDismiss();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  // After htmx swapped the panel: mark the selected finding everywhere, update its status on the
  // text, and put the focus back where the keyboard user expects it.
  function settle() {
    var p = panel();
    if (!p) return;
    var n = p.getAttribute("data-n");
    var status = p.getAttribute("data-status");
    document.querySelectorAll(".is-selected").forEach(function (el) {
      el.classList.remove("is-selected");
    });
    document.querySelectorAll('[data-review] [aria-current="true"]').forEach(function (el) {
      el.removeAttribute("aria-current");
    });
    if (!n) return;
    var nav = document.querySelector('[data-nav="' + n + '"]');
    if (nav) nav.setAttribute("aria-current", "true");
    var row = document.getElementById("row-" + n);
    if (row) {
      row.classList.add("is-selected");
      var rowLink = row.querySelector("a");
      if (rowLink) rowLink.setAttribute("aria-current", "true");
    }
    document.querySelectorAll('mark[data-n="' + n + '"]').forEach(function (mark) {
      mark.classList.add("is-selected");
      if (status) {
        Array.prototype.slice.call(mark.classList).forEach(function (name) {
          if (name.indexOf("st-") === 0) mark.classList.remove(name);
        });
        mark.classList.add("st-" + status);
      }
    });
    var invalid = p.querySelector('[aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
    } else if (!document.activeElement || document.activeElement === document.body) {
      var link = linkFor(n);
      if (link) link.focus({ preventScroll: true });
    }
  }

  document.addEventListener("htmx:afterSettle", settle);
})();
