// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss]");
    if (!button) return;
    var alert = button.closest("[data-dismissible]");
    if (alert) alert.remove();
  });
  // The packing slip's Print button (without JavaScript the browser's own Print does the same).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  // A refused form comes back as 422 and htmx swaps it in (see the htmx-config meta tag). Anything else
  // that fails (an expired session, a photo deleted in another tab, a server error, no network) is not
  // swapped, so say so next to the form that was sent rather than leaving the page unchanged.
  var MESSAGES = {
    403: "Your session has expired or you can't do that here. Reload the page and try again.",
    404: "That is no longer here. Reload the page to see the latest.",
    413: "That is too large to send.",
    429: "Too many tries. Wait a minute, then try again.",
  };

  function errorBoxFor(elt) {
    var form = elt.closest("form") || elt;
    var box = form.nextElementSibling;
    if (!box || !box.hasAttribute("data-request-error")) {
      box = document.createElement("p");
      box.className = "field-error request-error";
      box.setAttribute("role", "alert");
      box.setAttribute("data-request-error", "");
      form.insertAdjacentElement("afterend", box);
    }
    return box;
  }

  function report(event, text) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.isConnected) return;
    errorBoxFor(elt).textContent = text;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var form = elt && (elt.closest("form") || elt);
    var box = form && form.nextElementSibling;
    if (box && box.hasAttribute("data-request-error")) box.remove();
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    report(event, MESSAGES[status] || "Something went wrong on our side (" + status + "). Please try again.");
  });
  document.addEventListener("htmx:sendError", function (event) {
    report(event, "We couldn't reach the site. Check your connection and try again.");
  });
})();
