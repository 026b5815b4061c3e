/* Kura item viewer: OpenSeadragon over the item's IIIF level-0 tiles (one info.json per page),
   a page strip (right to left for bound books), and a share link that restores the view as a
   IIIF Content State (iiif-content, encoded as its §6.1 says). Configured from #osd's data-
   attributes. */
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
  if (el.hasAttribute("data-shared-in-url")) {
    // a static site (kura build): no server reads the shared view, so it is read here
    var shared = sharedView(new URLSearchParams(window.location.search).get("iiif-content"));
    if (shared) {
      start = shared.page;
      region = shared.region || [];
    }
  }
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

  // IIIF Content State (viewer/content_state.py does the same on the server): the encoded
  // state (§6.1; also base64url of the JSON itself, plain JSON, a plain URI) → which of
  // this item's canvases, compared by URL path, and which region of it.
  function decodeState(value) {
    value = (value || "").trim();
    if (!value || value.length > 4096) return null;
    if (/^https?:\/\//.test(value)) return value;
    var text = value;
    if (!/^[{[]/.test(value)) {
      try {
        var padded = value.replace(/-/g, "+").replace(/_/g, "/");
        padded += "===".slice((padded.length + 3) % 4);
        var bytes = window.atob(padded);
        var utf8 = decodeURIComponent(escape(bytes));
        text = /^\s*[{[]/.test(utf8) ? utf8 : decodeURIComponent(utf8);
      } catch (e) {
        return null;
      }
    }
    try {
      return JSON.parse(text);
    } catch (e) {
      return null;
    }
  }

  function sharedView(value) {
    var state = decodeState(value);
    var targets = [];
    if (typeof state === "string") targets = [{ id: state }];
    else if (state && state.type === "Annotation") targets = [].concat(state.target || []);
    else if (state && (state.type === "Canvas" || state.type === "SpecificResource")) targets = [state];
    var paths = canvases.map(function (c) {
      return new URL(c, window.location.href).pathname;
    });
    for (var i = 0; i < targets.length; i++) {
      var target = targets[i];
      if (!target || typeof target !== "object") continue;
      var ident = target.id;
      if (target.type === "SpecificResource") {
        ident = target.source && typeof target.source === "object" ? target.source.id : target.source;
        if (target.selector && typeof target.selector.value === "string") {
          ident = ident + "#" + target.selector.value;
        }
      }
      if (typeof ident !== "string") continue;
      var hash = ident.indexOf("#");
      var canvas = hash < 0 ? ident : ident.slice(0, hash);
      var path;
      try {
        path = new URL(canvas).pathname;
      } catch (e) {
        continue;
      }
      var page = paths.indexOf(path);
      if (page < 0) continue;
      var match = /xywh=(?:pixel:)?(\d{1,7}),(\d{1,7}),(\d{1,7}),(\d{1,7})/.exec(hash < 0 ? "" : ident.slice(hash + 1));
      var region = match ? match.slice(1).map(Number) : null;
      if (region && (region[2] === 0 || region[3] === 0)) region = null;
      return { page: page + 1, region: region };
    }
    return null;
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

  // Content-state-encoding (IIIF Content State 1.0 §6.1): encodeURIComponent (UTF-8 as
  // ASCII percent-escapes), then base64url without "=" padding.
  function contentStateEncode(text) {
    return window
      .btoa(encodeURIComponent(text))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
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
    share.value = shareBase + "?iiif-content=" + contentStateEncode(JSON.stringify(state));
  }

  // The teachers' region picker: the region drawn on the image (or else the one on screen),
  // in page pixels, and a lesson step (item, page, region) ready to paste into lessons/*.md.
  var regionOut = document.getElementById("region-xywh");
  var stepText = document.getElementById("region-step");
  var drawButton = document.getElementById("region-draw");
  var drawn = null; // [x, y, w, h] in page pixels, once a rectangle is drawn
  var box = null; // the rectangle on the image: an OpenSeadragon overlay
  var drawing = false;
  var anchor = null; // where the drag started, in viewport coordinates

  function imageRect(a, b) {
    // the rectangle between two viewport points, in whole page pixels inside the page
    var item = viewer.world.getItemAt(0);
    if (!item) return null;
    var size = item.getContentSize();
    var p = item.viewportToImageCoordinates(a);
    var q = item.viewportToImageCoordinates(b);
    var x0 = Math.max(0, Math.min(size.x, Math.round(Math.min(p.x, q.x))));
    var y0 = Math.max(0, Math.min(size.y, Math.round(Math.min(p.y, q.y))));
    var x1 = Math.max(0, Math.min(size.x, Math.round(Math.max(p.x, q.x))));
    var y1 = Math.max(0, Math.min(size.y, Math.round(Math.max(p.y, q.y))));
    return x1 > x0 && y1 > y0 ? [x0, y0, x1 - x0, y1 - y0] : null;
  }

  function showBox(r) {
    var item = viewer.world.getItemAt(0);
    if (!item || !r) return;
    var rect = item.imageToViewportRectangle(r[0], r[1], r[2], r[3]);
    if (box) {
      viewer.updateOverlay(box, rect);
    } else {
      box = document.createElement("div");
      box.className = "region-box";
      box.setAttribute("aria-hidden", "true");
      viewer.addOverlay({ element: box, location: rect });
    }
  }

  function clearBox() {
    if (box) viewer.removeOverlay(box);
    box = null;
    drawn = null;
  }

  function setDrawing(on) {
    drawing = on;
    el.classList.toggle("drawing", on);
    if (drawButton) drawButton.setAttribute("aria-pressed", on ? "true" : "false");
    if (on) el.scrollIntoView({ block: "nearest" });
  }
  if (drawButton) {
    drawButton.hidden = false;
    drawButton.addEventListener("click", function () {
      setDrawing(!drawing);
    });
  }
  // while drawing, a drag draws the rectangle instead of moving the picture, and a click
  // does not zoom
  viewer.addHandler("canvas-press", function (event) {
    if (!drawing) return;
    anchor = viewer.viewport.pointFromPixel(event.position);
  });
  viewer.addHandler("canvas-drag", function (event) {
    if (!drawing) return;
    event.preventDefaultAction = true;
    if (!anchor) return;
    var r = imageRect(anchor, viewer.viewport.pointFromPixel(event.position));
    if (!r) return;
    drawn = r;
    showBox(r);
    updateRegion();
  });
  viewer.addHandler("canvas-release", function () {
    anchor = null;
  });
  viewer.addHandler("canvas-click", function (event) {
    if (drawing) event.preventDefaultAction = true;
  });
  viewer.addHandler("canvas-scroll", function () {
    anchor = null;
  });

  function updateRegion() {
    var r = drawn || shownRegion();
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
    clearBox(); // a rectangle belongs to its page
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
