/* Kura item viewer: OpenSeadragon over the item's IIIF level-0 tiles (one info.json per page),
   a page strip (right to left for bound books), and a share link that restores the view as a
   IIIF Content State (iiif-content, base64url). Configured from #osd's data- attributes. */
(function () {
  "use strict";
  var el = document.getElementById("osd");
  if (!el || !window.OpenSeadragon) return;

  var tiles = JSON.parse(el.getAttribute("data-tiles") || "[]");
  var canvases = JSON.parse(el.getAttribute("data-canvases") || "[]");
  if (!tiles.length) return;
  var count = tiles.length;
  var start = Math.min(Math.max(parseInt(el.getAttribute("data-page"), 10) || 1, 1), count);
  var region = (el.getAttribute("data-region") || "").split(",").map(Number);
  var manifest = el.getAttribute("data-manifest");
  var shareBase = el.getAttribute("data-share-base");
  var status = document.getElementById("osd-status");
  var share = document.getElementById("share-link");
  var strip = document.querySelectorAll(".strip-page");
  var current = start;

  // OpenSeadragon injects an inline <style> (hiding the focus outline on touch screens) unless
  // one is marked as present; the CSP would refuse it, and the outline should stay anyway.
  // The empty marker is the one inline style the CSP allows (by the hash of "").
  if (!document.querySelector("style[data-openseadragon-mobile-css]")) {
    var marker = document.createElement("style");
    marker.setAttribute("data-openseadragon-mobile-css", "true");
    document.head.appendChild(marker);
  }

  function byId(id) {
    return document.getElementById(id) ? id : null;
  }

  var viewer = window.OpenSeadragon({
    element: el,
    prefixUrl: el.getAttribute("data-prefix"),
    tileSources: tiles,
    sequenceMode: count > 1,
    initialPage: start - 1,
    showNavigator: true,
    navigatorPosition: "BOTTOM_RIGHT",
    zoomInButton: byId("osd-zoom-in"),
    zoomOutButton: byId("osd-zoom-out"),
    homeButton: byId("osd-home"),
    fullPageButton: byId("osd-full"),
    previousButton: byId("osd-prev"),
    nextButton: byId("osd-next"),
    showRotationControl: false,
    showSequenceControl: count > 1,
    gestureSettingsTouch: { pinchToZoom: true, flickEnabled: true },
    visibilityRatio: 0.5,
    maxZoomPixelRatio: 2,
    crossOriginPolicy: "Anonymous",
  });
  window.kuraViewer = viewer; // for tests and the curious

  function b64url(text) {
    var bytes = new TextEncoder().encode(text);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return window.btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function shownRegion() {
    var item = viewer.world.getItemAt(0);
    if (!item) return null;
    var size = item.getContentSize();
    var r = item.viewportToImageRectangle(viewer.viewport.getBounds(true));
    var x = Math.max(0, Math.round(r.x));
    var y = Math.max(0, Math.round(r.y));
    var w = Math.min(size.x, Math.round(r.x + r.width)) - x;
    var h = Math.min(size.y, Math.round(r.y + r.height)) - y;
    if (w <= 0 || h <= 0) return null;
    return [x, y, w, h];
  }

  function updateShare() {
    if (!share) return;
    var canvas = canvases[current - 1];
    var r = shownRegion();
    var target = r ? canvas + "#xywh=" + r.join(",") : canvas;
    var state = {
      "@context": "http://iiif.io/api/presentation/3/context.json",
      id: shareBase + "#view",
      type: "Annotation",
      motivation: ["contentState"],
      target: { id: target, type: "Canvas", partOf: [{ id: manifest, type: "Manifest" }] },
    };
    share.value = shareBase + "?iiif-content=" + b64url(JSON.stringify(state));
  }

  // The teachers' region picker: the region on screen, in page pixels, and a lesson step
  // (item, page, region) ready to paste into lessons/*.md.
  var regionOut = document.getElementById("region-xywh");
  var stepText = document.getElementById("region-step");
  function updateRegion() {
    var r = shownRegion();
    if (!r || !stepText) return;
    if (regionOut) regionOut.textContent = r.join(",");
    stepText.value =
      "## " + stepText.getAttribute("data-title") + "\n" +
      "item: " + stepText.getAttribute("data-item") + "\n" +
      "page: " + current + "\n" +
      "region: " + r.join(",") + "\n";
  }
  var regionCopy = document.getElementById("region-copy");
  if (regionCopy && stepText) {
    regionCopy.addEventListener("click", function () {
      stepText.select();
      var done = function () {
        regionCopy.textContent = regionCopy.getAttribute("data-done") || regionCopy.textContent;
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(stepText.value).then(done, function () {});
      } else if (document.execCommand && document.execCommand("copy")) {
        done();
      }
    });
  }

  function showPage(n) {
    current = n;
    if (status) status.textContent = n + " / " + count;
    strip.forEach(function (button) {
      if (Number(button.getAttribute("data-page")) === n) {
        button.setAttribute("aria-current", "true");
      } else {
        button.removeAttribute("aria-current");
      }
    });
  }

  var restored = false;
  viewer.addHandler("open", function () {
    if (!restored && region.length === 4 && region[2] > 0 && region[3] > 0) {
      restored = true;
      var item = viewer.world.getItemAt(0);
      var rect = item.imageToViewportRectangle(region[0], region[1], region[2], region[3]);
      viewer.viewport.fitBounds(rect, true);
    }
    // OpenSeadragon's own canvas takes the keyboard (arrows, + / -, 0); name it.
    viewer.canvas.setAttribute("role", "application");
    viewer.canvas.setAttribute("aria-label", el.getAttribute("data-label") || "");
    updateShare();
    updateRegion();
  });
  viewer.addHandler("page", function (event) {
    showPage(event.page + 1);
  });
  viewer.addHandler("animation-finish", updateShare);
  viewer.addHandler("animation-finish", updateRegion);
  strip.forEach(function (button) {
    button.addEventListener("click", function () {
      viewer.goToPage(Number(button.getAttribute("data-page")) - 1);
      el.scrollIntoView({ block: "nearest" });
    });
  });
  showPage(start);
})();
