/* Runs before the page is drawn (loaded without defer): marks that scripts run, so the
   phone header can start with its menu folded (kura.js opens it) and without JavaScript
   every link stays shown. */
document.documentElement.classList.add("js");

// A static site's kids pages carry every grade's furigana (<html data-grade>): the grade
// chosen with ?grade=N (the grade switch's links) is kept in this browser and shown on
// every page, before the page is drawn.
(function () {
  var root = document.documentElement;
  if (!root.hasAttribute("data-grade")) return;
  var chosen = /[?&]grade=([1-6])(?:&|#|$)/.exec(window.location.search);
  var grade = chosen ? chosen[1] : null;
  try {
    if (grade) window.localStorage.setItem("kura-grade", grade);
    else grade = window.localStorage.getItem("kura-grade");
  } catch (e) {
    // storage refused (private mode): the grade holds for this page only
  }
  if (grade && /^[1-6]$/.test(grade)) root.setAttribute("data-grade", grade);
})();
