// The main menu on a phone: folded behind a "Menu" button (shown only once this script runs, so that
// without it the menu simply stays open). The button says whether the menu is open (aria-expanded);
// Escape closes it and gives the focus back to the button. The link of the page's section is marked.
(function () {
  "use strict";
  function setUp() {
    var header = document.querySelector(".topbar");
    var button = header && header.querySelector(".menu-toggle");
    var menu = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }
    markCurrent(menu);
    guardLanguageSwitch();
    function show(open) {
      header.classList.toggle("menu-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    header.classList.add("menu-folds");
    button.hidden = false;
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        show(false);
        button.focus();
      }
    });
  }
  // The language switch reloads the page: what a person typed into a form of the page and has not sent
  // would be lost without a word. Ask first. A page that answers a sent form (refused, shown again with what
  // was typed) counts every filled field, since its values came back from the server as the defaults.
  function guardLanguageSwitch() {
    var switcher = document.querySelector("form.lang");
    if (!switcher) {
      return;
    }
    switcher.addEventListener("submit", function (event) {
      if (unsentInput(switcher.getAttribute("data-posted") === "true") && !window.confirm(switcher.getAttribute("data-unsent"))) {
        event.preventDefault();
      }
    });
  }
  function unsentInput(posted) {
    var fields = document.querySelectorAll("main form input, main form textarea, main form select");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      var form = field.form;
      if (!form || (form.getAttribute("method") || "get").toLowerCase() !== "post" || field.disabled) {
        continue;
      }
      var type = (field.type || "").toLowerCase();
      if (type === "hidden" || type === "submit" || type === "button" || type === "password") {
        continue;
      }
      if (type === "file") {
        if (field.files && field.files.length) {
          return true;
        }
      } else if (type === "checkbox" || type === "radio") {
        if (field.checked !== field.defaultChecked || (posted && field.checked && type === "radio")) {
          return true;
        }
      } else if (field.tagName === "SELECT") {
        if (selectChanged(field) || (posted && field.value !== "")) {
          return true;
        }
      } else if (field.value !== field.defaultValue || (posted && field.value.trim() !== "")) {
        return true;
      }
    }
    return false;
  }
  // A list left on the option it opened with is unchanged: without an option marked selected, that is the
  // first one (a single choice) or none (several choices).
  function selectChanged(select) {
    var initial = -1;
    for (var j = 0; j < select.options.length; j++) {
      if (select.options[j].defaultSelected) {
        if (!select.multiple) {
          initial = j;
          break;
        }
      }
      if (select.multiple && select.options[j].selected !== select.options[j].defaultSelected) {
        return true;
      }
    }
    if (select.multiple) {
      return false;
    }
    return select.selectedIndex !== (initial === -1 ? (select.options.length ? 0 : -1) : initial);
  }
  // The section this page belongs to: the menu link whose path is the longest start of the page's.
  function markCurrent(menu) {
    var here = window.location.pathname;
    var best = null;
    var links = menu.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i++) {
      var path = links[i].pathname;
      if (path.length > 1 && here.indexOf(path) === 0 && (!best || path.length > best.pathname.length)) {
        best = links[i];
      }
    }
    if (best) {
      best.setAttribute("aria-current", here === best.pathname ? "page" : "location");
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
