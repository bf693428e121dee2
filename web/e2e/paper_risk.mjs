// Risk limits and live paper updates in a real browser (Debian's chromium driven by playwright-core):
// open a paper account holding INFY and TCS (bought through the API); on the Risk page a zero limit
// is refused by the form without a request, then the trader's limits are saved (max order value
// ₹1,000, max position value ₹100, one open position) and the paper account's own max quantity;
// the market feed's monitor records two violations, a risk toast says so and the violations list
// shows them a page at a time (its page size cut to 1 here, so "Load more" follows the API's
// cursor); on the paper account's page a market buy over ₹1,000 is rejected and the toast gives
// the API's reason; a limit buy placed from outside the page (the journey's own API session) shows
// up in the page's orders and its hold in the balance cards while every read of the account is
// held back: only the WebSocket's paper_order and paper_balance frames can have put them there.
// Run by tests/e2e/test_web_app_risk.py (the market feed fired every second); prints one JSON line
// with what it saw, exits non-zero on any failure.
//
// env: BASE_URL (the stack's REST URL serving web/dist), SHOTS (screenshot directory), CHROMIUM.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { apiClient, apiLogin, check, inr, journeyPage, journeySettings, launchChromium, registerInApp, until } from "./support.mjs";

const { base, shots } = journeySettings();
const apiAs = apiClient(base);

const email = `risk-${Date.now()}@example.com`;
const password = "Quiet-Harbour-Lamp-42";
const seen = {};

function placeThroughApi(token, accountId, order) {
  return apiAs(token, `/v1/paper/accounts/${accountId}/orders`, {
    method: "POST",
    headers: { "Idempotency-Key": randomUUID() },
    body: JSON.stringify({ exchange: "NSE", side: "BUY", product: "CNC", validity: "DAY", ...order }),
  });
}

