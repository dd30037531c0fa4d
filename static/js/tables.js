// Sortable and filterable tables, as progressive enhancement: the server renders complete
// tables; with JavaScript, a table marked data-sortable gets a button in each column header
// (aria-sort tells screen readers the order) and one marked data-filterable gets a text box
// that hides the rows not containing the text (from six rows on). A cell's data-sort-value overrides its text;
// a header with data-sort="number" sorts numerically. A header with data-sort="none" is left.
// Hand-written because it is ~80 lines and the libraries that do this bring far more.
(function () {
  "use strict";

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) return numeric ? -Infinity : "";
    var raw = cell.hasAttribute("data-sort-value") ? cell.getAttribute("data-sort-value")
      : cell.textContent.trim();
    if (!numeric) return raw.toLowerCase();
    var n = parseFloat(raw.replace(/[^0-9.+\-eE]/g, ""));
    return isNaN(n) ? -Infinity : n;
  }

  function makeSortable(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      if (th.getAttribute("data-sort") === "none" || !th.textContent.trim()) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        var numeric = th.getAttribute("data-sort") === "number";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        Array.prototype.forEach.call(table.tBodies, function (body) {
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
            var order = x < y ? -1 : x > y ? 1 : 0;
            return ascending ? order : -order;
          });
          rows.forEach(function (row) { body.appendChild(row); });
        });
      });
    });
  }

  var filterCount = 0;
  function makeFilterable(table) {
    filterCount += 1;
    var id = "table-filter-" + filterCount;
    var wrapper = document.createElement("div");
    wrapper.className = "table-filter";
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = table.getAttribute("data-filter-label") || "Filter rows";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    if (table.id) input.setAttribute("aria-controls", table.id);
    var status = document.createElement("small");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    wrapper.appendChild(label);
    wrapper.appendChild(input);
    wrapper.appendChild(status);
    var anchor = table.parentElement.classList.contains("table-scroll") ? table.parentElement : table;
    anchor.parentElement.insertBefore(wrapper, anchor);
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      var shown = 0, total = 0;
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          total += 1;
          var match = !needle || row.textContent.toLowerCase().indexOf(needle) !== -1;
          row.hidden = !match;
          if (match) shown += 1;
        });
      });
      status.textContent = needle ? shown + " of " + total + " rows shown" : "";
    });
  }

  document.querySelectorAll("table[data-sortable]").forEach(makeSortable);
  // A filter box over a handful of rows is noise: it appears from six rows on.
  document.querySelectorAll("table[data-filterable]").forEach(function (table) {
    var rows = 0;
    Array.prototype.forEach.call(table.tBodies, function (body) { rows += body.rows.length; });
    if (rows > 5) makeFilterable(table);
  });
})();
