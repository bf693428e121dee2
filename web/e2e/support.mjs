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
