// Live parts of the hall pages: an EventSource per page that refetches the page's own
// view on "refresh", announces calls on the display, rings for new helper alerts, and
// says so on screen while the connection is lost (EventSource reconnects by itself; a
// watchdog reopens it when even the server's pings stop).
(function () {
  "use strict";
  var root = document.querySelector("[data-events]");
  if (!root) return;
  var banner = document.getElementById("live-status");
  var soundButton = document.getElementById("sound-on");
  var chimeUrl = root.getAttribute("data-chime");
  var pollSeconds = Number(root.getAttribute("data-poll") || 0);
  var source = null;
  var lastHeard = Date.now();
  var pending = null;
  var audioQueue = [];
  var playing = false;

  function lost(isLost) {
    if (banner) banner.hidden = !isLost;
    document.body.classList.toggle("offline", isLost);
  }

  function openIds() {
    var list = root.querySelector("[data-open]");
    var value = list ? list.getAttribute("data-open") : "";
    return value ? value.split(",") : [];
  }

  function refresh() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      if (root.hasAttribute("data-keep-form") && root.querySelector("form.rating")) return;
      var before = openIds();
      fetch(root.getAttribute("data-src"), { credentials: "same-origin", cache: "no-store" })
        .then(function (answer) {
          if (answer.status === 401) { location.reload(); return null; }
          return answer.ok ? answer.text() : null;
        })
        .then(function (html) {
          if (html === null || html === undefined) return;
          root.innerHTML = html;
          root.setAttribute("data-updated", String(Date.now()));
          var fresh = openIds().filter(function (id) { return before.indexOf(id) < 0; });
          if (chimeUrl && fresh.length) play([chimeUrl]);
        })
        .catch(function () { lost(true); });
    }, 150);
  }

  function play(urls) {
    audioQueue = audioQueue.concat(urls);
    if (!playing) next();
  }

  function next() {
    var url = audioQueue.shift();
    if (!url) { playing = false; return; }
    playing = true;
    var audio = new Audio(url);
    audio.onended = next;
    audio.onerror = next;
    var started = audio.play();
    if (started && started.catch) {
      started.catch(function () {
        playing = false;
        audioQueue.unshift(url);
        if (soundButton) soundButton.hidden = false;  // the browser wants a tap first
      });
    }
  }

  if (soundButton) {
    soundButton.addEventListener("click", function () {
      soundButton.hidden = true;
      if (audioQueue.length) next(); else if (chimeUrl) play([chimeUrl]);
    });
  }

  function showCall(call) {
    var flash = document.getElementById("flash");
    if (flash) {
      flash.querySelector(".num").textContent = call.number;
      flash.querySelector(".to").textContent = "请到 " + call.window + " 号窗口 · Window " + call.window;
      flash.hidden = false;
      clearTimeout(showCall.timer);
      showCall.timer = setTimeout(function () { flash.hidden = true; }, 8000);
    }
    var urls = [];
    if (chimeUrl) urls.push(chimeUrl);
    if (call.audio) urls.push(call.audio);
    play(urls);
  }

  function connect() {
    if (source) source.close();
    source = new EventSource(root.getAttribute("data-events"));
    source.addEventListener("hello", function () {
      lastHeard = Date.now();
      lost(false);
      root.setAttribute("data-live", "1");
      refresh();
    });
    source.addEventListener("ping", function () { lastHeard = Date.now(); lost(false); });
    source.addEventListener("refresh", function () { lastHeard = Date.now(); refresh(); });
    source.addEventListener("call", function (event) {
      lastHeard = Date.now();
      showCall(JSON.parse(event.data));
    });
    source.onerror = function () { root.setAttribute("data-live", "0"); lost(true); };
  }

  setInterval(function () {
    if (Date.now() - lastHeard > 25000) { lost(true); lastHeard = Date.now(); connect(); }
  }, 5000);
  if (pollSeconds > 0) setInterval(refresh, pollSeconds * 1000);

  var clock = document.getElementById("clock");
  if (clock) {
    var tick = function () {
      clock.textContent = new Date().toLocaleTimeString("zh-CN", { hour12: false });
    };
    tick();
    setInterval(tick, 1000);
  }
  connect();
})();
