// What the browser journeys share: Debian's chromium through playwright-core, checks that fail
// the journey with a message, the API as a given user, and polling until a condition holds.
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

export const inr = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR" });

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** The system's chromium (CHROMIUM, else /usr/bin/chromium), headless. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}

/** `apiAs(token, path, init)` against `base`: JSON bodies, a failed status fails the journey
 * with the API's answer; a 204 gives null. */
export function apiClient(base) {
  return async function apiAs(token, path, init = {}) {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(init.headers ?? {}) },
    });
    check(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
    return response.status === 204 ? null : response.json();
  };
}

/** Read until `ok(value)` or `timeoutMs` passes (then the journey fails naming `what`). */
export async function until(read, ok, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  check(ok(value), `${what}: ${JSON.stringify(value)}`);
  return value;
}

/** BASE_URL, SHOTS (default build/web-screenshots, created) and the other `required` variables. */
export function journeySettings(...required) {
  const missing = ["BASE_URL", ...required].filter((name) => !process.env[name]);
  if (missing.length > 0) throw new Error(`${missing.join(" and ")} required`);
  const shots = process.env.SHOTS ?? "build/web-screenshots";
  mkdirSync(shots, { recursive: true });
  return { base: process.env.BASE_URL, shots };
}

/** Register `name`/`email`/`password` through the app's form (it logs in after registering) and
 * wait for the dashboard. */
export async function registerInApp(page, base, { name, email, password }) {
  await page.goto(`${base}/`);
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
}

/** An access token of a session of the journey's own (`POST /v1/auth/login`), for `apiAs`. */
export async function apiLogin(base, email, password) {
  const login = await fetch(`${base}/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  check(login.ok, `login: ${login.status}`);
  return (await login.json()).accessToken;
}

/** A 1280 × 900 en-IN page in a context of its own, with a 20 s default timeout; `pageErrors`
 * collects the page's uncaught errors (a journey ends by checking there are none). */
export async function journeyPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-IN" });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  return { context, page, pageErrors };
}
