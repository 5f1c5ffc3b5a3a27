// Progressive enhancements for every page; without this file everything still works.
(function () {
  "use strict";

  // The menu button: on narrow screens the navigation folds behind it (the style sheet hides
  // the links only once the header carries "menu-ready", which happens here), so without
  // JavaScript the links are simply shown.
  var header = document.querySelector("header.top");
  var toggle = header && header.querySelector(".menu-toggle");
  var links = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (toggle && links && links.children.length) {
    toggle.hidden = false;
    header.classList.add("menu-ready");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      header.classList.toggle("menu-open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        toggle.setAttribute("aria-expanded", "false");
        header.classList.remove("menu-open");
        toggle.focus();
      }
    });
  }

  // A form's error summary takes the focus when the page loads, so a screen reader reads it
  // first; its links move the focus to the field they name, with the field's label in view.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    if (document.activeElement !== summary) {
      summary.focus();
    }
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) {
        return;
      }
      event.preventDefault();
      var group = target.closest("fieldset, .field");
      (group || target).scrollIntoView();
      target.focus({ preventScroll: true });
    });
  }
})();
