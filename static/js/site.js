// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss]");
    if (!button) return;
    var alert = button.closest("[data-dismissible]");
    if (alert) alert.remove();
  });
})();
