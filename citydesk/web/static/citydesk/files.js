// Form fields: file fields, day-first date fields, filters folded on a phone (below).
//
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

// Day-first date fields (date_fields.date_attrs: data-typed="date", "moment" or "month"). A phone's
// numeric keypad has no "/" or ":" on an iPhone, so the separators are written as one types: 2, 0 →
// "20/", then 1, 1 → "20/11/", and so on; a "/", ".", "-" or ":" typed after one digit completes its
// group (5 then "." → "05/"). Only while typing or pasting at the end of the field: an edit in the
// middle, a deletion or a value that is not in the field's shape (an ISO date, 2026-11-20) is left as it
// is, and the server reads the digits alone too. Nothing is announced: the field's value is the text.
(function () {
  "use strict";
  var SHAPES = {
    date: [[2, "/"], [2, "/"], [4, ""]],
    moment: [[2, "/"], [2, "/"], [4, " "], [2, ":"], [2, ""]],
    month: [[2, "/"], [4, ""]]
  };
  var SEPARATOR = /[\/.\-: ]/;

  // The value in the field's shape, or null to leave it alone. The digits fill the groups in turn (a
  // full group gets its separator); a separator typed after a full group is dropped, after one digit it
  // completes the group (a day, month, hour or minute); anything else leaves the value as it is.
  function shaped(value, groups) {
    if (!value || /[^\d\/.\-: ]/.test(value) || /^\d{3,}[\/.\-: ]/.test(value)) { return null; }  // 2026-11-20
    var out = "", digits = "", g = 0;
    for (var i = 0; i < value.length; i++) {
      var ch = value.charAt(i);
      if (!SEPARATOR.test(ch)) {
        if (g >= groups.length) { return null; }  // more digits than the shape holds
        digits += ch;
        if (digits.length < groups[g][0]) { continue; }
      } else if (!digits) {
        continue;  // after a full group (its separator is there) or another separator
      } else if (groups[g][0] === 2 && digits.length === 1) {
        digits = "0" + digits;
      } else {
        return null;  // a year cut short
      }
      out += digits + (g < groups.length - 1 ? groups[g][1] : "");
      digits = "";
      g += 1;
    }
    return out + digits;
  }

  function enhance(input) {
    var groups = SHAPES[input.getAttribute("data-typed")];
    if (!groups) { return; }
    input.addEventListener("input", function (event) {
      if (event.isComposing || (event.inputType && event.inputType.indexOf("insert") !== 0)) { return; }
      var value = input.value;
      if (input.selectionStart !== value.length || input.selectionEnd !== value.length) { return; }
      var next = shaped(value, groups);
      var max = input.maxLength > 0 ? input.maxLength : Infinity;
      if (next === null || next === value || next.length > max) { return; }
      input.value = next;
      input.setSelectionRange(next.length, next.length);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-typed]"), enhance);
  });
}());

// A form folded on a phone (<details data-open-wide>: the work queue's filters) is open on a wider screen,
// where it does not push the list down. The page opens it itself when a filter is set.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.matchMedia || !window.matchMedia("(min-width: 641px)").matches) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("details[data-open-wide]"), function (box) {
      box.open = true;
    });
  });
}());
