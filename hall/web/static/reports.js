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
  // After the next frame has been painted: milliseconds from the start of the navigation
  // until every chart is on screen (read by bench/bench_pages.py and the tests).
  requestAnimationFrame(function () {
    setTimeout(function () {
      document.body.setAttribute("data-charts-ms", String(Math.round(performance.now())));
      document.body.setAttribute("data-charts-ready", String(charts.length));
    }, 0);
  });
})();
