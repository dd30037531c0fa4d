// Autosave of score drafts: posts the form as it is (with the CSRF token and each score's
// version) a moment after the last change. Without JavaScript the "Save draft" button does the
// same. A 409 means another tab saved first: the input stays, the message says what changed.
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-autosave");
  if (!url) return;  // a locked sheet (submitted, or scoring closed) saves nothing
  var status = document.getElementById("autosave-status");
  var timer = null;
  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? "field-error" : "muted";
  }
  function save() {
    say("Saving draft…");
    fetch(url, {method: "POST", body: new FormData(form), credentials: "same-origin",
                headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (body) { return [r.status, body]; }); })
      .then(function (res) {
        var code = res[0], body = res[1];
        if (code === 200) {
          Object.keys(body.versions || {}).forEach(function (key) {
            var input = form.querySelector('[data-version-for="' + key + '"]');
            if (input) input.value = body.versions[key];
          });
          say("Draft saved at " + new Date().toLocaleTimeString() + ".");
        } else {
          say((body.error && body.error.message) || "Not saved.", true);
        }
      })
      .catch(function () { say("Not saved: the server could not be reached. Your input is kept.", true); });
  }
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  });
})();
