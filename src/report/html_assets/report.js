/* report.js - the HTML report's behaviour (src/report/html.c inlines it):
 * charts from the #chart-data JSON, click a column header to sort, type in
 * a filter box to hide rows that do not match. Reads text only through
 * textContent and writes none as markup. */
(function () {
	"use strict";
	var sevColors = ["#7b1fa2", "#c62828", "#ef6c00", "#f9a825", "#607d8b"];
	var palette = ["#1565c0", "#2e7d32", "#c62828", "#90a4ae", "#ef6c00", "#6a1b9a", "#00838f"];

	function drawCharts() {
		var el = document.getElementById("chart-data");
		if (!el || typeof Chart === "undefined") return;
		var data = JSON.parse(el.textContent);
		var common = { animation: false, responsive: true, maintainAspectRatio: false };
		function bar(id, d, colors) {
			var c = document.getElementById(id);
			if (!c || !d) return;
			new Chart(c, {
				type: "bar",
				data: { labels: d.labels, datasets: [{ data: d.counts, backgroundColor: colors }] },
				options: Object.assign({}, common, {
					plugins: { legend: { display: false } },
					scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
				})
			});
		}
		function doughnut(id, d, colors) {
			var c = document.getElementById(id);
			if (!c || !d) return;
			new Chart(c, {
				type: "doughnut",
				data: { labels: d.labels, datasets: [{ data: d.counts, backgroundColor: colors }] },
				options: Object.assign({}, common, { plugins: { legend: { position: "bottom" } } })
			});
		}
		var t = data.trend, tc = document.getElementById("chart-trend");
		if (t && tc) {
			var names = ["Critical", "High", "Medium", "Low", "Info"];
			new Chart(tc, {
				type: "bar",
				data: {
					labels: t.labels,
					datasets: t.series.map(function (v, i) {
						return { label: names[i], data: v, backgroundColor: sevColors[i] };
					})
				},
				options: Object.assign({}, common, {
					scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
				})
			});
		}
		bar("chart-severity", data.severity, sevColors);
		bar("chart-dialect", data.dialect, "#1565c0");
		doughnut("chart-smb1", data.smb1, ["#c62828", "#2e7d32", "#90a4ae"]);
		doughnut("chart-signing", data.signing, ["#2e7d32", "#f9a825", "#c62828", "#90a4ae"]);
	}

	/* a cell's sort key: data-v when present (addresses), a severity's rank
	 * for a sev-* cell, else its text */
	var sevRank = { critical: "4", high: "3", medium: "2", low: "1", info: "0", none: "-1" };
	function key(td) {
		if (!td) return "";
		var v = td.getAttribute("data-v");
		if (v !== null) return v;
		var m = /^sev-(\w+)$/.exec(td.className);
		if (m && sevRank.hasOwnProperty(m[1])) return sevRank[m[1]];
		return td.textContent.trim().toLowerCase();
	}
	function compare(a, b) {
		var na = Number(a), nb = Number(b);
		if (a !== "" && b !== "" && !isNaN(na) && !isNaN(nb)) return na - nb;
		return a < b ? -1 : a > b ? 1 : 0;
	}
	function makeSortable(table) {
		var ths = table.tHead ? table.tHead.rows[0].cells : [];
		Array.prototype.forEach.call(ths, function (th, col) {
			th.setAttribute("tabindex", "0");
			function sort() {
				var desc = th.getAttribute("aria-sort") === "ascending";
				Array.prototype.forEach.call(ths, function (o) { o.removeAttribute("aria-sort"); });
				th.setAttribute("aria-sort", desc ? "descending" : "ascending");
				var body = table.tBodies[0];
				var rows = Array.prototype.slice.call(body.rows);
				rows.sort(function (r1, r2) {
					var c = compare(key(r1.cells[col]), key(r2.cells[col]));
					return desc ? -c : c;
				});
				rows.forEach(function (r) { body.appendChild(r); });
			}
			th.addEventListener("click", sort);
			th.addEventListener("keydown", function (e) { if (e.key === "Enter") sort(); });
		});
	}
	function makeFilter(input) {
		var table = document.getElementById(input.getAttribute("data-table"));
		if (!table) return;
		input.addEventListener("input", function () {
			var q = input.value.trim().toLowerCase();
			Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
				r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
			});
		});
	}

	Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), makeSortable);
	Array.prototype.forEach.call(document.querySelectorAll("input.filter-input"), makeFilter);
	drawCharts();
})();
