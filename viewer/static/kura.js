/* Kura viewer: small enhancements on every page. No inline scripts anywhere (the CSP
   allows only files from this site), so every behaviour is wired here from data- attributes. */
(function () {
  "use strict";

  // Sort and page-size menus apply at once (a submit button is in <noscript>).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) select.form.submit();
    });
  });

  // The phone header: the menu button folds the site menu and the display settings away
  // (kura-head.js marks that scripts run; without them everything stays shown).
  var toggle = document.querySelector(".menu-toggle");
  var header = document.querySelector(".site-header");
  if (toggle && header) {
    var menuLabel = toggle.querySelector(".menu-label");
    var openText = menuLabel ? menuLabel.textContent : "";
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (menuLabel) menuLabel.textContent = open ? toggle.getAttribute("data-label-close") : openText;
    });
  }

  // The text to speak from an element: what a reader sees, without furigana (rt, rp) or
  // anything marked aria-hidden.
  function speakable(node) {
    var copy = node.cloneNode(true);
    copy.querySelectorAll("rt, rp, [aria-hidden='true'], script, style").forEach(function (x) {
      x.remove();
    });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  // Read-aloud (seniors and kids modes) with the browser's own speech synthesis. It speaks
  // only the page's content (the hidden .speech text the server prepared in the page's
  // language), never the buttons and menus around it.
  document.querySelectorAll("[data-read-aloud]").forEach(function (button) {
    var box = button.closest("[hidden]");
    if (!("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) return;
    if (box) box.hidden = false;
    var labelNode = button.querySelector(".label") || button;
    var label = labelNode.textContent;
    var speaking = false;
    function stop() {
      window.speechSynthesis.cancel();
      speaking = false;
      labelNode.textContent = label;
      button.setAttribute("aria-pressed", "false");
    }
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      if (speaking) {
        stop();
        return;
      }
      var parts = [];
      document.querySelectorAll(button.getAttribute("data-read-aloud")).forEach(function (node) {
        parts.push(speakable(node));
      });
      var text = parts.join("\n");
      button.setAttribute("data-spoken", text); // for tests: what was handed to the voice
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = button.getAttribute("data-lang") === "en" ? "en-US" : "ja-JP";
      utterance.rate = 0.9;
      utterance.onend = stop;
      utterance.onerror = stop;
      speaking = true;
      labelNode.textContent = button.getAttribute("data-label-stop") || label;
      button.setAttribute("aria-pressed", "true");
      window.speechSynthesis.speak(utterance);
    });
  });

  // A static site's kids pages (<html data-grade>, see kura-head.js): what cannot hold
  // ruby (menu choices, placeholders) is swapped for the reader's grade's 交ぜ書き, and the
  // grade switch marks the grade shown.
  var grade = document.documentElement.getAttribute("data-grade");
  if (grade) {
    var pick = function (forms) {
      var found = null;
      forms.split("|").forEach(function (form) {
        if (form.slice(0, 2) === grade + "=") found = form.slice(2);
      });
      return found;
    };
    document.querySelectorAll("[data-fg-text]").forEach(function (node) {
      var text = pick(node.getAttribute("data-fg-text"));
      if (text !== null) node.textContent = text;
    });
    document.querySelectorAll("[data-fg-placeholder]").forEach(function (node) {
      var text = pick(node.getAttribute("data-fg-placeholder"));
      if (text !== null) node.setAttribute("placeholder", text);
    });
    document.querySelectorAll(".grade-switch a").forEach(function (link) {
      var match = /[?&]grade=([1-6])/.exec(link.getAttribute("href") || "");
      if (match && match[1] === grade) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    });
  }

  // Copy the share link.
  var copy = document.getElementById("share-copy");
  var field = document.getElementById("share-link");
  if (copy && field) {
    copy.addEventListener("click", function () {
      var done = function () {
        copy.textContent = copy.getAttribute("data-done") || copy.textContent;
      };
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {});
      } else if (document.execCommand && document.execCommand("copy")) {
        done();
      }
    });
  }
})();
