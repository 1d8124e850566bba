// The chat simulator without page reloads: post the form with fetch and append the bubbles.
// Without this script the form still works (the server re-renders the whole conversation).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("sim-form");
  var chat = document.getElementById("chat");
  var history = document.getElementById("sim-history");
  var text = document.getElementById("sim-text");
  var error = document.getElementById("sim-error");
  if (!form || !chat || !history) { return; }

  function bubble(b) {
    var li = document.createElement("li");
    li.className = "bubble " + b.who + " " + b.kind;
    if (b.kind === "news") {
      var title = document.createElement("strong");
      title.textContent = b.title;
      li.appendChild(title);
    }
    if (b.text) {
      var span = document.createElement("span");
      span.className = "text";
      span.textContent = b.text;
      li.appendChild(span);
    }
    if (b.url) {
      var a = document.createElement("a");
      a.href = b.url;
      a.rel = "noopener noreferrer";
      a.target = "_blank";
      a.textContent = b.url;
      li.appendChild(a);
    }
    chat.appendChild(li);
    li.scrollIntoView({block: "end"});
  }

  function showError(message) {
    error.textContent = message || "";
    error.hidden = !message;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form, event.submitter || undefined);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    form.setAttribute("aria-busy", "true");
    fetch(form.action, {method: "POST", body: data, credentials: "same-origin",
                        headers: {"Accept": "application/json"}})
      .then(function (response) {
        if ((response.headers.get("content-type") || "").indexOf("application/json") === -1) {
          throw new Error("页面已过期或没有权限，请刷新后重试。");
        }
        return response.json();
      })
      .then(function (body) {
        showError(body.error);
        (body.bubbles || []).forEach(bubble);
        if (body.history) { history.value = body.history; }
        if (!body.error && data.get("send") !== "event") { text.value = ""; }
      })
      .catch(function (err) { showError(err.message); })
      .finally(function () {
        buttons.forEach(function (b) { b.disabled = false; });
        form.removeAttribute("aria-busy");
        text.focus();
      });
  });
});
