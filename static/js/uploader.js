// Photo manager enhancements: previews before upload, one request per file with a
// progress bar, and drag-to-reorder. Without this file the same forms post normally.
(function () {
  "use strict";

  function csrf(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function replaceManager(html) {
    var current = document.getElementById("image-manager");
    if (!current) return;
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var fresh = holder.querySelector("#image-manager");
    if (fresh) {
      current.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
    }
  }

  function uploadOne(form, file, row) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("images", file);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRFToken", csrf(form));
      xhr.setRequestHeader("X-Uploader", "1");
      var bar = row.querySelector("progress");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", function () {
        bar.value = 100;
        resolve({ ok: xhr.status < 400, html: xhr.responseText });
      });
      xhr.addEventListener("error", function () {
        resolve({ ok: false, html: "" });
      });
      xhr.send(data);
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches("[data-uploader] input[type=file]")) return;
    var list = input.form.querySelector("[data-previews]");
    list.innerHTML = "";
    Array.prototype.forEach.call(input.files, function (file) {
      var li = document.createElement("li");
      var img = document.createElement("img");
      img.alt = "";
      img.width = 64;
      img.height = 64;
      img.src = URL.createObjectURL(file);
      var label = document.createElement("span");
      label.textContent = file.name;
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", "Upload of " + file.name);
      li.append(img, label, bar);
      list.append(li);
    });
  });

  document.addEventListener("submit", async function (event) {
    var form = event.target;
    if (!form.matches("[data-uploader]")) return;
    var input = form.querySelector("input[type=file]");
    if (!input.files.length) return; // let the server say what's missing
    event.preventDefault();
    var rows = form.querySelectorAll("[data-previews] li");
    var files = Array.prototype.slice.call(input.files);
    var errors = [];
    var last = "";
    for (var i = 0; i < files.length; i++) {
      var result = await uploadOne(form, files[i], rows[i]);
      if (result.html) last = result.html;
      if (!result.ok) errors.push(files[i].name);
    }
    if (last) replaceManager(last);
  });

  // Drag to reorder; the arrow buttons do the same without a mouse.
  var dragged = null;
  document.addEventListener("dragstart", function (e) {
    dragged = e.target.closest && e.target.closest(".image-item");
  });
  document.addEventListener("dragover", function (e) {
    var over = e.target.closest && e.target.closest(".image-item");
    if (!dragged || !over || over === dragged) return;
    e.preventDefault();
    var rect = over.getBoundingClientRect();
    over.parentNode.insertBefore(dragged, e.clientY > rect.top + rect.height / 2 ? over.nextSibling : over);
  });
  document.addEventListener("drop", function (e) {
    if (!dragged) return;
    e.preventDefault();
    var form = document.querySelector("[data-reorder]");
    var data = new FormData();
    document.querySelectorAll("[data-sortable] .image-item").forEach(function (li) {
      data.append("order", li.dataset.id);
    });
    dragged = null;
    fetch(form.action, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": csrf(form), "X-Uploader": "1" },
      credentials: "same-origin",
    })
      .then(function (r) { return r.text(); })
      .then(replaceManager);
  });
})();
