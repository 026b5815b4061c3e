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

  // Read-aloud (seniors mode) with the browser's own speech synthesis.
  document.querySelectorAll("[data-read-aloud]").forEach(function (button) {
    var box = button.closest("[hidden]");
    if (!("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) return;
    if (box) box.hidden = false;
    var label = button.textContent;
    var speaking = false;
    function stop() {
      window.speechSynthesis.cancel();
      speaking = false;
      button.textContent = label;
    }
    button.addEventListener("click", function () {
      if (speaking) {
        stop();
        return;
      }
      var parts = [];
      document.querySelectorAll(button.getAttribute("data-read-aloud")).forEach(function (node) {
        parts.push(node.innerText);
      });
      var utterance = new window.SpeechSynthesisUtterance(parts.join("\n"));
      utterance.lang = button.getAttribute("data-lang") === "en" ? "en-US" : "ja-JP";
      utterance.rate = 0.9;
      utterance.onend = stop;
      utterance.onerror = stop;
      speaking = true;
      button.textContent = button.getAttribute("data-label-stop") || label;
      window.speechSynthesis.speak(utterance);
    });
  });

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
