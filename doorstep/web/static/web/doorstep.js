// Behaviour the pages used to carry in inline event attributes (onclick=, onchange=), which the Content
// Security Policy forbids: delegated from the document, so it also works on content htmx swaps in.
(function () {
  "use strict";
  // <select data-autosubmit>: choosing submits its form (the language switch)
  document.addEventListener("change", function (e) {
    var el = e.target.closest && e.target.closest("[data-autosubmit]");
    if (el && el.form) el.form.submit();
  });
  document.addEventListener("click", function (e) {
    if (!e.target.closest) return;
    // the caller's known data fills the new-order form (orders/_caller.html)
    var caller = e.target.closest("[data-fill-caller]");
    if (caller) {
      var d = caller.dataset;
      ["name", "province", "city", "district", "detail"].forEach(function (k) {
        var el = document.getElementById(k === "name" ? "id_customer_name" : "id_" + k);
        if (el && d[k]) el.value = d[k];
      });
    }
    // an intake problem's suggested choice (the city that has this 朝阳区 …) becomes the corrected value in
    // the order's correction form (R-IN-2, orders/detail.html): one click, then save the correction
    var choice = e.target.closest("[data-correct-field]");
    if (choice) {
      var input = document.querySelector("#correct-form [name='" + choice.dataset.correctField.replace(/'/g, "") + "']");
      if (input) {
        var box = input.closest("details");
        if (box) box.open = true;
        input.value = choice.dataset.correctValue;
        input.focus();
      }
    }
    // a computed slot (R-DI-3) fills the appointment fields of the form it sits in (orders/detail.html);
    // here rather than in the page, so a boosted page change does not add one more copy of the handler
    var slot = e.target.closest(".slot-picker .slot");
    if (slot) {
      var form = slot.closest("form");
      form.querySelector("[name=window_start]").value = slot.dataset.start;
      form.querySelector("[name=window_end]").value = slot.dataset.end;
    }
    // a knowledge-base script becomes the phone guidance (orders/_kb.html)
    var script = e.target.closest("[data-use-script]");
    if (script) {
      var answer = document.querySelector("textarea[name=answer]");
      if (answer) answer.value = script.previousElementSibling.textContent;
    }
  });
})();
