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
