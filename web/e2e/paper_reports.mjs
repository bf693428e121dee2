// Paper trading and reports in a real browser (Debian's chromium driven by playwright-core): open a
// paper account, place a limit buy that rests (its first POST reaches the API but the browser sees
// the connection fail: the retry sends the same Idempotency-Key and the API answers the same
// order), place a market buy (the quote seeded through GET /v1/market/quotes, as the form's own
// look-up does), cancel the resting order, reset the account after its confirmation; then ask for
// the FY 2024-25 tax P&L as PDF (an impossible year refused by the form first) and follow it to
// its Download link, whose presigned URL answers a PDF; after a reload (and logging in again) the
// report is still listed from the API and downloads. Run by tests/e2e/test_web_app_paper.py;
// prints one JSON line with what it saw, exits non-zero on any failure.
//
// env: BASE_URL (the stack's REST URL serving web/dist), SHOTS (screenshot directory), CHROMIUM.
import { apiClient, apiLogin, check, inr, journeySettings, launchChromium, journeyPage, registerInApp } from "./support.mjs";
import { join } from "node:path";

const { base, shots } = journeySettings();
const apiAs = apiClient(base);

const email = `paper-${Date.now()}@example.com`;
const password = "Quiet-Harbour-Lamp-42";
const seen = {};

