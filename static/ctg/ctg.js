// Behaviour that would otherwise be inline (the Content-Security-Policy forbids inline
// scripts and event handlers): declared with data attributes in the templates.
"use strict";

// A link with data-remove-closest="selector" removes its closest such element (the
// "Annuler" of a form being added): without JavaScript, it follows its href.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-remove-closest]");
  if (link) {
    event.preventDefault();
    link.closest(link.dataset.removeClosest).remove();
  }
});

// An element with data-deleted-by="url" is the one replaced when a request to that URL
// succeeds inside it (a governance body's whole section when the body is deleted).
document.addEventListener("htmx:beforeSwap", (event) => {
  const element = event.target.closest("[data-deleted-by]");
  const detail = event.detail;
  if (element && !detail.isError && detail.pathInfo.requestPath === element.dataset.deletedBy) {
    detail.target = element;
  }
});
