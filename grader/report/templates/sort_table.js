(function () {
  "use strict";
  // a table marked data-sortable sorts by a column when its heading is clicked (again: the other way)
  function key(cell, numeric) {
    var value = cell.getAttribute("data-value");
    if (value === null) { value = cell.textContent.trim(); }
    return numeric ? parseFloat(value) : value.toLowerCase();
  }
  function sort(table, column, heading) {
    var ascending = heading.getAttribute("aria-sort") !== "ascending";
    var numeric = heading.hasAttribute("data-numeric");
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) { other.removeAttribute("aria-sort"); });
    heading.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[column], numeric), y = key(b.cells[column], numeric);
      var order = numeric ? (x - y) || 0 : x.localeCompare(y);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (heading, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = heading.textContent;
      heading.textContent = "";
      heading.appendChild(button);
      button.addEventListener("click", function () { sort(table, column, heading); });
    });
  });
})();