const browser = await launchChromium();
try {
  const { page, pageErrors } = await journeyPage(browser);

  // Register through the UI (the app logs in after registering); the journey's own API session
  await registerInApp(page, base, { name: "Paper Trader", email, password });
  const token = await apiLogin(base, email, password);

  // Open a paper account of ₹1,00,000: the app goes to its page
  await page.getByRole("link", { name: "Paper trading" }).click();
  await page.getByRole("heading", { name: "Paper trading", level: 1 }).waitFor();
  await page.getByText("No paper accounts yet").waitFor();
  await page.getByLabel("Name", { exact: true }).fill("Practice");
  await page.getByLabel("Paper starting balance (₹)").fill("100000");
  await page.getByRole("button", { name: "Open paper account" }).click();
  await page.getByRole("heading", { name: "Paper account: Practice" }).waitFor();
  const accounts = (await apiAs(token, "/v1/paper/accounts")).items;
  check(accounts.length === 1, `one paper account: ${JSON.stringify(accounts)}`);
  const accountId = accounts[0].accountId;
  seen.url = page.url();
  seen.available = (await page.getByTestId("paper-available").locator("dd").innerText()).trim();
  seen.notice = await page.getByTestId("paper-notice").isVisible();
  const ordersPath = `/v1/paper/accounts/${accountId}/orders`;

  // A limit buy at ₹1.00 rests. The first POST reaches the API, but the browser sees the connection
  // fail; the trader presses Place again: the same Idempotency-Key goes, the API answers the order
  // first placed, and there is one order.
  const keys = [];
  let dropped = false;
  await page.route(`**${ordersPath}`, async (route) => {
    const request = route.request();
    if (request.method() !== "POST") return route.continue();
    keys.push(request.headers()["idempotency-key"]);
    if (dropped) return route.continue();
    dropped = true;
    await route.fetch(); // placed by the API…
    return route.abort("connectionreset"); // …but the answer never arrives
  });
  const form = page.getByTestId("paper-order-form");
  await form.getByLabel("Symbol").fill("INFY");
  await form.getByLabel("Quantity (shares)").fill("1");
  await form.getByLabel("Limit price (₹)").fill("0");
  await form.getByRole("button", { name: "Place paper buy order" }).click();
  await form.getByText("The limit price must be more than zero.").waitFor(); // the form's own check
  check(keys.length === 0, "a zero limit price was sent");
  await form.getByLabel("Limit price (₹)").fill("1.00");
  await form.getByRole("button", { name: "Place paper buy order" }).click();
  await form.getByText("retries it safely").waitFor(); // the failed send, said in words
  await form.getByRole("button", { name: "Place paper buy order" }).click();
  const status = page.getByTestId("paper-status");
  await status.getByText("Paper order placed: BUY 1 NSE:INFY at ₹1.00 (LIMIT), pending.").waitFor();
  const afterLimit = (await apiAs(token, ordersPath)).items;
  seen.limit = {
    keys: keys.length,
    sameKey: keys.length === 2 && keys[0] === keys[1] && /^[0-9a-f-]{36}$/.test(keys[0]),
    orders: afterLimit.length,
    state: afterLimit[0]?.state,
  };
  const orders = page.getByTestId("paper-orders");
  const limitRow = orders.locator(`tr[data-order-id="${afterLimit[0].orderId}"]`);
  await limitRow.getByText("Pending", { exact: true }).waitFor();
  const heldApi = (await apiAs(token, `/v1/paper/accounts/${accountId}`)).balance.held;
  await page.getByTestId("paper-held").getByText(inr.format(heldApi)).waitFor();
  seen.held = heldApi;

  // A market buy of 2 INFY fills at once at the last quote (seeded as the form's look-up does)
  const quote = await apiAs(token, "/v1/market/quotes?symbols=NSE:INFY");
  seen.quote = quote["NSE:INFY"]?.ltp ?? null;
  check(seen.quote !== null, `no INFY quote: ${JSON.stringify(quote)}`);
  await form.getByLabel("Order type").selectOption("MARKET");
  check((await form.getByLabel("Limit price (₹)").count()) === 0, "a market order asks for a price");
  await form.getByLabel("Quantity (shares)").fill("2");
  await form.getByRole("button", { name: "Place paper buy order" }).click();
  await status.getByText("Paper order placed: BUY 2 NSE:INFY at market, executed.").waitFor();
  const holdings = page.getByTestId("paper-holdings");
  await holdings.getByRole("row", { name: /NSE:INFY/ }).waitFor();
  const portfolio = await apiAs(token, `/v1/paper/accounts/${accountId}/portfolio`);
  const infy = portfolio.holdings.find((h) => h.symbol === "INFY");
  const holdingCells = holdings.getByRole("row", { name: /NSE:INFY/ }).locator("td");
  seen.market = {
    productShown: (await holdingCells.nth(0).innerText()).trim(),
    quantityShown: (await holdingCells.nth(1).innerText()).trim(),
    api: infy ? { quantity: infy.quantity, free: infy.free } : null,
    orders: (await apiAs(token, ordersPath)).items.map((order) => [order.type, order.state]),
    newKey: keys.length === 3 && keys[2] !== keys[0],
  };
  await page.unroute(`**${ordersPath}`);

  // The account's own journal: its open INFY trade labelled Paper, as GET /v1/trades?accountId= has it
  const paperTrades = (await apiAs(token, `/v1/trades?accountId=${accountId}`)).items;
  const journal = page.getByTestId("paper-journal");
  const tradeRow = journal.getByTestId("paper-trades").getByRole("row", { name: /INFY/ });
  await tradeRow.waitFor();
  const paperSummary = await apiAs(token, `/v1/analytics/summary?accountId=${accountId}`);
  seen.journal = {
    apiTrades: paperTrades.map((trade) => [trade.symbol, trade.status, trade.quantity]),
    rows: await journal.getByTestId("paper-trades").locator("tbody tr").count(),
    shownId: await tradeRow.getAttribute("data-trade-id"),
    apiId: paperTrades[0]?.tradeId ?? null,
    label: (await tradeRow.locator(".badge").innerText()).trim(),
    closedShown: (await journal.getByTestId("paper-closed-trades").locator("dd").innerText()).trim(),
    closedApi: paperSummary.closedTrades,
    realTrades: (await apiAs(token, "/v1/trades")).items.length,
  };

  // Cancel the resting limit order: its row says so, the API agrees, and its hold is released
  await limitRow.getByRole("button", { name: "Cancel paper order: BUY 1 NSE:INFY at ₹1.00 (LIMIT)" }).click();
  await limitRow.getByText("Canceled", { exact: true }).waitFor();
  const account = await apiAs(token, `/v1/paper/accounts/${accountId}`);
  seen.canceled = {
    state: (await apiAs(token, `${ordersPath}/${afterLimit[0].orderId}`)).state,
    held: account.balance.held,
    totalShown: (await page.getByTestId("paper-total").locator("dd").innerText()).trim(),
    totalApi: account.balance.total,
  };
  await page.getByTestId("paper-total").getByText(inr.format(account.balance.total)).waitFor();
  await page.screenshot({ path: join(shots, "paper.png"), fullPage: true });
  await page.setViewportSize({ width: 360, height: 780 });
  seen.narrowWidth = await page.evaluate(() => globalThis.document.documentElement.scrollWidth);
  await page.screenshot({ path: join(shots, "paper-360.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // Reset: Cancel in its dialog keeps the account; confirming empties the holdings
  await page.getByRole("button", { name: "Reset paper account" }).click();
  const dialog = page.getByRole("dialog", { name: "Reset this paper account?" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "hidden" });
  check((await apiAs(token, `/v1/paper/accounts/${accountId}/portfolio`)).holdings.length === 1, "cancel reset the account");
  await page.getByRole("button", { name: "Reset paper account" }).click();
  await dialog.getByRole("button", { name: "Reset paper account" }).click();
  await status.getByText("Paper account reset to its starting balance of ₹1,00,000.00").waitFor();
  const reset = await apiAs(token, `/v1/paper/accounts/${accountId}/portfolio`);
  seen.reset = { holdings: reset.holdings.length, available: reset.balance.available };

  // Reports: an impossible financial year is refused by the form, without a request
  const posts = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().endsWith("/v1/reports")) posts.push(request.url());
  });
  await page.getByRole("link", { name: "Reports", exact: true }).click();
  await page.getByRole("heading", { name: "Reports", level: 1 }).waitFor();
  await page.getByRole("combobox", { name: /^Report type/ }).selectOption("tax_pnl");
  await page.getByLabel("Financial year").fill("2024-26");
  await page.getByRole("combobox", { name: /^Format/ }).selectOption("pdf");
  await page.getByRole("button", { name: "Make the report" }).click();
  await page.getByText("A financial year runs from April to March of the next year: 2024-25.").waitFor();
  seen.refusedPeriod = posts.length === 0;
  // The FY 2024-25 tax P&L as PDF: queued, then its Download link once the worker made it
  await page.getByLabel("Financial year").fill("2024-25");
  await page.getByRole("button", { name: "Make the report" }).click();
  const reports = page.getByTestId("reports");
  const row = reports.getByRole("row", { name: /Tax P&L statement 2024-25 \(PDF\)/ });
  await row.waitFor();
  seen.firstStatus = (await row.getByRole("status").innerText()).trim();
  const link = row.getByRole("link", { name: "Download tradetrack-tax-pnl-FY2024-25.pdf" });
  await link.waitFor({ timeout: 120_000 });
  const href = await link.getAttribute("href");
  const file = await fetch(href);
  const bytes = Buffer.from(await file.arrayBuffer());
  const reportId = await row.getAttribute("data-report-id");
  const api = await apiAs(token, `/v1/reports/${reportId}`);
  seen.report = {
    status: (await row.getByRole("status").innerText()).trim(),
    apiStatus: api.status,
    fetched: file.status,
    pdf: bytes.subarray(0, 5).toString("latin1"),
    disposition: file.headers.get("content-disposition"),
    posts: posts.length,
  };
  await page.screenshot({ path: join(shots, "reports.png"), fullPage: true });

  // A reload ends the session: after logging in again the report is still listed (GET
  // /v1/reports, without a URL), and its Download fetches a fresh URL and the browser downloads it
  await page.reload();
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await page.getByRole("heading", { name: "Reports", level: 1 }).waitFor();
  const listedRow = page.getByTestId("reports").locator(`tr[data-report-id="${reportId}"]`);
  await listedRow.waitFor();
  const listedStatus = (await listedRow.getByRole("status").innerText()).trim();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    listedRow.getByRole("button", { name: "Download tradetrack-tax-pnl-FY2024-25.pdf" }).click(),
  ]);
  seen.afterReload = { status: listedStatus, file: download.suggestedFilename() };

  check(pageErrors.length === 0, `page errors: ${pageErrors.join("; ")}`);
  console.log(JSON.stringify({ ok: true, ...seen }));
} catch (error) {
  for (const open of browser.contexts().flatMap((context) => context.pages())) {
    await open.screenshot({ path: join(shots, "paper-failure.png"), fullPage: true }).catch(() => undefined);
  }
  throw error;
} finally {
  await browser.close();
}
