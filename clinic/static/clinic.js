/* Clinic's only script, small and optional: every page works without it.
   - Idle warning: a few minutes before the idle sign-out, a notice with a
     "Stay signed in" button; at the limit, the sign-in page (back here after).
   - Screening drafts: what is typed in a form with data-draft-url is kept on the
     server for its author (never in the URL), so an idle sign-out loses nothing.
   - Forms marked data-once are sent once, however often the button is tapped. */
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = Number(body.dataset.idleSeconds || 0);
  var timers = [];
  var warning = document.getElementById("idle-warning");

  // Draft forms send their own token; the warning's form holds one for itself.
  function post(url, data) {
    return fetch(url, {method: "POST", body: data, credentials: "same-origin"});
  }

  function signInAgain() {
    var back = window.location.pathname + window.location.search;
    window.location.assign(body.dataset.loginUrl + "?next=" + encodeURIComponent(back));
  }

  // Called after every request the server counted as activity.
  function restartIdleClock() {
    if (!idleSeconds || !warning) { return; }
    timers.forEach(window.clearTimeout);
    warning.hidden = true;
    var warnBefore = Math.min(300, Math.floor(idleSeconds / 3));
    timers = [
      window.setTimeout(function () {
        warning.hidden = false;
        warning.querySelector("button").focus();
      }, (idleSeconds - warnBefore) * 1000),
      window.setTimeout(signInAgain, idleSeconds * 1000 + 1000)
    ];
  }

  if (warning) {
    var stay = warning.querySelector("form");
    stay.addEventListener("submit", function (event) {
      event.preventDefault();
      post(stay.action, new FormData(stay)).then(function (response) {
        if (response.ok) { restartIdleClock(); } else { signInAgain(); }
      }, signInAgain);
    });
  }
  restartIdleClock();

  var draftForm = document.querySelector("form[data-draft-url]");
  if (draftForm) {
    var pending = null;
    var lastSent = new URLSearchParams(new FormData(draftForm)).toString();
    var saveDraft = function () {
      pending = null;
      var data = new FormData(draftForm);
      var content = new URLSearchParams(data).toString();
      // Only what changed: a focus moving (to the idle warning) is not activity.
      if (content === lastSent) { return; }
      lastSent = content;
      post(draftForm.dataset.draftUrl, data).then(function (response) {
        if (response.ok) { restartIdleClock(); }
      }, function () {});
    };
    var later = function (delay) {
      return function () {
        if (pending) { window.clearTimeout(pending); }
        pending = window.setTimeout(saveDraft, delay);
      };
    };
    draftForm.addEventListener("change", later(300));
    draftForm.addEventListener("input", later(1000));
    // Once sent, the form is being saved: a draft now would outlive the screening.
    draftForm.addEventListener("submit", function () {
      if (pending) { window.clearTimeout(pending); }
      saveDraft = function () {};
    });
  }

  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
      });
    });
  });
})();
