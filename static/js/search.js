// Search page enhancements; the form works without them.
(function () {
  "use strict";

  // Two-handle price slider mirrors the number inputs (which stay the source of truth).
  function wire(root) {
    root.querySelectorAll("[data-price-range]").forEach(function (box) {
      var lo = box.querySelector("[data-range-min]");
      var hi = box.querySelector("[data-range-max]");
      var min = box.querySelector("input[name=price_min]");
      var max = box.querySelector("input[name=price_max]");
      box.querySelector(".range-sliders").hidden = false;
      function fromSliders(e) {
        if (Number(lo.value) > Number(hi.value)) {
          if (e.target === lo) lo.value = hi.value; else hi.value = lo.value;
        }
        min.value = Number(lo.value) > 0 ? lo.value : "";
        max.value = Number(hi.value) < Number(hi.max) ? hi.value : "";
      }
      // Typed prices move the handles too (a range input clamps a value outside its min..max itself).
      function fromInputs() {
        lo.value = min.value === "" ? lo.min : min.value;
        hi.value = max.value === "" ? hi.max : max.value;
      }
      fromInputs();
      lo.addEventListener("input", fromSliders);
      hi.addEventListener("input", fromSliders);
      min.addEventListener("input", fromInputs);
      max.addEventListener("input", fromInputs);
      lo.addEventListener("change", function () { min.dispatchEvent(new Event("change", { bubbles: true })); });
      hi.addEventListener("change", function () { max.dispatchEvent(new Event("change", { bubbles: true })); });
    });
    var locate = root.querySelector("[data-locate]");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          var form = locate.form;
          form.querySelector("[data-lat]").value = pos.coords.latitude.toFixed(4);
          form.querySelector("[data-lng]").value = pos.coords.longitude.toFixed(4);
          form.querySelector("input[name=near]").value = "";
          form.requestSubmit();
        });
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    wire(document);
    // On a wide screen the filters sit beside the results: open the drawer.
    if (window.matchMedia("(min-width: 64rem)").matches) {
      document.querySelectorAll(".filters-drawer").forEach(function (d) { d.open = true; });
    }
  });
})();