const browser = await launchChromium();
try {
  const { page, pageErrors } = await journeyPage(browser);
  await registerInApp(page, base, { name: "Risk Trader", email, password });
  const token = await apiLogin(base, email, password);

  // A paper account of ₹1,00,000, opened in the app
  await page.getByRole("link", { name: "Paper trading" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Risky");
  await page.getByLabel("Paper starting balance (₹)").fill("100000");
  await page.getByRole("button", { name: "Open paper account" }).click();
  await page.getByRole("heading", { name: "Paper account: Risky" }).waitFor();
  const accountId = (await apiAs(token, "/v1/paper/accounts")).items[0].accountId;
  const ordersPath = `/v1/paper/accounts/${accountId}/orders`;

  // It holds 1 INFY and 1 TCS, bought at market through the API (the quotes seeded first)
  const quotes = await apiAs(token, "/v1/market/quotes?symbols=NSE:INFY,NSE:TCS");
  const ltp = quotes["NSE:INFY"]?.ltp;
  check(ltp && quotes["NSE:TCS"]?.ltp, `quotes: ${JSON.stringify(quotes)}`);
  for (const symbol of ["INFY", "TCS"]) {
    const bought = await placeThroughApi(token, accountId, { symbol, type: "MARKET", quantity: 1 });
    check(bought.state === "executed", `${symbol} market buy: ${JSON.stringify(bought)}`);
  }

  // The Risk page; the violations list asks for 1 a page here (so "Load more" has a page to follow)
  const violationPages = [];
  await page.route("**/v1/risk/violations?**", (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set("limit", "1");
    violationPages.push(url.searchParams.get("cursor"));
    return route.continue({ url: url.toString() });
  });
  const puts = [];
  page.on("request", (request) => {
    if (request.method() === "PUT" && request.url().includes("/v1/risk/")) puts.push(new URL(request.url()).pathname);
  });
  await page.getByRole("link", { name: "Risk", exact: true }).click();
  await page.getByRole("heading", { name: "Risk limits", level: 1 }).waitFor();
  const userForm = page.getByTestId("risk-user-limits");
  await userForm.getByText("Never set.").waitFor();

  // A zero limit is refused beside its field, with no request; then the trader's limits are saved
  await userForm.getByLabel("Max order value (₹)").fill("0");
  await userForm.getByRole("button", { name: "Save your limits" }).click();
  await userForm.getByText("The limit must be more than zero (leave it empty for no limit).").waitFor();
  seen.refusedZero = puts.length === 0;
  await userForm.getByLabel("Max order value (₹)").fill("1,000");
  await userForm.getByLabel("Max position value per instrument (₹)").fill("100");
  await userForm.getByLabel("Max open positions").fill("1");
  await userForm.getByRole("button", { name: "Save your limits" }).click();
  await userForm.getByText(/^Saved at /).waitFor();
  const userLimits = await apiAs(token, "/v1/risk/limits");
  seen.userLimits = {
    maxOrderValue: userLimits.maxOrderValue,
    maxPositionValue: userLimits.maxPositionValue,
    maxOpenPositions: userLimits.maxOpenPositions,
    shown: await userForm.getByLabel("Max order value (₹)").inputValue(),
  };

  // The paper account's own limit: its form says which of yours apply, and the effective limits
  const accountForm = page.getByTestId("risk-account-limits");
  seen.accountChosen = await page.getByTestId("risk-account").inputValue();
  await accountForm.getByText(`Yours applies: ${inr.format(1000)}.`).waitFor();
  await accountForm.getByLabel("Max quantity per order").fill("100");
  await accountForm.getByRole("button", { name: "Save account limits" }).click();
  await accountForm.getByText(/^Saved at /).waitFor();
  const accountLimits = await apiAs(token, `/v1/risk/accounts/${accountId}/limits`);
  const effective = page.getByTestId("risk-effective");
  await effective.getByRole("row", { name: /Max quantity per order/ }).getByText("100", { exact: true }).waitFor();
  seen.accountLimits = {
    own: accountLimits.account.maxQuantityPerOrder,
    ownOrderValue: accountLimits.account.maxOrderValue,
    effectiveOrderValue: accountLimits.effective.maxOrderValue,
    effectiveShown: (await effective.getByRole("row", { name: /Max order value/ }).locator("td").innerText()).trim(),
  };
  seen.puts = puts;

  // The feed's monitor finds both limits breached (INFY's value over ₹100; two positions, one
  // allowed): a risk toast, and the list re-read, one violation a page, the second by its cursor
  const riskToast = page.getByTestId("toast").filter({ hasText: "Risk limit breached" }).first();
  await riskToast.waitFor({ timeout: 60_000 });
  seen.riskToast = (await riskToast.innerText()).replace(/\s+/g, " ").trim();
  const apiViolations = await until(
    async () => (await apiAs(token, `/v1/risk/violations?accountId=${accountId}&limit=50`)).items,
    (items) => items.length >= 2,
    "two violations recorded",
    60_000,
  );
  const violations = page.getByTestId("risk-violations");
  const loadMore = violations.getByRole("button", { name: "Load more violations" });
  await until(
    async () => {
      if ((await violations.locator("tbody tr").count()) < 2 && (await loadMore.isVisible())) await loadMore.click();
      return violations.locator("tbody tr").count();
    },
    (count) => count >= 2,
    "both violations listed",
  );
  const rows = await violations.locator("tbody tr").evaluateAll((trs) =>
    trs.map((tr) => ({
      id: tr.getAttribute("data-violation-id"),
      rule: tr.getAttribute("data-rule"),
      label: tr.querySelector("th")?.textContent?.trim(),
      pushed: tr.hasAttribute("data-new"), // marked New: a frame named it while the page was open
    })),
  );
  seen.violations = {
    api: apiViolations.map((item) => [item.violationId, item.rule]),
    shown: rows.map((row) => [row.id, row.rule]),
    labels: rows.map((row) => row.label),
    marked: rows.filter((row) => row.pushed).map((row) => row.id),
    cursors: violationPages.filter((cursor) => cursor !== null).length,
  };
  await page.screenshot({ path: join(shots, "risk.png"), fullPage: true });
  await page.setViewportSize({ width: 360, height: 780 });
  seen.narrowWidth = await page.evaluate(() => globalThis.document.documentElement.scrollWidth);
  await page.screenshot({ path: join(shots, "risk-360.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.unroute("**/v1/risk/violations?**");

  // On the account's page a market buy over ₹1,000 is rejected; the toast and the row say why
  await page.getByRole("link", { name: "Paper trading" }).click();
  await page.getByRole("link", { name: /^Paper account Risky/ }).click();
  await page.getByRole("heading", { name: "Paper account: Risky" }).waitFor();
  // the toasts are worded from the paper_order frames: no read of one order (GET …/orders/{orderId})
  const orderReads = [];
  const onOrderRead = (request) => {
    if (request.method() === "GET" && /\/v1\/paper\/accounts\/[^/]+\/orders\/[^/?]+$/.test(new URL(request.url()).pathname)) orderReads.push(request.url());
  };
  page.on("request", onOrderRead);
  const quantity = Math.floor(1000 / Number(ltp)) + 1; // just over ₹1,000 at the quote
  const form = page.getByTestId("paper-order-form");
  await form.getByLabel("Order type").selectOption("MARKET");
  await form.getByLabel("Symbol").fill("INFY");
  await form.getByLabel("Quantity (shares)").fill(String(quantity));
  await form.getByRole("button", { name: "Place paper buy order" }).click();
  const status = page.getByTestId("paper-status");
  await status.getByText(`Paper order placed: BUY ${quantity} NSE:INFY at market, rejected (`).waitFor();
  const rejected = (await apiAs(token, ordersPath)).items.find((order) => order.state === "rejected");
  check(rejected, "no rejected order in the API");
  const reason = rejected.history.at(-1).reason;
  const rejectToast = page.getByTestId("toast").filter({ hasText: "Paper order rejected: NSE:INFY" });
  await rejectToast.waitFor({ timeout: 30_000 });
  seen.rejection = {
    reason,
    status: (await status.innerText()).trim(),
    toast: (await rejectToast.innerText()).replace(/\s+/g, " ").trim(),
    row: (await page.locator(`tr[data-order-id="${rejected.orderId}"]`).innerText()).replace(/\s+/g, " ").trim(),
    orderReads: orderReads.length,
  };
  page.off("request", onOrderRead);
  await page.getByTestId("paper-held").getByText(inr.format(0)).waitFor();

  // From here no read of the account reaches the API (held back until the end): a limit buy placed
  // from outside the page must arrive by the WebSocket's frames, its hold in the balance cards and
  // the order in the list
  await page.waitForLoadState("networkidle");
  const accountPath = `/v1/paper/accounts/${accountId}`;
  const heldBack = [];
  await page.route(`**${accountPath}`, (route) => {
    if (route.request().method() !== "GET") return route.continue();
    heldBack.push(route);
    return undefined; // answered after the checks
  });
  const resting = await placeThroughApi(token, accountId, { symbol: "INFY", type: "LIMIT", quantity: 1, price: "1.00" });
  const balance = (await apiAs(token, accountPath)).balance;
  check(balance.held !== "0", `the limit buy holds nothing: ${JSON.stringify(balance)}`);
  await page.getByTestId("paper-held").getByText(inr.format(balance.held)).waitFor({ timeout: 30_000 });
  await page.getByTestId("paper-available").getByText(inr.format(balance.available)).waitFor();
  const restingRow = page.locator(`tr[data-order-id="${resting.orderId}"]`);
  await restingRow.getByText("Pending", { exact: true }).waitFor({ timeout: 30_000 });
  seen.frames = {
    held: balance.held,
    heldShown: (await page.getByTestId("paper-held").locator("dd").innerText()).trim(),
    availableShown: (await page.getByTestId("paper-available").locator("dd").innerText()).trim(),
    availableApi: balance.available,
    accountReadsHeldBack: heldBack.length,
    orderShown: await restingRow.getAttribute("data-state"),
  };
  await page.screenshot({ path: join(shots, "paper-risk.png"), fullPage: true });
  await page.unroute(`**${accountPath}`);
  for (const route of heldBack) await route.continue().catch(() => undefined);

  check(pageErrors.length === 0, `page errors: ${pageErrors.join("; ")}`);
  console.log(JSON.stringify({ ok: true, ...seen }));
} catch (error) {
  for (const open of browser.contexts().flatMap((context) => context.pages())) {
    await open.screenshot({ path: join(shots, "risk-failure.png"), fullPage: true }).catch(() => undefined);
  }
  throw error;
} finally {
  await browser.close();
}
