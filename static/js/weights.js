// Live weight shares on the criteria form: shares always sum to 100%. Progressive enhancement.
(function () {
  "use strict";
  var form = document.getElementById("criteria-form");
  if (!form) return;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.weight-input"));
  function update() {
    var values = inputs.map(function (i) { var v = parseFloat(i.value); return isFinite(v) && v > 0 ? v : 0; });
    var total = values.reduce(function (a, b) { return a + b; }, 0);
    inputs.forEach(function (input, idx) {
      var cell = form.querySelector('[data-share-for="' + input.id + '"]');
      if (cell) cell.textContent = total > 0 ? (100 * values[idx] / total).toFixed(1) + "%" : "—";
    });
    var totalCell = document.getElementById("share-total");
    if (totalCell) totalCell.textContent = total > 0 ? "100%" : "weights must not all be zero";
  }
  inputs.forEach(function (i) { i.addEventListener("input", update); });
  update();
})();
