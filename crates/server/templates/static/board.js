// stixhub web UI, incident board: listens to /ui/events (the session cookie authenticates) and updates the
// row of each case named by an incident-alert or incident-updated event (a new case goes on top), then
// refreshes the KPI section from the page itself. Only events the hub released to this reader arrive.
"use strict";
(function () {
  function cell(row, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }
  function render(row, c) {
    row.textContent = "";
    row.setAttribute("data-case", c.id);
    row.className = "sev-" + c.severity + (c.breached && c.breached.length ? " breached" : "") + " fresh";
    var sev = cell(row, "");
    var badge = document.createElement("span");
    badge.className = "sev";
    badge.textContent = c.severity;
    sev.appendChild(badge);
    var title = cell(row, "");
    var link = document.createElement("a");
    link.href = "/ui/incidents/" + c.id;
    link.textContent = c.title;
    title.appendChild(link);
    if (c.exercise) {
      var ex = document.createElement("span");
      ex.className = "exercise";
      ex.textContent = " EXERCISE";
      title.appendChild(ex);
    }
    cell(row, c.jurisdiction);
    cell(row, c.status, "status");
    var timers = cell(row, "", "timers");
    if (c.breached && c.breached.length) {
      var strong = document.createElement("strong");
      strong.className = "error";
      strong.textContent = "breached: " + c.breached.join(", ");
      timers.appendChild(strong);
      timers.appendChild(document.createTextNode(" (tier " + c.tier + ")"));
    } else {
      timers.textContent = c.next_deadline ? "next deadline " + c.next_deadline : "all met";
    }
    cell(row, c.created, "nowrap");
  }
  function refreshKpis() {
    fetch("/ui/board", { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("kpis");
      var old = document.getElementById("kpis");
      if (fresh && old) old.replaceWith(fresh);
    }).catch(function () {});
  }
  function bind() {
    var status = document.getElementById("board-status");
    var body = document.querySelector("#cases tbody");
    if (!status || !body || !window.EventSource) return;
    var source = new EventSource(status.getAttribute("data-stream"));
    source.onopen = function () { status.textContent = "Live."; };
    source.onerror = function () { status.textContent = "Disconnected; reconnecting…"; };
    source.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if ((data.kind !== "incident-alert" && data.kind !== "incident-updated") || !data.case) return;
      var row = body.querySelector('tr[data-case="' + data.case.id + '"]');
      if (!row) {
        row = document.createElement("tr");
        body.insertBefore(row, body.firstChild);
      }
      render(row, data.case);
      refreshKpis();
    };
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", bind);
  else bind();
})();
