// A trader's first journey in a real browser (Debian's chromium driven by playwright-core):
// register through the UI, import a tradebook through the UI, see the dashboard figures equal the
// API's, and the trades table list the API's trades. Run by tests/e2e/test_web_app.py, which starts
// the local stack; prints one JSON line with what it saw and exits non-zero on any failure.
//
// env: BASE_URL (the stack's REST URL serving web/dist), CSV (a tradebook file), SHOTS (screenshot
// directory), CHROMIUM (default /usr/bin/chromium).
import { apiClient, check, inr, journeySettings, launchChromium } from "./support.mjs";
import { join } from "node:path";

const { base, shots } = journeySettings("CSV");
const csv = process.env.CSV;
const apiAs = apiClient(base);

const email = `trader-${Date.now()}@example.com`;
const password = "Quiet-Harbour-Lamp-42";
const seen = {};

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "en-IN" });
  page.setDefaultTimeout(15_000);
  const consoleErrors = [];
  page.on("pageerror", (error) => consoleErrors.push(String(error)));

  // Register through the UI (the app logs in after registering)
  await page.goto(`${base}/`);
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Name").fill("Asha Trader");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  await page.getByText("No trades in this period").waitFor();
  seen.registered = email;

  // Import the tradebook through the UI and read the per-line report
  await page.getByRole("link", { name: "Imports" }).click();
  await page.getByLabel("CSV file (drop it here or choose)").setInputFiles(csv);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const imported = Number(await page.getByTestId("imported").innerText());
  seen.imported = imported;
  check(imported > 0, `the import report shows ${imported} fills imported`);
  await page.screenshot({ path: join(shots, "imports.png"), fullPage: true });

  // The API's own figures, read with a session of our own (the page's tokens stay in its memory)
  const login = await fetch(`${base}/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  check(login.ok, `login: ${login.status}`);
  const { accessToken } = await login.json();
  const summary = await apiAs(accessToken, "/v1/analytics/summary");
  const trades = await apiAs(accessToken, "/v1/trades?limit=50");

  // Dashboard: the figures as the API computed them, formatted en-IN
  await page.getByRole("link", { name: "Dashboard" }).click();
  const netPnl = page.getByTestId("net-pnl").locator("dd");
  await netPnl.getByText(inr.format(summary.netPnl)).waitFor();
  seen.netPnl = await netPnl.innerText();
  const charges = await page.getByTestId("charges").locator("dd").innerText();
  check(charges.startsWith(inr.format(summary.charges)), `charges shown ${charges}, API ${summary.charges}`);
  const winRate = await page.getByTestId("win-rate").locator("dd").innerText();
  const expectedWinRate = `${(summary.winRate * 100).toFixed(1)}%`;
  check(winRate.startsWith(expectedWinRate), `win rate shown ${winRate}, API ${summary.winRate}`);
  const expectancy = await page.getByTestId("expectancy").locator("dd").innerText();
  check(expectancy.includes(inr.format(summary.expectancy)), `expectancy ${expectancy}, API ${summary.expectancy}`);
  await page.getByRole("img", { name: "Equity curve and drawdown by day" }).locator("canvas").first().waitFor();
  seen.dashboard = { netPnl: summary.netPnl, charges: summary.charges, winRate: summary.winRate };

  // The period picker: a custom range of one day asks the API for that range
  const day = await apiAs(accessToken, "/v1/analytics/summary?from=2024-04-05&to=2024-04-05");
  await page.getByLabel("Period").selectOption("custom");
  await page.getByLabel("From").fill("2024-04-05");
  await page.getByLabel("To").fill("2024-04-05");
  await netPnl.getByText(inr.format(day.netPnl)).waitFor();
  seen.dayNetPnl = day.netPnl;
  // An impossible custom range is refused in the form, before any request
  await page.getByLabel("To").fill("2024-04-01");
  await page.getByRole("alert").getByText("The start is after the end.").waitFor();
  await page.getByLabel("Period").selectOption("all");
  await netPnl.getByText(inr.format(summary.netPnl)).waitFor();

  // The calendar heatmap: a cell for every day of the API's daily series, labelled with its P&L
  const daily = await apiAs(accessToken, "/v1/analytics/timeseries?interval=day");
  const heatmap = page.getByTestId("heatmap");
  await heatmap.waitFor();
  // (the series fills quiet days with zeros: a day traded when a trade closed or P&L was realised)
  const tradedDays = daily.items.filter((item) => item.trades > 0 || Number(item.netPnl) !== 0);
  check(tradedDays.length > 0, "the API's daily series has no traded day");
  for (const item of tradedDays) {
    const cell = heatmap.locator(`td[data-date="${item.period}"]`);
    const label = await cell.getAttribute("aria-label");
    check(label?.includes(`net P&L ${inr.format(item.netPnl)}`), `heatmap ${item.period}: ${label}, API ${item.netPnl}`);
    check((await cell.getAttribute("data-traded")) === "true", `heatmap ${item.period} is not marked traded`);
  }
  const tradedCells = await heatmap.locator('td[data-traded="true"]').count();
  check(tradedCells === tradedDays.length, `heatmap traded cells ${tradedCells}, API traded days ${tradedDays.length}`);
  for (const [key, testId, words] of [["bestDay", "best-day", "best day"], ["worstDay", "worst-day", "worst day"]]) {
    const api = summary[key];
    if (!api) continue;
    // the figure is the API's, and its cell in the heatmap says which day it is
    const shown = await page.getByTestId(testId).locator("dd").innerText();
    check(shown.includes(inr.format(api.netPnl)), `${words} shown ${shown}, API ${api.netPnl}`);
    const label = await heatmap.locator(`td[data-date="${api.date}"]`).getAttribute("aria-label");
    check(label?.includes(words), `the ${words}'s cell (${api.date}) reads ${label}`);
  }
  // Keyboard: one tab stop in the heatmap, the arrow keys move between days
  const start = heatmap.locator('td[tabindex="0"]');
  const startDate = await start.getAttribute("data-date");
  await start.focus();
  await page.keyboard.press("ArrowRight");
  const movedTo = await page.evaluate(() => globalThis.document.activeElement?.getAttribute("data-date"));
  const nextDay = new Date(Date.parse(`${startDate}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
  check(movedTo === nextDay || movedTo === startDate, `ArrowRight from ${startDate} focused ${movedTo}`);
  seen.heatmap = { days: tradedDays.length, cells: tradedCells };
  await page.screenshot({ path: join(shots, "dashboard.png"), fullPage: true });
  await page.setViewportSize({ width: 360, height: 780 });
  const heatmapWidth = await heatmap.evaluate((element) => element.scrollWidth);
  check(heatmapWidth <= 360, `the heatmap is ${heatmapWidth} px wide at 360 px`);
  await page.screenshot({ path: join(shots, "dashboard-360.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // Analytics: the breakdown by symbol, row by row as GET /v1/analytics/by-symbol has it
  const bySymbol = await apiAs(accessToken, "/v1/analytics/by-symbol");
  await page.getByRole("link", { name: "Analytics" }).click();
  await page.getByLabel("Break down by").selectOption("symbol");
  await page.getByRole("table").getByText("Closed trades by symbol").waitFor();
  const groups = page.locator("table tbody tr");
  // The caption changes before the new rows arrive: wait for the symbol rows, not the caption alone
  if (bySymbol.items.length > 0) {
    await page.getByRole("rowheader", { name: bySymbol.items[0].key, exact: true }).waitFor();
  }
  const deadline = Date.now() + 15000;
  while ((await groups.count()) !== bySymbol.items.length && Date.now() < deadline) {
    await page.waitForTimeout(100);
  }
  check((await groups.count()) === bySymbol.items.length, `symbol rows ${await groups.count()}, API ${bySymbol.items.length}`);
  for (const group of bySymbol.items) {
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: group.key, exact: true }) });
    const cells = await row.locator("td").allInnerTexts();
    check(cells[2]?.endsWith(inr.format(group.netPnl)), `${group.key} net P&L ${cells[2]}, API ${group.netPnl}`);
  }
  seen.analytics = bySymbol.items.length;
  await page.screenshot({ path: join(shots, "analytics.png"), fullPage: true });

  // Positions: the open positions GET /v1/positions lists, each with its unrealised P&L
  const positions = await apiAs(accessToken, "/v1/positions");
  await page.getByRole("link", { name: "Positions" }).click();
  await page.getByRole("heading", { name: "Open positions" }).waitFor();
  await page.getByRole("rowheader", { name: positions.items[0].symbol, exact: false }).waitFor();
  const positionRows = page.locator("table tbody tr");
  check((await positionRows.count()) === positions.items.length, `position rows ${await positionRows.count()}, API ${positions.items.length}`);
  for (const position of positions.items) {
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: position.symbol }) });
    const cells = await row.locator("td").allInnerTexts();
    check(cells[4]?.endsWith(inr.format(position.unrealizedPnl)), `${position.symbol} unrealised ${cells[4]}, API ${position.unrealizedPnl}`);
  }
  seen.positions = positions.items.length;

  // Trades: every trade the API lists, then the closed ones through the status filter
  await page.getByRole("link", { name: "Trades" }).click();
  check((await page.title()) === "Trades · TradeTrack", `title after navigating: ${await page.title()}`);
  const focused = await page.evaluate(() => globalThis.document.activeElement?.id);
  check(focused === "main", `focus after navigating is on #${focused}, not the page's content`);
  const rows = page.locator("table tbody tr");
  await page.getByRole("row").filter({ hasText: trades.items[0].symbol }).first().waitFor();
  check((await rows.count()) === trades.items.length, `table rows ${await rows.count()}, API ${trades.items.length}`);
  const closed = trades.items.filter((trade) => trade.status === "closed");
  await page.getByLabel("Status").selectOption("closed");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByText(`Page 1 · ${closed.length} trades`, { exact: false }).waitFor();
  check((await rows.count()) === closed.length, `closed rows ${await rows.count()}, API ${closed.length}`);
  seen.trades = { all: trades.items.length, closed: closed.length };
  await page.screenshot({ path: join(shots, "trades.png"), fullPage: true });

  // A trade's detail from its row: fills, charges, holding time; annotate it and see it saved
  const target = closed[0];
  await page.locator(`a[href="/trades/${encodeURIComponent(target.tradeId)}"]`).click();
  await page.getByRole("heading", { level: 1, name: new RegExp(`^${target.symbol}`) }).waitFor();
  check((await page.title()) === `${target.symbol} trade · TradeTrack`, `detail title: ${await page.title()}`);
  const fillRows = page.getByTestId("fills").locator("tbody tr");
  await fillRows.first().waitFor();
  check((await fillRows.count()) === target.executionIds.length, `fills ${await fillRows.count()}, API ${target.executionIds.length}`);
  const tradeCharges = await page.getByTestId("trade-charges").locator("dd").innerText();
  check(tradeCharges.startsWith(inr.format(target.charges)), `trade charges ${tradeCharges}, API ${target.charges}`);
  await page.getByTestId("price-chart").locator("canvas").first().waitFor();
  const note = "Entered on the retest; exit was early.";
  await page.getByLabel("Notes", { exact: true }).fill(note);
  await page.getByLabel("Tags", { exact: true }).fill("Breakout, patience");
  await page.getByLabel("Strategy", { exact: true }).fill("Opening range breakout");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByTestId("save-state").getByText("Saved at").waitFor();
  const stored = await apiAs(accessToken, `/v1/trades/${encodeURIComponent(target.tradeId)}`);
  check(stored.notes === note, `the API has notes ${JSON.stringify(stored.notes)}`);
  check(JSON.stringify(stored.tags) === JSON.stringify(["breakout", "patience"]), `the API has tags ${stored.tags}`);
  check(stored.strategy === "Opening range breakout", `the API has strategy ${stored.strategy}`);
  await page.screenshot({ path: join(shots, "trade-detail.png"), fullPage: true });
  // At 360 px (the narrowest phone the issue names) the detail fits: its content does not scroll sideways
  await page.setViewportSize({ width: 360, height: 780 });
  const detailWidth = await page.evaluate(() => globalThis.document.querySelector(".trade-detail")?.scrollWidth ?? 0);
  check(detailWidth > 0 && detailWidth <= 360, `the trade detail is ${detailWidth} px wide at 360 px`);
  await page.screenshot({ path: join(shots, "trade-detail-360.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // A failed save: the API's message shows, the trade is put back, the form keeps the edit
  const category = page.getByTestId("trade-category").locator("dd");
  const before = await category.innerText();
  await page.route("**/v1/trades/*", (route) =>
    route.request().method() === "PATCH"
      ? route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "UNAVAILABLE", message: "The journal is busy, try again" } }),
        })
      : route.continue(),
  );
  await page.getByLabel("Category", { exact: true }).selectOption("swing");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await page.getByRole("alert").getByText("The journal is busy, try again (UNAVAILABLE)").waitFor();
  check((await category.innerText()) === before, `after a failed save the category reads ${await category.innerText()}`);
  check((await page.getByLabel("Category", { exact: true }).inputValue()) === "swing", "the form lost the edit");
  await page.unroute("**/v1/trades/*");
  // The category override saved, then put back to automatic (the API computes it again)
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await category.getByText("Swing").waitFor();
  await page.getByTestId("save-state").getByText("Saved at").waitFor();
  check((await apiAs(accessToken, `/v1/trades/${encodeURIComponent(target.tradeId)}`)).category === "swing", "the API has no override");
  await page.getByLabel("Category", { exact: true }).selectOption("auto");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await category.getByText(before).waitFor();
  const automatic = await apiAs(accessToken, `/v1/trades/${encodeURIComponent(target.tradeId)}`);
  check(automatic.category === target.category, `back to automatic: ${automatic.category}, was ${target.category}`);
  seen.categoryOverride = true;

  // A reload ends the in-memory session: log in again, and the same trade shows what was saved
  await page.reload();
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: new RegExp(`^${target.symbol}`) }).waitFor();
  await page.getByLabel("Notes", { exact: true }).waitFor();
  check((await page.getByLabel("Notes", { exact: true }).inputValue()) === note, "the note is not there after a reload");
  check((await page.getByLabel("Tags", { exact: true }).inputValue()) === "breakout, patience", "the tags are not there after a reload");
  seen.annotated = { tradeId: target.tradeId, tags: stored.tags };

  // Back to the table: the tag filter finds the annotated trade, its tags in the row
  await page.getByRole("link", { name: "← All trades" }).click();
  // focus comes back to the trade's link in the table
  const targetHref = `/trades/${encodeURIComponent(target.tradeId)}`;
  await page.waitForFunction((href) => globalThis.document.activeElement?.getAttribute("href") === href, targetHref);
  await page.getByLabel("Tag", { exact: true }).fill("patience");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByText("Page 1 · 1 trades").waitFor();
  const tagged = await rows.first().innerText();
  check(tagged.includes("breakout") && tagged.includes(target.symbol), `tagged row: ${tagged}`);
  await page.getByLabel("Tag", { exact: true }).fill("");

  // Keyset paging: more trades through the API (one intraday round trip a day), 25 rows a page
  const header = "symbol,isin,trade_date,exchange,segment,series,trade_type,auction,quantity,price,trade_id,order_id,order_execution_time";
  const lines = [header];
  for (let day = 0; day < 30; day += 1) {
    const date = new Date(Date.UTC(2024, 5, 1 + day)).toISOString().slice(0, 10);
    const id = 80000000 + day * 2;
    lines.push(`SBIN,INE062A01020,${date},NSE,EQ,EQ,buy,false,5,800.00,${id},${id},${date}T09:30:00`);
    lines.push(`SBIN,INE062A01020,${date},NSE,EQ,EQ,sell,false,5,801.50,${id + 1},${id + 1},${date}T10:30:00`);
  }
  const more = await fetch(`${base}/v1/imports`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ format: "zerodha_tradebook", csv: lines.join("\n") + "\n", accountId: "import" }),
  });
  check(more.ok, `second import: ${more.status}`);
  const first = await apiAs(accessToken, "/v1/trades?limit=25");
  check(first.nextCursor, "the API has a second page of 25");
  const second = await apiAs(accessToken, `/v1/trades?limit=25&cursor=${encodeURIComponent(first.nextCursor)}`);
  await page.getByLabel("Status").selectOption("");
  await page.getByLabel("Rows per page").selectOption("25");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByText("Page 1 · 25 trades").waitFor();
  await page.getByRole("button", { name: "Next page" }).click();
  await page.getByText(`Page 2 · ${second.items.length} trades`).waitFor();
  const pageTwo = await rows.locator("th").allInnerTexts();
  check(pageTwo.length === second.items.length, `page 2 rows ${pageTwo.length}, API ${second.items.length}`);
  await page.getByRole("button", { name: "Previous page" }).click();
  await page.getByText("Page 1 · 25 trades").waitFor();
  seen.paging = { first: first.items.length, second: second.items.length };
  // Sorting: the Net P&L header orders the table biggest first, as the API's ?sort=-netPnl does
  const byPnl = await apiAs(accessToken, "/v1/trades?limit=25&sort=-netPnl");
  const pnlHeader = page.getByRole("columnheader", { name: "Net P&L" });
  const sortedReply = page.waitForResponse((reply) => reply.url().includes("sort=-netPnl") && reply.ok());
  await pnlHeader.getByRole("button").click();
  await sortedReply;
  await pnlHeader.and(page.locator('[aria-sort="descending"]')).waitFor();
  await page.getByText("Page 1 · 25 trades").waitFor();
  await page.locator(`table tbody tr:first-child a[href="/trades/${encodeURIComponent(byPnl.items[0].tradeId)}"]`).waitFor();
  const sortedIds = (await rows.locator("th a").evaluateAll((links) => links.map((a) => a.getAttribute("href"))))
    .map((href) => decodeURIComponent(href.slice("/trades/".length)));
  const apiIds = byPnl.items.map((trade) => trade.tradeId);
  check(sortedIds.join() === apiIds.join(), `rows by net P&L ${sortedIds.slice(0, 3)}, API ${apiIds.slice(0, 3)}`);
  await page.getByRole("columnheader", { name: "Opened" }).getByRole("button").click(); // back to newest opened
  await page.getByRole("columnheader", { name: "Opened" }).and(page.locator('[aria-sort="descending"]')).waitFor();
  seen.sortedByPnl = sortedIds.length;
  // (read now: the session used for the API ends below)
  const months = await apiAs(accessToken, "/v1/analytics/timeseries?interval=month&from=2024-04-01&to=2025-03-31");

  // The session ends elsewhere (logout everywhere): the next request's refresh is refused, the app
  // asks to log in again over the page, and the page (its filters) is still there after it
  const everywhere = await fetch(`${base}/v1/auth/logout-all`, {
    method: "POST",
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  check(everywhere.status === 204, `logout-all: ${everywhere.status}`);
  await page.getByLabel("Symbol").fill("SBIN");
  await page.getByRole("button", { name: "Apply" }).click();
  const dialog = page.getByRole("dialog", { name: "Log in again" });
  await dialog.getByText("Your session expired").waitFor();
  await page.screenshot({ path: join(shots, "session-expired.png"), fullPage: true });
  await dialog.getByLabel("Password").fill(password);
  await dialog.getByRole("button", { name: "Log in", exact: true }).click();
  await dialog.waitFor({ state: "detached" });
  await page.getByText("Page 1 · 25 trades").waitFor(); // 30 SBIN day trades, 25 a page
  check((await page.getByLabel("Symbol").inputValue()) === "SBIN", "the filter survived the login");
  seen.reloginKeptPage = true;

  // A financial year on the dashboard: the heatmap lays out its 12 months, each captioned with the
  // API's month figure (April's fixture trades and June's 30 day trades)
  await page.getByRole("link", { name: "Dashboard" }).click();
  await page.getByLabel("Period").selectOption({ label: "FY 2024-25" });
  await page.getByRole("heading", { name: "Daily P&L · FY 2024-25" }).waitFor();
  const monthTables = page.getByTestId("heatmap").locator("table.month");
  await monthTables.nth(11).waitFor();
  check((await monthTables.count()) === 12, `FY heatmap months ${await monthTables.count()}`);
  for (const month of months.items.filter((item) => item.trades > 0)) {
    const name = new Date(`${month.period.slice(0, 7)}-01T00:00:00Z`).toLocaleString("en-IN", { month: "long", year: "numeric", timeZone: "UTC" });
    const caption = page.getByTestId("heatmap").locator("caption").filter({ hasText: name });
    await caption.getByText(inr.format(month.netPnl)).waitFor();
  }
  seen.fyMonths = months.items.length;
  await page.screenshot({ path: join(shots, "dashboard-fy.png"), fullPage: true });

  // Log out: back to the login form
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  check(consoleErrors.length === 0, `page errors: ${consoleErrors.join("; ")}`);
  console.log(JSON.stringify({ ok: true, ...seen }));
} finally {
  await browser.close();
}
