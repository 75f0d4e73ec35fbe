// Draws the report's charts from the options the server put in #chart-data.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var options = data[element.getAttribute("data-chart")];
    if (!options) return;
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(options);
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
  document.body.setAttribute("data-charts-ready", String(charts.length));
})();
