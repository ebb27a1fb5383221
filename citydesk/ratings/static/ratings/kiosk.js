/* The desk kiosk: waits for the officer's next transaction (polls a small JSON, on the thank-you screen
   too), focuses each screen's heading, returns from the thank-you screen by itself, offers full screen,
   ignores a second tap while a rating is sent, and shows the "not paired" page as soon as the feed
   refuses this tablet. */
(function () {
  "use strict";
  var body = document.body;
  var baseUrl = body.getAttribute("data-base-url");
  var stateUrl = body.getAttribute("data-state-url");
  var shown = body.getAttribute("data-transaction") || "";
  var poll = (parseInt(body.getAttribute("data-poll"), 10) || 3) * 1000;
  var thanks = parseInt(body.getAttribute("data-thanks") || "0", 10);

  // Each screen comes with a reload: its heading takes the focus, so a screen reader reads the new screen
  // (its title says which one) instead of starting again from the top. The heading is not a control: no
  // ring (kiosk.css), and the comment box does not take the focus, which would open the on-screen keyboard.
  var heading = document.querySelector("main h1[tabindex]");
  if (heading) { heading.focus({ preventScroll: true }); }

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
    // The thank-you stays a while, but the feed is still polled: the next citizen's transaction, opened
    // meanwhile, shows at once.
    window.setTimeout(function () { window.location.replace(baseUrl); }, thanks * 1000);
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
