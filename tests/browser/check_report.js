// check_report.js - open an HTML report in Debian's chromium (headless,
// driven by puppeteer-core) and print what a person would see, as one JSON
// object on stdout; tests/integration/test_html_report.sh asserts on it.
//   node check_report.js REPORT.html SCREENSHOT.png [PAYLOAD...]
// Measures: console errors and page errors, every request the page made
// (any but the file itself is aborted, so nothing leaves the machine),
// dialogs opened (alert), painted pixels of each chart canvas, whether a
// click on a header sorts the hosts table, whether the filter box hides
// rows, <img> elements and inline handlers in the document, and whether each
// PAYLOAD is in the page's text.
"use strict";
const fs = require("fs");
const path = require("path");
const os = require("os");
const puppeteer = require("puppeteer-core");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

async function main() {
	const [file, shot, ...payloads] = process.argv.slice(2);
	if (!file || !shot) {
		console.error("usage: node check_report.js REPORT.html SCREENSHOT.png [PAYLOAD...]");
		process.exit(2);
	}
	const url = "file://" + path.resolve(file);
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), "smbwatch-chromium-"));
	const browser = await puppeteer.launch({
		executablePath: CHROMIUM,
		headless: true,
		userDataDir: profile,
		// root in a container: chromium's sandbox needs user namespaces
		args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
			"--disable-background-networking", "--disable-component-update",
			"--disable-sync", "--metrics-recording-only", "--no-default-browser-check"],
	});
	const out = { console_errors: [], page_errors: [], requests: [], dialogs: [] };
	try {
		const page = await browser.newPage();
		await page.setViewport({ width: 1280, height: 900 });
		page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
		page.on("pageerror", (e) => out.page_errors.push(String(e.message || e)));
		page.on("dialog", async (d) => { out.dialogs.push(d.type() + ": " + d.message()); await d.dismiss(); });
		await page.setRequestInterception(true);
		page.on("request", (req) => {
			if (req.url() === url) return req.continue();
			out.requests.push(req.url());
			return req.abort(); // recorded, never sent
		});
		await page.goto(url, { waitUntil: "load", timeout: 60000 });

		out.title = await page.title();
		out.charts = await page.evaluate(() => {
			const r = {};
			document.querySelectorAll("canvas").forEach((c) => {
				const ctx = c.getContext("2d");
				const d = ctx.getImageData(0, 0, c.width, c.height).data;
				let n = 0;
				for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
				r[c.id || "canvas"] = n;
			});
			return r;
		});
		// the artefact: the page as opened, before the clicks and typing below
		await page.screenshot({ path: shot, fullPage: true });
		out.img_count = await page.evaluate(() => document.querySelectorAll("img").length);
		out.inline_handlers = await page.evaluate(() =>
			Array.from(document.querySelectorAll("*")).filter((e) =>
				Array.from(e.attributes).some((a) => /^on/i.test(a.name))).length);
		out.script_count = await page.evaluate(() => document.scripts.length);
		const text = await page.evaluate(() => document.body ? document.body.textContent : "");
		out.payloads_in_text = payloads.map((p) => text.includes(p));

		// sorting: the hosts table by Address, ascending then descending
		const col = (table, i) => page.evaluate((t, i) => {
			const tb = document.getElementById(t);
			return tb ? Array.from(tb.tBodies[0].rows).map((r) => r.cells[i].textContent.trim()) : [];
		}, table, i);
		const header = async (table, name) => {
			const idx = await page.evaluate((t, n) => {
				const tb = document.getElementById(t);
				if (!tb) return -1;
				return Array.from(tb.tHead.rows[0].cells).findIndex((c) => c.textContent.trim() === n);
			}, table, name);
			return idx;
		};
		const ai = await header("hosts-table", "Address");
		if (ai >= 0) {
			out.hosts_initial = await col("hosts-table", ai);
			await page.click(`#hosts-table thead th:nth-child(${ai + 1})`);
			out.hosts_after_click = await col("hosts-table", ai);
			await page.click(`#hosts-table thead th:nth-child(${ai + 1})`);
			out.hosts_after_second_click = await col("hosts-table", ai);
		}
		// filtering: type the first host's name into the hosts filter
		const ni = await header("hosts-table", "Name");
		if (ni >= 0 && await page.$("input[data-table=hosts-table]")) {
			const names = await col("hosts-table", ni);
			out.filter_text = names.find((n) => n !== "") || "";
			await page.type("input[data-table=hosts-table]", out.filter_text);
			out.filter_visible = await page.evaluate(() =>
				Array.from(document.getElementById("hosts-table").tBodies[0].rows)
					.filter((r) => !r.hidden && r.offsetParent !== null)
					.map((r) => r.textContent));
			out.filter_total = names.length;
		}
	} finally {
		await browser.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => { console.error(e && e.stack || String(e)); process.exit(1); });
