// demarc web UI: the only script. Everything works without it; it only
// applies a filter as soon as a menu changes instead of waiting for the
// Apply button.
"use strict";
document.querySelectorAll("form[data-autosubmit] select").forEach(function (s) {
  s.addEventListener("change", function () {
    if (s.form.requestSubmit) { s.form.requestSubmit(); } else { s.form.submit(); }
  });
});
