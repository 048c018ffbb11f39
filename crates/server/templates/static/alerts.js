// stixhub web UI, Alerts page: listens to /ui/events (server-sent events, the session cookie authenticates)
// and puts each event at the top of the list. EventSource reconnects by itself and sends Last-Event-ID, so
// nothing is missed across a dropped connection.
"use strict";
(function () {
  function text(tag, content, cls) {
    var el = document.createElement(tag);
    el.textContent = content;
    if (cls) el.className = cls;
    return el;
  }
  function bind() {
    var status = document.getElementById("alerts-status");
    var list = document.getElementById("alerts");
    if (!status || !list || !window.EventSource) return;
    var source = new EventSource(status.getAttribute("data-stream"));
    source.onopen = function () { status.textContent = "Live: waiting for new objects."; };
    source.onerror = function () { status.textContent = "Disconnected; reconnecting…"; };
    source.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      var object = data.object || (data.payload && data.payload.object) || {};
      var item = document.createElement("li");
      item.className = "alert alert-" + data.kind;
      item.appendChild(text("span", data.kind, "kind"));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(text("span", object.type || data.type || "", "type"));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(text("strong", object.name || object.id || data.id || "", "name"));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(text("code", object.id || data.id || "", "id"));
      if (data.kind === "victim-notification" && data.asset) {
        item.appendChild(text("span", " involves your " + data.asset.kind + " " + data.asset.value, "asset"));
      }
      if (data.kind === "victim-found" && data.payload) {
        item.appendChild(text("span", " involves an asset of " + data.payload.owner +
          ": release it with POST /assets/v1/victim-tasks/" + data.seq + "/release", "note"));
      }
      if (data.kind === "resync") item.appendChild(text("span", " (fell behind: re-read the collections)", "note"));
      list.insertBefore(item, list.firstChild);
      while (list.children.length > 200) list.removeChild(list.lastChild);
    };
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", bind);
  else bind();
})();
