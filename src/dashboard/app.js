// Filters the submissions by distribution and stage. The page works without
// this script: every row is shown and the filter form stays hidden. Initial
// values come from the query string (?distribution=cmd-os-1&stage=verification)
// so that a filtered view can be linked.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var distribution = document.getElementById("filter-distribution");
  var stage = document.getElementById("filter-stage");
  var shown = document.getElementById("shown");
  if (!form || !distribution || !stage) {
    return;
  }
  var rows = Array.prototype.slice.call(
    document.querySelectorAll("#submissions tbody tr[data-stage]")
  );

  // Only a value the select offers is taken from the URL.
  function choose(select, value) {
    for (var i = 0; i < select.options.length; i += 1) {
      if (select.options[i].value === value) {
        select.value = value;
        return;
      }
    }
  }

  function matches(row) {
    var d = distribution.value;
    var s = stage.value;
    if (d && row.getAttribute("data-distribution") !== d) {
      return false;
    }
    if (s === "delayed") {
      return row.getAttribute("data-delayed") === "true";
    }
    return !s || row.getAttribute("data-stage") === s;
  }

  function apply() {
    var count = 0;
    rows.forEach(function (row) {
      var show = matches(row);
      row.hidden = !show;
      if (show) {
        count += 1;
      }
    });
    if (shown) {
      shown.textContent = count + " of " + rows.length + " shown";
    }
  }

  // Keeps the URL in step with the filters, for sharing a view.
  function remember() {
    var params = new URLSearchParams(window.location.search);
    [["distribution", distribution.value], ["stage", stage.value]].forEach(function (p) {
      if (p[1]) {
        params.set(p[0], p[1]);
      } else {
        params.delete(p[0]);
      }
    });
    var query = params.toString();
    try {
      window.history.replaceState(null, "", (query ? "?" + query : window.location.pathname) + window.location.hash);
    } catch (e) {
      // Some browsers refuse to rewrite file:// URLs; the filter still works.
    }
  }

  var params = new URLSearchParams(window.location.search);
  choose(distribution, params.get("distribution") || "");
  choose(stage, params.get("stage") || "");
  form.hidden = false;
  form.addEventListener("change", function () {
    apply();
    remember();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  apply();
})();
