// The board: polls board.json once a second and redraws the table. Every
// text goes in with textContent: customer names and servers' words are
// never read as HTML.
(function () {
  "use strict";
  var lang = document.body.dataset.lang;
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function render(b) {
    var L = b.labels;
    var totals = document.getElementById("totals");
    totals.replaceChildren();
    [["accounts", b.totals.accounts], ["done", b.totals.done], ["working", b.totals.working],
     ["queued", b.totals.queued], ["attention", b.totals.attention]].forEach(function (t) {
      var s = el("span", null, "total-" + t[0]);
      s.appendChild(el("b", String(t[1])));
      s.appendChild(document.createTextNode(" " + L[t[0]]));
      totals.appendChild(s);
    });
    var needs = document.getElementById("needs-list");
    needs.replaceChildren();
    if (b.attention.length === 0) needs.appendChild(el("li", L.none));
    b.attention.forEach(function (a) {
      var li = el("li");
      li.dataset.customer = a.customer;
      li.appendChild(el("b", a.customer + ": "));
      var why = a.error_words || "";
      if (a.reasons && a.reasons.length) why += " " + a.reasons.join(" / ");
      li.appendChild(el("span", why, "reason"));
      if (a.error_text) { li.appendChild(el("br")); li.appendChild(el("small", a.error_text)); }
      needs.appendChild(li);
    });
    var tbody = document.querySelector("#accounts tbody");
    tbody.replaceChildren();
    b.accounts.forEach(function (a) {
      var tr = el("tr", null, a.state + (a.needs_person ? " needs-person" : ""));
      tr.dataset.customer = a.customer;
      tr.appendChild(el("td", a.customer));
      var acct = el("td", a.old_user);
      acct.appendChild(el("br"));
      acct.appendChild(el("small", a.old_host + (a.new_user ? " → " + a.new_user : "")));
      tr.appendChild(acct);
      tr.appendChild(el("td", a.state_words + (a.state === "done" ? "" : ": " + a.step_words) + (a.round > 0 ? " (" + L.round + " " + a.round + ")" : "")));
      var pt = el("td");
      var p = el("progress");
      p.max = 100; p.value = a.percent;
      pt.appendChild(p);
      pt.appendChild(el("span", " " + a.percent.toFixed(1) + "%", "percent"));
      tr.appendChild(pt);
      tr.appendChild(el("td", a.rate_words || ""));
      tr.appendChild(el("td", a.eta_words || ""));
      var g = el("td");
      if (a.gate === "open") g.appendChild(el("span", L.open, "gate-open"));
      else if (a.gate === "closed") {
        g.appendChild(el("span", L.closed, "gate-closed"));
        (a.reasons || []).forEach(function (r) { g.appendChild(el("br")); g.appendChild(el("small", r)); });
      }
      tr.appendChild(g);
      var e = el("td", a.error_words || "", "error");
      tr.appendChild(e);
      var r = el("td");
      if (a.report) { var link = el("a", L.report); link.href = a.report; r.appendChild(link); }
      tr.appendChild(r);
      tr.appendChild(el("td", a.deadline || ""));
      tr.appendChild(el("td", a.worker || ""));
      tr.appendChild(el("td", a.archive_words || "", a.archive_pc_stopped ? "archive stopped" : "archive"));
      tbody.appendChild(tr);
    });
    document.getElementById("updated").textContent = L.updated + ": " + new Date().toLocaleTimeString(lang);
    document.body.dataset.polls = String((Number(document.body.dataset.polls) || 0) + 1);
  }
  function poll() {
    fetch("board.json?lang=" + encodeURIComponent(lang), { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(render)
      .catch(function () {})
      .finally(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
