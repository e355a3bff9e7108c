// Small progressive enhancements. Every form works without this file.
(function () {
  "use strict";

  // Pages for anonymous readers are cached for everyone, so they carry no CSRF token.
  // Forms marked data-csrf-fetch get one from a tiny private request before they are sent.
  function addCsrfTokens() {
    var forms = document.querySelectorAll("form[data-csrf-fetch]");
    if (!forms.length) { return; }
    fetch("/csrf/", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.token) { return; }
        forms.forEach(function (form) {
          var input = form.querySelector("input[name=csrfmiddlewaretoken]");
          if (!input) {
            input = document.createElement("input");
            input.type = "hidden";
            input.name = "csrfmiddlewaretoken";
            form.appendChild(input);
          }
          input.value = data.token;
        });
      })
      .catch(function () { /* the server asks again with a token if this fails */ });
  }

  document.addEventListener("DOMContentLoaded", addCsrfTokens);
})();
