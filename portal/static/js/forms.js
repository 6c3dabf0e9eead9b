// Progressive enhancement of the error summary (GOV.UK pattern): move focus to the summary
// when a form comes back with errors, and from a summary link into the field it names.
(function () {
  var summary = document.querySelector(".error-summary");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    var field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
    (field || target).focus();
    target.scrollIntoView({ block: "center" });
  });
})();
