/* The comment box of the rating pages: a live count of the characters left ("còn 120 ký tự"), and past the
   limit how many too many, as the server counts them (NFC code points, each run of spaces and line breaks
   one space, none at the ends: the text as it is stored). The box has no
   maxlength: a longer comment is never cut without a word; the server refuses it and keeps what was typed.
   The words come from the page (data-left, data-over), in its language. */
(function () {
  "use strict";
  function length(text) {
    return Array.from((text || "").normalize("NFC").replace(/\s+/g, " ").trim()).length;
  }
  function setUp(box) {
    var counter = document.getElementById(box.getAttribute("data-counter"));
    var max = parseInt(box.getAttribute("data-max"), 10);
    if (!counter || !max) { return; }
    var group = new Intl.NumberFormat(document.documentElement.lang || undefined);
    function update() {
      var left = max - length(box.value);
      var template = left >= 0 ? counter.getAttribute("data-left") : counter.getAttribute("data-over");
      counter.textContent = template.replace("%(n)s", group.format(Math.abs(left)));
      counter.classList.toggle("over", left < 0);
    }
    box.addEventListener("input", update);
    update();
  }
  var boxes = document.querySelectorAll("textarea[data-counter]");
  for (var i = 0; i < boxes.length; i += 1) { setUp(boxes[i]); }
})();
