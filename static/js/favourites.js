// Loaded where product cards are shown. Hearts in HTML cached for everyone (search and category results) are drawn without the viewer's state
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

  // One product can have several hearts on a page (new arrivals and recently viewed): when one is
  // swapped for its new state, the others follow.
  function follow(changed) {
    var others = document.querySelectorAll('form.fav-form[data-product-id="' + changed.dataset.productId + '"]');
    Array.prototype.forEach.call(others, function (form) {
      if (form !== changed) show(form, changed.dataset.state === "on");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { fill(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.matches && elt.matches("form.fav-form") && elt.dataset.state !== "unknown") {
      follow(elt);
    } else {
      fill(elt || document);
    }
  });
})();
