// stixhub web UI: progressive enhancement only; every page works without this script.
// Contribute page: read an uploaded file into the text box, check the content as it changes (diagnostics
// inline before submitting), and post with an upload progress bar.
"use strict";
(function () {
  function bind() {
    var form = document.getElementById("contribute");
    if (!form) return;
    var file = document.getElementById("file");
    var content = document.getElementById("content");
    var progress = document.getElementById("progress");
    var outcome = document.getElementById("outcome");
    var timer = null;

    function post(action, onDone) {
      var data = new URLSearchParams(new FormData(form));
      data.set("action", action);
      var xhr = new XMLHttpRequest();
      // Not form.action: the buttons named "action" shadow that property.
      xhr.open("POST", form.getAttribute("action"));
      xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
      if (action === "submit") {
        progress.hidden = false;
        progress.value = 0;
        xhr.upload.onprogress = function (event) {
          if (event.lengthComputable) progress.value = Math.round((100 * event.loaded) / event.total);
        };
      }
      xhr.onload = function () {
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        onDone(doc, xhr.status);
      };
      xhr.onerror = function () {
        outcome.innerHTML = "";
        var p = document.createElement("p");
        p.className = "error";
        p.textContent = "The hub could not be reached. Try again.";
        outcome.appendChild(p);
        progress.hidden = true;
      };
      xhr.send(data.toString());
    }

    function check() {
      if (!content.value.trim() || content.value.length > 2000000) return;
      post("check", function (doc) {
        var fresh = doc.getElementById("outcome");
        if (fresh) outcome.innerHTML = fresh.innerHTML;
      });
    }

    content.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 700);
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === "mode" || event.target.name === "tlp") check();
    });
    if (file) {
      file.addEventListener("change", function () {
        var chosen = file.files && file.files[0];
        if (!chosen) return;
        var reader = new FileReader();
        reader.onload = function () {
          content.value = reader.result;
          check();
        };
        reader.readAsText(chosen);
      });
    }
    form.addEventListener("submit", function (event) {
      var action = event.submitter ? event.submitter.value : "submit";
      event.preventDefault();
      post(action, function (doc, status) {
        var main = doc.getElementById("main");
        if (main && status < 500) {
          document.getElementById("main").innerHTML = main.innerHTML;
          bind();
          var result = document.getElementById("outcome");
          if (result) result.focus && result.setAttribute("tabindex", "-1");
          if (result) result.focus();
        } else {
          document.documentElement.innerHTML = doc.documentElement.innerHTML;
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", bind);
})();
