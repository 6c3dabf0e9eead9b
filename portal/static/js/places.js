// Progressive enhancement: show only the districts of the chosen region. Without it, every
// district stays listed, grouped by region, and the server checks the pair.
(function () {
  document.querySelectorAll("select[data-region-filter]").forEach(function (district) {
    var region = document.getElementById(district.getAttribute("data-region-filter"));
    if (!region) return;
    var groups = Array.prototype.slice.call(district.querySelectorAll("optgroup"));
    function sync() {
      groups.forEach(function (group) {
        var match = group.getAttribute("data-region") === region.value;
        group.hidden = !match;
        group.disabled = !match;
        if (!match && district.selectedOptions[0] && district.selectedOptions[0].parentNode === group) {
          district.value = "";
        }
      });
    }
    region.addEventListener("change", sync);
    sync();
  });
})();
