/* Kura lesson player: deep zoom that animates to the step's region, "look closer", answers
   checked in the page, and the arrow keys for back/next. Everything is configured from data-
   attributes (the CSP allows no inline script); without JavaScript the page still works:
   the still image shows the region, the links move between steps and the choices submit. */
(function () {
  "use strict";
  var player = document.getElementById("player");
  if (!player) return;

  // --- arrow keys: ← back, → next (not while typing or inside the deep-zoom canvas) -----
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    if (target && target.closest && target.closest(".openseadragon-canvas")) return;
    if (event.key === "ArrowRight") {
      event.preventDefault();
      window.location.href = player.getAttribute("data-next");
    } else if (event.key === "ArrowLeft") {
      event.preventDefault();
      window.location.href = player.getAttribute("data-prev");
    }
  });

  // --- answers ---------------------------------------------------------------------------
  var form = document.querySelector("form.choices");
  var feedback = document.getElementById("feedback");
  if (form && feedback) {
    var answer = form.getAttribute("data-answer");
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button.choice");
      if (!button) return;
      event.preventDefault();
      form.querySelectorAll("button.choice").forEach(function (b) {
        b.classList.remove("chosen", "right", "again");
        b.setAttribute("aria-pressed", "false");
      });
      button.classList.add("chosen");
      button.setAttribute("aria-pressed", "true");
      var kind = answer === "" ? "fb-open" : button.value === answer ? "fb-right" : "fb-again";
      if (kind === "fb-right") button.classList.add("right");
      if (kind === "fb-again") button.classList.add("again");
      var template = document.getElementById(kind);
      feedback.textContent = "";
      if (template) feedback.appendChild(template.content.cloneNode(true));
      feedback.setAttribute("data-kind", kind);
    });
  }

  // --- deep zoom ------------------------------------------------------------------------
  var el = document.getElementById("lesson-osd");
  if (!el || !window.OpenSeadragon) return;
  function box(name) {
    var v = (el.getAttribute(name) || "").split(",").map(Number);
    return v.length === 4 && v[2] > 0 && v[3] > 0 ? v : null;
  }
  var region = box("data-region");
  var closer = box("data-closer");
  var width = Number(el.getAttribute("data-width"));
  var height = Number(el.getAttribute("data-height"));
  if (!closer && region) {
    // no region given for "look closer": the middle of the step's region, twice as near
    closer = [region[0] + region[2] / 4, region[1] + region[3] / 4, region[2] / 2, region[3] / 2];
  } else if (!closer) {
    closer = [width / 4, height / 4, width / 2, height / 2];
  }
  if (!document.querySelector("style[data-openseadragon-mobile-css]")) {
    var marker = document.createElement("style"); // see kura-viewer.js: the CSP's empty style
    marker.setAttribute("data-openseadragon-mobile-css", "true");
    document.head.appendChild(marker);
  }
  var tools = document.querySelector(".zoom-tools");
  if (tools) tools.hidden = false;
  el.textContent = ""; // the still picture is for pages without JavaScript and for print
  el.classList.add("live");
  var viewer = window.OpenSeadragon({
    element: el,
    prefixUrl: el.getAttribute("data-prefix"),
    tileSources: [el.getAttribute("data-tile")],
    showNavigator: false,
    showRotationControl: false,
    // the page's own buttons (big, labelled, in the reader's mode) instead of OpenSeadragon's
    // small icons
    zoomInButton: "lesson-zoom-in",
    zoomOutButton: "lesson-zoom-out",
    homeButton: "lesson-home",
    showFullPageControl: false,
    visibilityRatio: 0.5,
    maxZoomPixelRatio: 2,
    animationTime: 1.6,
    springStiffness: 5,
    crossOriginPolicy: "Anonymous",
    gestureSettingsTouch: { pinchToZoom: true, flickEnabled: true },
  });
  var state = { viewer: viewer, region: region, closer: closer, arrived: false, closerShown: false };
  window.kuraLesson = state; // for tests and the curious

  function goTo(b, immediately) {
    var item = viewer.world.getItemAt(0);
    if (!item || !b) return;
    viewer.viewport.fitBounds(item.imageToViewportRectangle(b[0], b[1], b[2], b[3]), immediately);
  }
  viewer.addHandler("open", function () {
    viewer.canvas.setAttribute("role", "application");
    viewer.canvas.setAttribute("aria-label", el.getAttribute("aria-label") || "");
    // the whole page first, then a slow move to the step's detail, so one sees where it is
    if (region) {
      window.setTimeout(function () {
        goTo(region, false);
        state.arrived = true;
      }, 500);
    } else {
      state.arrived = true;
    }
  });

  var closerButton = document.getElementById("closer-button");
  var hint = document.getElementById("closer-hint");
  if (hint) hint.hidden = true;
  if (closerButton) {
    closerButton.hidden = false;
    closerButton.addEventListener("click", function () {
      goTo(closer, false);
      state.closerShown = true;
      if (hint) hint.hidden = false;
      if (hint) closerButton.setAttribute("aria-expanded", "true");
    });
  }
})();
