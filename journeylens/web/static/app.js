// journeylens: the little the pages need beyond htmx (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  function params(box) {
    return box.getAttribute("data-query") || "";
  }
  // Slider labels follow their sliders.
  document.addEventListener("input", function (ev) {
    var el = ev.target;
    if (el.type === "range") {
      var out = document.getElementById(el.id + "-out");
      if (out) { out.textContent = el.value + "%"; }
    }
  });
  // A click on an activity or an arc of the process map lists its cases beside the map.
  document.addEventListener("click", function (ev) {
    var box = ev.target.closest && ev.target.closest(".svgbox");
    if (!box || !window.htmx) { return; }
    var node = ev.target.closest("g.node.activity");
    var edge = ev.target.closest("g.edge");
    var q = new URLSearchParams(params(box));
    if (node) {
      q.set("activity", node.getAttribute("data-id"));
    } else if (edge) {
      q.set("source", edge.getAttribute("data-source"));
      q.set("target", edge.getAttribute("data-target"));
    } else { return; }
    box.querySelectorAll(".selected").forEach(function (g) { g.classList.remove("selected"); });
    (node || edge).classList.add("selected");
    window.htmx.ajax("GET", "/map/cases?" + q.toString(), {target: "#selection"});
  });
  // Keyboard users: activities and arcs are focusable; Enter selects.
  document.addEventListener("htmx:afterSwap", function (ev) {
    ev.detail.target.querySelectorAll(".svgbox g.node.activity, .svgbox g.edge").forEach(function (g) {
      g.setAttribute("tabindex", "0");
      g.setAttribute("role", "button");
    });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && ev.target.closest && ev.target.closest(".svgbox g")) {
      ev.target.dispatchEvent(new MouseEvent("click", {bubbles: true}));
    }
  });
})();
