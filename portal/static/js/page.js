// Every page's enhancements (one small file, cached once): the error summary, live character
// counts, phone photos made smaller, parts of a form that apply to one answer only, and the
// header's menus closing by Escape or a click away.
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

// Long answers: the limit the page states becomes a live count. The visible text follows each
// key; a screen reader hears it once typing pauses. The messages, one per plural category of
// the page's language, come translated in the counter's data attributes.
(function () {
  var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang) : null;
  document.querySelectorAll("[data-count]").forEach(function (count) {
    var field = document.getElementById(count.getAttribute("data-count"));
    var limit = parseInt(count.getAttribute("data-limit"), 10);
    if (!field || !limit) return;
    var live = document.createElement("span");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    count.parentNode.insertBefore(live, count.nextSibling);
    var timer = null;
    function message() {
      var left = Math.max(0, limit - field.value.length);
      var category = rules ? rules.select(left) : left === 1 ? "one" : "other";
      var text = count.getAttribute("data-" + category) || count.getAttribute("data-other");
      return text.replace("{n}", String(left));
    }
    function update() {
      count.textContent = message();
      clearTimeout(timer);
      timer = setTimeout(function () { live.textContent = message(); }, 1500);
    }
    field.addEventListener("input", update);
    count.textContent = message();
  });
})();

// Phone photos: an image larger than needed is made smaller in the browser (longest side
// data-downscale px, JPEG) before it is sent, so a 12-megapixel photo goes as a few hundred KB.
// Without JavaScript (or canvas), the file goes as it is and the server checks its size.
(function () {
  if (!window.createImageBitmap || !window.DataTransfer || !window.File) return;
  document.querySelectorAll("input[type=file][data-downscale]").forEach(function (input) {
    var longest = parseInt(input.getAttribute("data-downscale"), 10) || 2000;
    var buttons = input.form ? input.form.querySelectorAll("button[type=submit]") : [];
    function busy(on) {
      Array.prototype.forEach.call(buttons, function (button) { button.disabled = on; });
    }
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file || !/^image\/(jpeg|png)$/.test(file.type) || file.size < 1024 * 1024) return;
      busy(true);
      createImageBitmap(file).then(function (bitmap) {
        var scale = Math.min(1, longest / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (blob && blob.size < file.size) {
            var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
            var transfer = new DataTransfer();
            transfer.items.add(new File([blob], name, { type: "image/jpeg" }));
            input.files = transfer.files;
          }
          busy(false);
        }, "image/jpeg", 0.85);
      }).catch(function () { busy(false); });
    });
  });
})();

// Header menus (<details>, open without JavaScript): Escape closes the open one and gives the
// focus back to its button; a click or tap elsewhere closes it, as a menu does in any app.
(function () {
  var menus = document.querySelectorAll(".site-header details.drop");
  if (!menus.length) return;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus.forEach(function (menu) {
      if (!menu.open) return;
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });
})();

// A part of a form that applies to one answer only (data-when="field=value", e.g. the option
// rows of a question with options) is hidden while another answer is chosen. Without
// JavaScript it always shows, and its hint says when it applies.
(function () {
  document.querySelectorAll("[data-when]").forEach(function (part) {
    var rule = part.getAttribute("data-when").split("=");
    var form = part.closest("form");
    var field = form && form.elements[rule[0]];
    if (!field) return;
    function update() {
      part.hidden = field.value !== rule[1];
      if ("disabled" in part) part.disabled = part.hidden;  // nothing hidden is sent
    }
    field.addEventListener("change", update);
    update();
  });
})();
