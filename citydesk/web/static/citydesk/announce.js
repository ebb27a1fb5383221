// What a page says when it comes back from a form, said to screen-reader and keyboard users too.
// A message or error that is in the page from the start is not read out by its role=alert / role=status
// alone, and the focus stays at the top. So, on every page, unless the page moves the focus itself
// (an autofocus field, or its own script earlier):
// - a list of problems (#error-summary) gets the focus; its items follow the page's order, and each link
//   puts the focus in the field it names, not on the field's box;
// - else the first field refused on its own (an input pointing at its error with aria-describedby) does;
// - else the first message of the site (“Success: …”) does;
// - and with a problem, the window's title starts with “Error:” (said first when the page loads).
(function () {
  "use strict";
  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), button";

  function orderSummary(summary) {
    var list = summary.querySelector("ul");
    if (!list) return;
    var items = Array.prototype.slice.call(list.children);
    var placed = items.map(function (li, index) {
      var link = li.querySelector("a[href^='#']");
      var target = link ? document.getElementById(link.getAttribute("href").slice(1)) : null;
      return { li: li, target: target, index: index };
    });
    placed.sort(function (a, b) {
      if (!a.target || !b.target) return a.target ? 1 : b.target ? -1 : a.index - b.index;  // form-wide first
      if (a.target === b.target) return a.index - b.index;
      return a.target.compareDocumentPosition(b.target) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    });
    placed.forEach(function (p) { list.appendChild(p.li); });
    list.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      var field = target.matches(FIELDS) ? target : target.querySelector(FIELDS);
      if (!field) return;
      event.preventDefault();
      target.scrollIntoView({ block: "center" });
      field.focus();
    });
  }

  function refusedField() {
    var errors = document.querySelectorAll("main .field-error[id]");
    for (var i = 0; i < errors.length; i++) {
      var field = document.querySelector("main [aria-describedby~='" + errors[i].id + "']");
      if (field && field.matches(FIELDS) && !field.closest("[hidden]")) return field;
    }
    return null;
  }

  function setUp() {
    var summary = document.getElementById("error-summary");
    if (summary) orderSummary(summary);
    var field = summary ? null : refusedField();
    var label = document.body.getAttribute("data-error-label");
    if ((summary || field) && label && document.title.indexOf(label + ":") !== 0) {
      document.title = label + ": " + document.title;
    }
    var untouched = document.activeElement === document.body || document.activeElement === null;
    if (!untouched || document.querySelector("[autofocus]")) return;
    if (summary) {
      if (!summary.hasAttribute("tabindex")) summary.setAttribute("tabindex", "-1");
      summary.focus();
    } else if (field) {
      field.focus();
    } else {
      var message = document.querySelector("main .messages .msg");
      if (!message) return;
      message.setAttribute("tabindex", "-1");
      message.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
