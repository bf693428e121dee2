// How long after the login click the dashboard is usable, in a real browser (Debian's chromium
// driven by playwright-core). Run by tests/bench/test_dashboard_bench.py (`make bench`), which
// starts the local stack and gives the user their trades; also by scripts/dashboard_screenshot.py
// for the README's screenshot (SHOT=path).
//
// "Usable": the headline figures (Net P&L shows an amount) and the equity curve's canvas drawn,
// what the browser journey waits for. Each round is a fresh browser context (an empty HTTP cache,
// no session): load the app, fill the login form, then the clock starts at the click of "Log in"
// (performance.now() in the page, from a capturing click listener) and stops when a
// MutationObserver in the page sees both elements. The heatmap's time and the API requests'
// durations (resource timing) are kept for the record.
//
// env: BASE_URL (the stack's REST URL serving web/dist), EMAIL, PASSWORD, ROUNDS (default 5),
// SHOT (optional: a full-page screenshot of the dashboard after the last round; an absolute path), CHROMIUM (default
// /usr/bin/chromium). Prints one JSON line: {"rounds": [{usableMs, figuresMs, chartMs, heatmapMs,
// requests: {path: ms}}...]}; exits non-zero on any failure.
/* global window, document, MutationObserver -- watch() and the marks run in the page */
import { launchChromium } from "./support.mjs";

const base = process.env.BASE_URL;
const email = process.env.EMAIL;
const password = process.env.PASSWORD;
const rounds = Number(process.env.ROUNDS ?? "5");
if (!base || !email || !password) throw new Error("BASE_URL, EMAIL and PASSWORD are required");

// Installed in the page before the click: marks, relative to the click, when each part appears
function watch() {
  const marks = {};
  window.__dashboardMarks = marks;
  const button = [...document.querySelectorAll("button")].find((b) => b.textContent.trim() === "Log in");
  if (!button) throw new Error("no Log in button");
  button.addEventListener("click", () => (marks.click = performance.now()), { capture: true });
  const look = () => {
    if (marks.click === undefined) return;
    const now = performance.now() - marks.click;
    const figure = document.querySelector('[data-testid="net-pnl"] dd');
    if (marks.figures === undefined && figure && /₹/.test(figure.textContent)) marks.figures = now;
    const chart = document.querySelector('[aria-label="Equity curve and drawdown by day"] canvas');
    if (marks.chart === undefined && chart) marks.chart = now;
    if (marks.heatmap === undefined && document.querySelector('[data-testid="heatmap"] td[data-date]')) {
      marks.heatmap = now;
    }
  };
  new MutationObserver(look).observe(document.body, { childList: true, subtree: true, characterData: true });
}

const browser = await launchChromium();
const results = [];
try {
  for (let round = 0; round < rounds; round += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-IN" });
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(`${base}/`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.evaluate(watch);
    const wallStart = Date.now();
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    await page.getByTestId("net-pnl").locator("dd").getByText("₹").waitFor();
    await page.getByRole("img", { name: "Equity curve and drawdown by day" }).locator("canvas").first().waitFor();
    const wallMs = Date.now() - wallStart;
    await page.getByTestId("heatmap").locator("td[data-date]").first().waitFor();
    const marks = await page.evaluate(() => window.__dashboardMarks);
    const requests = await page.evaluate((clickAt) => {
      const seen = {};
      for (const entry of performance.getEntriesByType("resource")) {
        if (entry.startTime < clickAt) continue;
        const url = new URL(entry.name);
        const key = url.pathname.startsWith("/v1/") ? `${url.pathname}${url.search}` : url.pathname;
        seen[key] = Math.round(entry.responseEnd - entry.startTime);
      }
      return seen;
    }, marks.click);
    if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
    const usableMs = Math.max(marks.figures, marks.chart);
    if (!Number.isFinite(usableMs)) throw new Error(`marks missing: ${JSON.stringify(marks)}`);
    results.push({
      usableMs: Math.round(usableMs),
      figuresMs: Math.round(marks.figures),
      chartMs: Math.round(marks.chart),
      heatmapMs: Math.round(marks.heatmap),
      wallMs,
      requests,
    });
    if (round === rounds - 1 && process.env.SHOT) {
      await page.waitForTimeout(500); // the chart draws on animation frames after its canvas appears
      await page.screenshot({ path: process.env.SHOT, fullPage: true });
    }
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ rounds: results }));
