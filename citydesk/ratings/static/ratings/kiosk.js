/* The desk kiosk: waits for the officer's next transaction (polls a small JSON), returns from the
   thank-you screen by itself, offers full screen, ignores a second tap while a rating is sent, and shows
   the "not paired" page as soon as the feed refuses this tablet. */
(function () {
  "use strict";
  var body = document.body;
  var baseUrl = body.getAttribute("data-base-url");
  var stateUrl = body.getAttribute("data-state-url");
  var shown = body.getAttribute("data-transaction") || "";
  var poll = (parseInt(body.getAttribute("data-poll"), 10) || 3) * 1000;
  var thanks = parseInt(body.getAttribute("data-thanks") || "0", 10);

  var full = document.getElementById("kiosk-fullscreen");
  if (full && document.fullscreenEnabled && !document.fullscreenElement) {
    full.hidden = false;
    full.addEventListener("click", function () {
      document.documentElement.requestFullscreen().then(function () { full.hidden = true; }, function () {});
    });
  }

  var form = document.getElementById("kiosk-form");
  if (form) {
    form.addEventListener("submit", function () {
      // After the submit event the pressed button's value is already part of the form data.
      window.setTimeout(function () { form.classList.add("sending"); }, 0);
    });
  }

  if (thanks) {
    window.setTimeout(function () { window.location.replace(baseUrl); }, thanks * 1000);
    return;
  }

  function schedule() { window.setTimeout(check, poll); }
  function check() {
    if (form && form.classList.contains("sending")) { return; }
    fetch(stateUrl, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        // 403: this tablet was unpaired or another one paired as this kiosk: show the page that says so.
        if (response.status === 403) { window.location.replace(baseUrl); return null; }
        return response.ok ? response.json() : undefined;
      })
      .then(function (state) {
        if (state === null) { return; }
        if (state && (state.transaction || "") !== shown) {
          window.location.replace(baseUrl);
        } else {
          schedule();
        }
      })
      .catch(schedule);
  }
  schedule();
})();
