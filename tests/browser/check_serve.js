// check_serve.js - open every page of `smbwatch serve` in Debian's chromium
// (headless, driven by puppeteer-core) and print what a person would see,
// as one JSON object on stdout; tests/integration/test_serve.sh asserts on it.
//   node check_serve.js BASE_URL SHOT_DIR HOST_IP FILTER_IP [PAYLOAD...]
// Per page: console and page errors, requests to anything but BASE_URL
// (aborted: nothing leaves the machine), dialogs, <img>/<script> elements
// and inline handlers, painted pixels of each chart canvas. Plus: the
// inventory's rows, the rows left by a search, the order after clicks on
// the Service header, the host page's history and whether each PAYLOAD is
// in its text. A screenshot of each page goes to SHOT_DIR.
"use strict";
const fs = require("fs");
const path = require("path");
const os = require("os");
const puppeteer = require("puppeteer-core");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

async function main() {
	const [base, shots, hostIp, filterIp, ...payloads] = process.argv.slice(2);
	if (!base || !shots || !hostIp || !filterIp) {
		console.error("usage: node check_serve.js BASE_URL SHOT_DIR HOST_IP FILTER_IP [PAYLOAD...]");
		process.exit(2);
	}
	const origin = new URL(base).origin;
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), "smbwatch-chromium-"));
	const browser = await puppeteer.launch({
		executablePath: CHROMIUM,
		headless: true,
		userDataDir: profile,
		args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
			"--disable-background-networking", "--disable-component-update",
			"--disable-sync", "--metrics-recording-only", "--no-default-browser-check"],
	});
	const out = { pages: {} };
	let cur = null; // the page record events go to
	try {
		const page = await browser.newPage();
		await page.setViewport({ width: 1280, height: 900 });
		page.on("console", (m) => { if (m.type() === "error") cur.console_errors.push(m.text()); });
		page.on("pageerror", (e) => cur.page_errors.push(String(e.message || e)));
		page.on("dialog", async (d) => { cur.dialogs.push(d.type() + ": " + d.message()); await d.dismiss(); });
		await page.setRequestInterception(true);
		page.on("request", (req) => {
			if (new URL(req.url()).origin === origin) return req.continue();
			cur.outside_requests.push(req.url());
			return req.abort(); // recorded, never sent
		});
		const fresh = (name) => {
			cur = { console_errors: [], page_errors: [], outside_requests: [], dialogs: [] };
			out.pages[name] = cur;
			return cur;
		};
		const loaded = () => page.evaluate(() => document.body.dataset.loaded || "");
		// set the hash and wait until the router has drawn the page
		const go = async (hash) => {
			const before = await loaded();
			await page.evaluate((h) => { location.hash = h; }, hash);
			await page.waitForFunction((b) => (document.body.dataset.loaded || "") !== b,
				{ timeout: 30000 }, before);
		};
		const dom = async (rec) => {
			Object.assign(rec, await page.evaluate(() => {
				let handlers = 0;
				document.querySelectorAll("*").forEach((e) => {
					for (const a of e.attributes) if (/^on/i.test(a.name)) handlers++;
				});
				const charts = {};
				document.querySelectorAll("canvas").forEach((c) => {
					const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
					let n = 0;
					for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
					charts[c.id || "canvas"] = n;
				});
				return {
					img_count: document.querySelectorAll("img").length,
					script_count: document.querySelectorAll("script").length,
					inline_handlers: handlers,
					js_links: [...document.querySelectorAll("a")].filter((a) => /^\s*javascript:/i.test(a.getAttribute("href") || "")).length,
					charts,
					// a load error, or a value the page failed to turn into text
					error: (document.getElementById("load-error") || {}).textContent ||
						((/\[object Object\]|\bundefined\b|\bNaN\b/.exec(document.body.innerText) || [])[0]) || null,
				};
			}));
		};
		const rows = () => page.evaluate(() =>
			[...document.querySelectorAll("#inv-table tbody tr")].map((r) => r.dataset.ip + ":" + r.dataset.port));

		// overview (the first load)
		let rec = fresh("overview");
		await page.goto(base, { waitUntil: "load", timeout: 60000 });
		await page.waitForFunction(() => document.body.dataset.page === "overview", { timeout: 30000 });
		await new Promise((r) => setTimeout(r, 500)); // the charts draw after the DOM
		await dom(rec);
		rec.external_rows = await page.evaluate(() => document.querySelectorAll("#external tbody tr").length);
		rec.external_color = await page.evaluate(() => getComputedStyle(document.querySelector("#external h2")).color);
		// the exports of the latest run that the page links: fetched from the page
		rec.exports = await page.evaluate(async () => {
			const got = {};
			for (const id of ["export-nmap", "export-html"]) {
				const a = document.getElementById(id);
				if (!a) { got[id] = "no link"; continue; }
				const r = await fetch(a.getAttribute("href"));
				const t = await r.text();
				got[id] = r.status + " " + (/<nmaprun|<html/i.test(t) ? "report" : "other") + " " +
					(r.headers.get("content-disposition") || "").split(";")[0];
			}
			return got;
		});
		rec.next_due_cells = await page.evaluate(() => document.querySelectorAll("#last-runs tbody tr").length);
		await page.screenshot({ path: path.join(shots, "serve-overview.png"), fullPage: true });

		// inventory, a search, a sort
		rec = fresh("inventory");
		await go("#/inventory");
		await dom(rec);
		rec.rows = await rows();
		await page.screenshot({ path: path.join(shots, "serve-inventory.png"), fullPage: true });
		await page.evaluate((ip) => { document.getElementById("f-q").value = ip; }, filterIp);
		let before = await loaded();
		await page.click("#f-apply");
		await page.waitForFunction((b) => (document.body.dataset.loaded || "") !== b, { timeout: 30000 }, before);
		rec.filtered_rows = await rows();
		await go("#/inventory");
		before = await loaded();
		await page.click('button[data-sort="address"]'); // address ascending -> descending
		await page.waitForFunction((b) => (document.body.dataset.loaded || "") !== b, { timeout: 30000 }, before);
		rec.sorted_desc_rows = await rows();

		// changes
		rec = fresh("changes");
		await go("#/changes");
		await dom(rec);
		rec.events = await page.evaluate(() =>
			[...document.querySelectorAll("#changes-table tbody tr")].map((r) => r.dataset.event));
		rec.rate_row = await page.evaluate(() => {
			const r = document.querySelector('#changes-table tr[data-event="attack_rate_changed"]');
			return r ? r.cells[3].innerText.trim() + "|" + r.cells[4].innerText.trim() : null;
		});
		await page.screenshot({ path: path.join(shots, "serve-changes.png"), fullPage: true });

		// one host
		rec = fresh("host");
		await go("#/host?ip=" + encodeURIComponent(hostIp));
		await dom(rec);
		rec.history = await page.evaluate(() =>
			[...document.querySelectorAll("#history tbody tr")].map((r) => r.dataset.status));
		const text = await page.evaluate(() => document.body.innerText);
		rec.payloads_in_text = payloads.map((p) => text.includes(p));
		rec.sensor_alerts = await page.evaluate(() => document.querySelectorAll("#host-sensor-alerts tbody tr").length);
		await page.screenshot({ path: path.join(shots, "serve-host.png"), fullPage: true });

		// the sensor (empty until `sensor --db` wrote; all of it shown)
		rec = fresh("sensor");
		await go("#/sensor?days=3650");
		await new Promise((r) => setTimeout(r, 500)); // the chart draws after the DOM
		await dom(rec);
		rec.tables = await page.evaluate(() => Object.fromEntries(
			["sensor-totals", "sensor-talkers", "sensor-smb1", "sensor-smb1-usage"].map((id) =>
				[id, document.querySelectorAll("#" + id + " tbody tr").length])));
		rec.empty = await page.evaluate(() => !!document.getElementById("sensor-empty"));
		await page.screenshot({ path: path.join(shots, "serve-sensor.png"), fullPage: true });

		// exposure: one row per host and view, "ip view" in page order
		rec = fresh("exposure");
		await go("#/exposure");
		await dom(rec);
		rec.rows = await page.evaluate(() =>
			[...document.querySelectorAll("#exposure tbody tr")].map((r) => r.dataset.ip + " " + r.dataset.view));
		await page.screenshot({ path: path.join(shots, "serve-exposure.png"), fullPage: true });
	} finally {
		await browser.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => { console.error(e); process.exit(1); });
