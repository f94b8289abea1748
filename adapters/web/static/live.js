// Keeps reaction and reply counts on a channel page current without a reload.
// The page works without this script; it only refreshes numbers every 15 seconds.
(function () {
  "use strict";
  var root = document.getElementById("sections");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-live-url");

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        root.querySelectorAll(".count[data-post]").forEach(function (el) {
          var counts = data.posts[el.getAttribute("data-post")];
          var emoji = el.getAttribute("data-emoji");
          if (counts && emoji in counts) { el.textContent = String(counts[emoji]); }
        });
        root.querySelectorAll(".reply-count[data-post]").forEach(function (el) {
          var n = data.replies[el.getAttribute("data-post")];
          if (n !== undefined) { el.textContent = String(n); }
        });
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  window.setInterval(function () {
    if (document.visibilityState === "visible") { refresh(); }
  }, 15000);
})();
