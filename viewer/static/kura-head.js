/* Runs before the page is drawn (loaded without defer): marks that scripts run, so the
   phone header can start with its menu folded (kura.js opens it) and without JavaScript
   every link stays shown. */
document.documentElement.classList.add("js");
