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

  // Words this script shows itself, from Django's JavaScript catalog (/jsi18n/<language>/,
  // loaded before this file); the English words if it did not load.
  var gettext = window.gettext || function (text) { return text; };

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function postJson(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function placeComment(form, item, repliesLabel) {
    var parentId = form.getAttribute("data-parent");
    var list;
    if (!parentId) {
      list = document.querySelector("[data-thread]");
      var empty = document.querySelector(".thread__empty");
      if (empty) { empty.remove(); }
      if (list.getAttribute("data-order") === "oldest") { list.appendChild(item); } else { list.prepend(item); }
      return;
    }
    var parent = document.getElementById("comment-" + parentId);
    var depth = 0;
    for (var el = parent.parentElement; el; el = el.parentElement) {
      if (el.classList && el.classList.contains("thread--replies")) { depth += 1; }
    }
    // Levels shown (settings.COMMENTS_DISPLAY_DEPTH, written on the thread by the server).
    var levels = Number(document.querySelector("[data-thread]").getAttribute("data-display-depth"));
    if (depth >= levels - 1) {
      // The deepest level shown: the reply sits beside its parent, as the server shows it.
      parent.after(item);
      return;
    }
    list = parent.querySelector(":scope > ol.thread--replies");
    if (!list) {
      list = document.createElement("ol");
      list.className = "thread thread--replies";
      list.setAttribute("aria-label", repliesLabel);  // "Replies to <name>", from the server
      parent.appendChild(list);
    }
    list.appendChild(item);
  }

  // Each comment form may be sent once: after a send, every form on the page takes the new one.
  function useFreshStarted(token) {
    if (!token) { return; }
    document.querySelectorAll("form[data-comment-form] input[name=started]").forEach(function (input) {
      input.value = token;
    });
  }

  // Posting and replying happen in place; the same forms post normally without JavaScript.
  function onCommentSubmit(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-comment-form]") || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var errors = form.querySelector("[data-form-errors]");
    var label = button.textContent;
    function ready() { button.disabled = false; button.textContent = label; }
    button.disabled = true;
    button.textContent = gettext("Sending…");
    postJson(form).then(function (result) {
      ready();
      if (!result.data.ok) {
        useFreshStarted(result.data.started);
        errors.innerHTML = result.data.html;
        var alert = errors.querySelector("[role=alert]");
        if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
        return;
      }
      var item = fromHtml(result.data.html);
      placeComment(form, item, result.data.replies_label);
      errors.innerHTML = "";
      form.reset();
      useFreshStarted(result.data.started);
      var details = form.closest("details");
      if (details) { details.open = false; }
      item.setAttribute("tabindex", "-1");
      item.focus();
    }).catch(function () {
      ready();
      form.submit();
    });
  }

  function onHugSubmit(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-hug-form]") || !window.fetch) { return; }
    event.preventDefault();
    postJson(form).then(function (result) {
      var button = form.querySelector("button");
      button.setAttribute("aria-pressed", result.data.hugged ? "true" : "false");
      var actions = form.parentElement;
      var count = actions.querySelector("[data-hug-count]");
      if (!count) {
        count = document.createElement("span");
        count.className = "comment__hugs";
        count.setAttribute("data-hug-count", "");
        actions.prepend(count);
      }
      count.textContent = result.data.label;  // "1 hug", "2 hugs": in the page's language
      if (!result.data.count) { count.remove(); }
    }).catch(function () { form.submit(); });
  }

  document.addEventListener("DOMContentLoaded", addCsrfTokens);
  document.addEventListener("submit", onCommentSubmit);
  document.addEventListener("submit", onHugSubmit);
})();
