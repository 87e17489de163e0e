// Hearts in HTML cached for everyone (search and category results) are drawn without the viewer's state
// (data-state="unknown"). For a signed-in visitor, ask the API which of them they have favourited and
// show it; the labels come from the server (data-label-on / data-label-off). Without this script the
// hearts still work: they lead to a confirm page that shows the state.
(function () {
  "use strict";

  function show(form, hearted) {
    var button = form.querySelector("button");
    var label = hearted ? form.dataset.labelOn : form.dataset.labelOff;
    form.dataset.state = hearted ? "on" : "off";
    form.querySelector('input[name="action"]').value = hearted ? "remove" : "add";
    button.setAttribute("aria-pressed", hearted ? "true" : "false");
    button.setAttribute("aria-label", label);
    button.title = label;
    button.classList.toggle("is-on", hearted);
    button.querySelector("span").textContent = hearted ? "\u2665" : "\u2661";
  }

  function fill(root) {
    var forms = Array.prototype.slice.call(root.querySelectorAll('form.fav-form[data-state="unknown"]'));
    if (!forms.length) return;
    var ids = [];
    forms.forEach(function (form) {
      if (ids.indexOf(form.dataset.productId) === -1 && ids.length < 100) ids.push(form.dataset.productId);
    });
    fetch("/api/favourites?page_size=100&product_ids=" + ids.join(","), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) return;
        var on = body.results.map(function (row) { return String(row.product_id); });
        forms.forEach(function (form) { show(form, on.indexOf(form.dataset.productId) !== -1); });
      })
      .catch(function () { /* the hearts keep working without their state */ });
  }

  document.addEventListener("DOMContentLoaded", function () { fill(document); });
  document.addEventListener("htmx:afterSettle", function (event) { fill(event.detail.elt || document); });
})();
