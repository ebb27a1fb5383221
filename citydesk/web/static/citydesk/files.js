// File fields in the page's language. A browser labels its file field in its own language ("Choose
// File", "No file chosen" on a Vietnamese page in an English browser). Here the native field stays where
// it was, transparent over a button and a line naming the chosen files, both in the page's language
// (texts from the <body>'s data attributes): the keyboard, screen readers and dropping files still reach
// the field itself. Without this script the browser's own field shows.
(function () {
  "use strict";
  function chosen(input, none) {
    var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
    return names.length ? names.join(", ") : none;
  }
  function enhance(input, texts) {
    // Moving the field into its box blurs it: a field the browser already focused (autofocus, applied
    // before this deferred script on a slow network) gets its focus back.
    var had = document.activeElement === input;
    var box = document.createElement("span");
    box.className = "file-field";
    input.parentNode.insertBefore(box, input);
    box.appendChild(input);
    if (had) { input.focus({ preventScroll: true }); }
    var face = document.createElement("span");
    face.className = "file-face";
    face.setAttribute("aria-hidden", "true");
    var button = document.createElement("span");
    button.className = "button";
    button.textContent = input.multiple ? texts.many : texts.one;
    var names = document.createElement("span");
    names.className = "file-names";
    names.textContent = chosen(input, texts.none);
    face.appendChild(button);
    face.appendChild(names);
    box.appendChild(face);
    input.classList.add("file-native");
    input.addEventListener("change", function () { names.textContent = chosen(input, texts.none); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var data = document.body.dataset;
    if (!data.fileOne) { return; }
    var texts = { one: data.fileOne, many: data.fileMany, none: data.fileNone };
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file]"), function (input) {
      enhance(input, texts);
    });
  });
}());
