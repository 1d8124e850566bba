// Live character count for the knowledge-entry answer (the form works without it).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var answer = document.getElementById("answer");
  var out = document.getElementById("answer-chars");
  var note = document.getElementById("answer-count");
  if (!answer || !out || !note) { return; }
  var max = parseInt(answer.getAttribute("data-max"), 10) || 600;
  function update() {
    // Count code points, as the server does (Python len), not UTF-16 units.
    var n = Array.from(answer.value.replace(/\r\n/g, "\n").trim()).length;
    out.textContent = String(n);
    note.setAttribute("data-over", n > max ? "yes" : "no");
  }
  answer.addEventListener("input", update);
  update();
});
