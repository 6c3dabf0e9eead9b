// The organiser's list: a header box ticks every row of the page (without JavaScript the
// "All" link shows the page again with every row ticked), and Shift+click ticks a range.
(function () {
  var all = document.querySelector("[data-pick-all]");
  if (!all) return;
  var form = all.closest("form");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=applications]"));
  var link = all.parentNode.querySelector(".pick-link");
  var last = null;
  function sync() {
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  all.hidden = false;
  if (link) link.hidden = true;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("click", function (event) {
      if (event.shiftKey && last !== null) {
        var from = Math.min(last, boxes.indexOf(box)), to = Math.max(last, boxes.indexOf(box));
        for (var i = from; i <= to; i++) boxes[i].checked = box.checked;
      }
      last = boxes.indexOf(box);
      sync();
    });
  });
  sync();
})();
