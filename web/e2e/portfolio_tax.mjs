// Imports, positions and tax in a real browser (Debian's chromium driven by playwright-core):
// upload a Zerodha tradebook through the file input by the background upload flow (ticket →
// presigned PUT to the local S3 → start → progress to done, figures equal the API's import
// status); see positions marked at live prices from the WebSocket's quote frames (the shown
// unrealised P&L equal the API's for the same price); open the tax P&L for FY 2024-25 and check
// its heads against GET /v1/analytics/tax-pnl; resolve a sell without a buy on the Data quality
// page (the form refuses a missing price first) and close an expired option with its settlement
// price form, and see the API agree.
// Run by tests/e2e/test_web_app_tax.py; prints one JSON line with what it saw, exits non-zero on
// any failure.
//
// env: BASE_URL (the stack's REST URL serving web/dist), CSV (the tradebook), SHOTS (screenshot
// directory), CHROMIUM (default /usr/bin/chromium).
import { apiClient, apiLogin, check, inr, journeySettings, launchChromium, journeyPage, registerInApp, until } from "./support.mjs";
import { join } from "node:path";

const { base, shots } = journeySettings("CSV");
const csv = process.env.CSV;
const apiAs = apiClient(base);

const email = `tax-${Date.now()}@example.com`;
const password = "Amber-Ledger-Kite-73";
const seen = {};

const browser = await launchChromium();
try {
  const { page, pageErrors } = await journeyPage(browser);
  const quotes = new Map(); // the last quote frame of each symbol the page received
  const ticks = new Map(); // how many quote frames of each symbol
  page.on("websocket", (socket) => {
    socket.on("framereceived", (frame) => {
      try {
        const data = JSON.parse(String(frame.payload));
        if (data.type === "quote") {
          quotes.set(data.symbol, data.ltp);
          ticks.set(data.symbol, (ticks.get(data.symbol) ?? 0) + 1);
        }
        if (data.type === "subscribed") for (const quote of data.quotes ?? []) quotes.set(quote.symbol, quote.ltp);
        if (data.type !== "quote") console.error(`frame: ${String(frame.payload).slice(0, 200)}`);
      } catch {
        // not JSON
      }
    });
  });

  // Every WebSocket of the page goes through a route that forwards it both ways (and counts the
  // page's subscribe frames), so the journey can drop a connection as a network would
  const sockets = [];
  const subscribes = [];
  await page.routeWebSocket(/token=/, (route) => {
    const server = route.connectToServer();
    route.onMessage((message) => {
      if (String(message).includes('"subscribe"')) subscribes.push(String(message));
      server.send(message);
    });
    server.onMessage((message) => route.send(message));
    sockets.push({ route, server });
  });

  // Register through the UI; the journey's own API session reads what the API says
  await registerInApp(page, base, { name: "Meera Trader", email, password });
  const accessToken = await apiLogin(base, email, password);

  // Imports: the file input, the background upload; the PUT goes to the presigned URL (not /v1)
  await page.getByRole("link", { name: "Imports" }).click();
  await page.getByRole("heading", { name: "Import trades" }).waitFor();
  await page.getByLabel("CSV file (drop it here or choose)").setInputFiles(csv);
  await page.getByLabel(/Import in the background with progress/).check();
  const puts = [];
  page.on("request", (request) => {
    if (request.method() === "PUT") puts.push({ url: request.url(), auth: request.headers().authorization ?? null });
  });
  const ticketResponse = page.waitForResponse((response) => response.url().endsWith("/v1/imports/uploads"));
  const phases = new Set();
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const ticket = await (await ticketResponse).json();
  const progress = page.getByTestId("upload-progress");
  await until(
    async () => {
      const phase = await page.getByTestId("upload-phase").last().innerText().catch(() => "");
      if (phase) phases.add(phase.replace(/\d+/g, "N"));
      return progress.getAttribute("data-state").catch(() => null);
    },
    (state) => state === "succeeded" || state === "failed",
    "the upload's progress reaches done",
    60_000,
  );
  const status = await apiAs(accessToken, `/v1/imports/${ticket.importId}`);
  check(status.state === "succeeded", `the API's import status: ${JSON.stringify(status)}`);
  const shown = {
    state: await progress.getAttribute("data-state"),
    phase: await page.getByTestId("upload-phase").last().innerText(),
    rowsDone: Number(await page.getByTestId("rows-done").innerText()),
    imported: Number(await page.getByTestId("upload-imported").innerText()),
    rejected: Number(await page.getByTestId("upload-rejected").innerText()),
  };
  check(shown.rowsDone === status.rowsDone && shown.imported === status.imported, `shown ${JSON.stringify(shown)}, API ${JSON.stringify(status)}`);
  check(puts.length === 1 && puts[0].url.startsWith(ticket.uploadUrl.split("?")[0]), `PUTs: ${JSON.stringify(puts)}`);
  seen.upload = { ...shown, api: { rowsDone: status.rowsDone, imported: status.imported }, phases: [...phases], putAuthorization: puts[0].auth };
  await page.screenshot({ path: join(shots, "imports-upload.png"), fullPage: true });

  // Positions: marked at the WebSocket's live prices; the page's unrealised P&L for a price equals
  // the API's when the API reads the same price (both from the feed's quote cache)
  await page.getByRole("link", { name: "Positions" }).click();
  await page.getByRole("heading", { name: "Open positions" }).waitFor();
  await page.getByTestId("live-status").and(page.locator('[data-status="open"]')).waitFor();
  const liveRow = page.locator('tr[data-symbol="NSE:TATAMOTORS"][data-live="yes"]');
  await liveRow.waitFor({ timeout: 30_000 });
  const matched = await until(
    async () => {
      const shownPrice = await liveRow.getByTestId("last-price").locator("[data-value]").first().getAttribute("data-value");
      const shownPnl = await liveRow.getByTestId("unrealized").locator("[data-value]").first().getAttribute("data-value");
      const api = (await apiAs(accessToken, "/v1/positions")).items.find((item) => item.symbol === "TATAMOTORS");
      return { shownPrice, shownPnl, apiPrice: api?.lastPrice, apiPnl: api?.unrealizedPnl, frame: quotes.get("NSE:TATAMOTORS") };
    },
    (value) => value.shownPrice !== null && Number(value.shownPrice) === Number(value.apiPrice),
    "the page and the API mark TATAMOTORS at the same price",
    30_000,
  );
  check(Number(matched.shownPnl) === Number(matched.apiPnl) && inr.format(matched.shownPnl) === inr.format(matched.apiPnl), `unrealised shown ${matched.shownPnl}, API ${matched.apiPnl}`);
  check(quotes.has("NSE:TATAMOTORS"), "no quote frame for NSE:TATAMOTORS reached the page");
  // later ticks keep the price live: its age stays a few seconds (outside market hours the
  // simulated feed repeats the last close, so the price itself may not move)
  const before = ticks.get("NSE:TATAMOTORS") ?? 0;
  await until(() => ticks.get("NSE:TATAMOTORS") ?? 0, (count) => count >= before + 3, "three more ticks of NSE:TATAMOTORS", 30_000);
  // The connection drops: the live client reconnects (backoff), the page subscribes again on the
  // new connection and quotes flow again, without a reload
  const subscribedBefore = subscribes.length;
  const lost = sockets.at(-1);
  await lost.route.close({ code: 4000, reason: "network drop (test)" });
  await lost.server.close();
  await page.getByTestId("live-status").and(page.locator('[data-status="waiting"], [data-status="connecting"]')).waitFor();
  await page.getByTestId("live-status").and(page.locator('[data-status="open"]')).waitFor({ timeout: 30_000 });
  await until(() => subscribes.length, (count) => count > subscribedBefore, "a subscribe on the new connection", 30_000);
  const ticksAfterDrop = ticks.get("NSE:TATAMOTORS") ?? 0;
  await until(() => ticks.get("NSE:TATAMOTORS") ?? 0, (count) => count >= ticksAfterDrop + 2, "ticks on the new connection", 30_000);
  seen.reconnect = { connections: sockets.length, subscribes: subscribes.length };
  const age = await liveRow.getByTestId("price-age").innerText();
  const ageS = Number(/(\d+) s old/.exec(age)?.[1] ?? "NaN");
  check(ageS <= 5, `the price's age after fresh ticks: ${age}`);
  const shownNow = await liveRow.getByTestId("last-price").locator("[data-value]").first().getAttribute("data-value");
  check(Number(shownNow) === Number(quotes.get("NSE:TATAMOTORS")), `shown ${shownNow}, last tick ${quotes.get("NSE:TATAMOTORS")}`);
  seen.positions = { matched, age, ticks: (ticks.get("NSE:TATAMOTORS") ?? 0), rows: await page.locator("table[data-testid=positions] tbody tr").count() };
  await page.screenshot({ path: join(shots, "positions-live.png"), fullPage: true });

  // Tax P&L for FY 2024-25: each head as the API computes it
  const tax = await apiAs(accessToken, "/v1/analytics/tax-pnl?fy=2024-25");
  await page.getByRole("link", { name: "Tax P&L" }).click();
  await page.getByRole("heading", { name: "Tax P&L" }).waitFor();
  await page.getByRole("combobox", { name: /Financial year/ }).selectOption({ label: "FY 2024-25" });
  await page.getByRole("table", { name: /FY 2024-25 by head/ }).waitFor();
  const heads = {};
  for (const [key, apiKey] of [["speculative", "speculative"], ["nonSpeculative", "nonSpeculative"], ["stcg", "stcg"], ["ltcg", "ltcg"]]) {
    const cells = await page.locator(`tr[data-head="${key}"] td`).allInnerTexts();
    heads[key] = cells;
    check(cells[2]?.endsWith(inr.format(tax[apiKey].netPnl)), `${key} net shown ${cells[2]}, API ${tax[apiKey].netPnl}`);
    check(cells[3] === inr.format(tax[apiKey].turnover), `${key} turnover shown ${cells[3]}, API ${tax[apiKey].turnover}`);
    check(Number(cells[4]) === tax[apiKey].trades, `${key} trades shown ${cells[4]}, API ${tax[apiKey].trades}`);
  }
  const salesRows = await page.locator("table[data-testid=tax-sales] tbody tr").count();
  check(salesRows === tax.items.length, `sales rows ${salesRows}, API ${tax.items.length}`);
  seen.tax = { url: page.url(), fy: tax.fy, speculative: tax.speculative.netPnl, nonSpeculative: tax.nonSpeculative.netPnl, shown: heads, sales: salesRows };
  await page.screenshot({ path: join(shots, "tax.png"), fullPage: true });

  // Grandfathering: INFY shares held since 2017 (an opening lot) sold in May 2024 are LTCG that
  // need the 31 Jan 2018 FMV; the form beside them stores it and the LTCG head follows
  await apiAs(accessToken, "/v1/opening-lots", {
    method: "POST",
    body: JSON.stringify({ symbol: "INFY", isin: "INE009A01021", exchange: "NSE", quantity: 10, averagePrice: "900", acquiredOn: "2017-05-02", accountId: "import" }),
  });
  await apiAs(accessToken, "/v1/executions", {
    method: "POST",
    body: JSON.stringify({ accountId: "import", symbol: "INFY", exchange: "NSE", side: "SELL", quantity: 10, price: "1450", executedAt: "2024-05-02T10:00:00" }),
  });
  const needing = await apiAs(accessToken, "/v1/analytics/tax-pnl?fy=2024-25");
  check(needing.needsFmv.some((need) => need.isin === "INE009A01021"), `needsFmv: ${JSON.stringify(needing.needsFmv)}`);
  await page.getByRole("combobox", { name: /Financial year/ }).selectOption({ label: "FY 2023-24" });
  await page.getByRole("combobox", { name: /Financial year/ }).selectOption({ label: "FY 2024-25" });
  const fmvInput = page.getByLabel(/INE009A01021.*FMV on 31 Jan 2018/);
  await fmvInput.fill("1100");
  await page.getByRole("button", { name: "Save FMV" }).click();
  await fmvInput.waitFor({ state: "detached" });
  const grandfathered = await apiAs(accessToken, "/v1/analytics/tax-pnl?fy=2024-25");
  const ltcgCells = await until(
    () => page.locator('tr[data-head="ltcg"] td').allInnerTexts(),
    (cells) => cells[2]?.endsWith(inr.format(grandfathered.ltcg.netPnl)),
    "the LTCG head shows the grandfathered figure",
  );
  const fmvList = await apiAs(accessToken, "/v1/analytics/fmv");
  seen.fmv = {
    stored: fmvList.map((entry) => ({ isin: entry.isin, price: entry.price })),
    needsFmv: grandfathered.needsFmv.length,
    ltcgGross: grandfathered.ltcg.realizedPnl,
    shown: ltcgCells[0],
  };

  // Data quality: a sell without a buy (imported through the API), resolved by an opening lot
  const sell = "symbol,isin,trade_date,exchange,segment,series,trade_type,auction,quantity,price,trade_id,order_id,order_execution_time\n"
    + "WIPRO,INE075A01022,2024-06-03,NSE,EQ,EQ,sell,false,5.000000,480.000000,91000001,1400000056789012,2024-06-03T11:00:00\n"
    + "NIFTY2461322000CE,,2024-06-10,NFO,FO,,buy,false,50.000000,100.500000,91000002,1400000056789013,2024-06-10T10:00:00\n";
  // dropped on the Imports page (a real drop event carrying the file): the small-file JSON path,
  // whose report says one sell found no buy and links to Data quality
  await page.getByRole("link", { name: "Imports", exact: true }).click();
  await page.getByRole("heading", { name: "Import trades" }).waitFor();
  const dropped = await page.evaluateHandle((text) => {
    const transfer = new globalThis.DataTransfer();
    transfer.items.add(new File([text], "wipro-nifty.csv", { type: "text/csv" }));
    return transfer;
  }, sell);
  await page.locator("label.drop").dispatchEvent("drop", { dataTransfer: dropped });
  await page.locator("label.drop").getByText("wipro-nifty.csv").waitFor();
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await page.getByTestId("unmatched-notice").waitFor();
  seen.dropped = { imported: Number(await page.getByTestId("imported").innerText()) };
  check(seen.dropped.imported === 2, `the dropped file's report: ${JSON.stringify(seen.dropped)}`);
  const issues = await apiAs(accessToken, "/v1/data-quality");
  check(issues.expiredContracts.length === 1, `expired contracts before: ${JSON.stringify(issues.expiredContracts)}`);
  // a note orphaned through the API: written on a manual fill's trade, whose fill is then deleted;
  // a later fill of the same symbol makes the trade it belongs to now
  const fill = (at) => JSON.stringify({ symbol: "HDFCBANK", exchange: "NSE", side: "BUY", quantity: 3, price: "1500", executedAt: at });
  const first = await apiAs(accessToken, "/v1/executions", { method: "POST", body: fill("2024-07-01T10:00:00") });
  const firstTrade = (await apiAs(accessToken, "/v1/trades?symbol=HDFCBANK")).items[0];
  await apiAs(accessToken, `/v1/trades/${firstTrade.tradeId}`, { method: "PATCH", body: JSON.stringify({ notes: "gap-up entry", tags: ["gap"] }) });
  await apiAs(accessToken, `/v1/executions/${first.executionId}`, { method: "DELETE" });
  await apiAs(accessToken, "/v1/executions", { method: "POST", body: fill("2024-07-02T10:00:00") });
  const [newTrade] = (await apiAs(accessToken, "/v1/trades?symbol=HDFCBANK")).items;
  check((await apiAs(accessToken, "/v1/data-quality")).orphanedAnnotations.length === 1, "the API lists the orphaned note");

  await page.getByTestId("unmatched-notice").getByRole("button", { name: "Data quality page" }).click();
  await page.getByRole("heading", { name: "Data quality", level: 1 }).waitFor();
  const item = page.getByTestId("unmatched-exit").filter({ hasText: "WIPRO" });
  await item.waitFor();
  const requests = [];
  page.on("request", (request) => {
    if (request.url().includes("/v1/opening-lots")) requests.push(request.method());
  });
  await item.getByRole("button", { name: "Add opening lot" }).click();
  await item.getByText("Enter a price.").waitFor();
  const refusedWithoutRequest = requests.length === 0;
  await item.getByLabel("Average buy price (₹)").fill("450.25");
  await page.screenshot({ path: join(shots, "data-quality.png"), fullPage: true });
  await item.getByRole("button", { name: "Add opening lot" }).click();
  await item.waitFor({ state: "detached" });
  // the orphaned note goes to the HDFCBANK trade chosen in its form
  const orphan = page.getByTestId("orphan").filter({ hasText: "HDFCBANK" });
  await orphan.getByText("gap-up entry").waitFor();
  await orphan.getByLabel("Attach to trade").selectOption(newTrade.tradeId);
  await orphan.getByRole("button", { name: "Attach", exact: true }).click();
  await orphan.waitFor({ state: "detached" });
  const attached = await apiAs(accessToken, `/v1/trades/${newTrade.tradeId}`);
  // the expired NIFTY call (13 Jun 2024) closes at the settlement price given in its form
  const expired = page.getByTestId("expired-contract").filter({ hasText: "NIFTY" });
  await expired.getByLabel(/settlement price on/).fill("23398.90");
  await expired.getByRole("button", { name: "Save settlement price" }).click();
  await page.getByTestId("quality-empty").waitFor();
  const quality = await apiAs(accessToken, "/v1/data-quality");
  const lots = await apiAs(accessToken, "/v1/opening-lots");
  const lot = (lots.items ?? lots).find((entry) => entry.symbol === "WIPRO");
  const option = (await apiAs(accessToken, "/v1/trades?symbol=NIFTY2461322000CE")).items[0];
  seen.dataQuality = {
    expiredLeft: quality.expiredContracts.length,
    orphansLeft: quality.orphanedAnnotations.length,
    attached: { notes: attached.notes, tags: attached.tags },
    settled: option && { status: option.status, closedAt: option.closedAt, netPnl: option.netPnl },
    refusedWithoutRequest, left: quality.unmatchedExits.length, lot: lot && { quantity: lot.quantity, averagePrice: lot.averagePrice, acquiredOn: lot.acquiredOn } };

  // A bigger file (2,400 rows: two of the worker's 2,000-row batches) through the upload, with the
  // worker's progress: rows stored of the file's rows, instruments recomputed, done
  const header = "symbol,isin,trade_date,exchange,segment,series,trade_type,auction,quantity,price,trade_id,order_id,order_execution_time";
  const rows = [header];
  for (let index = 0; index < 2400; index += 1) {
    const day = new Date(Date.UTC(2025, 0, 1) + Math.floor(index / 100) * 86_400_000).toISOString().slice(0, 10);
    const side = index % 2 === 0 ? "buy" : "sell";
    rows.push(`ITC,INE154A01025,${day},NSE,EQ,EQ,${side},false,1.000000,${index % 2 === 0 ? "450.00" : "451.00"},${8_000_000 + index},${1_500_000_000_000_000 + index},${day}T09:${String(15 + Math.floor((index % 100) / 60)).padStart(2, "0")}:${String((index % 100) % 60).padStart(2, "0")}`);
  }
  await page.getByRole("link", { name: "Imports", exact: true }).click();
  await page.getByRole("heading", { name: "Import trades" }).waitFor();
  await page.getByLabel("CSV file (drop it here or choose)").setInputFiles({ name: "itc-2400.csv", mimeType: "text/csv", buffer: Buffer.from(rows.join("\n") + "\n") });
  await page.getByLabel(/Import in the background with progress/).check();
  const bigTicket = page.waitForResponse((response) => response.url().endsWith("/v1/imports/uploads"));
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const big = await (await bigTicket).json();
  const labels = new Set();
  const bigProgress = page.getByTestId("upload-progress");
  await until(
    async () => {
      const label = await page.getByTestId("upload-phase").last().innerText().catch(() => "");
      if (label) labels.add(label);
      return bigProgress.getAttribute("data-state").catch(() => null);
    },
    (state) => state === "succeeded" || state === "failed",
    "the 2,400-row upload reaches done",
    120_000,
  );
  // The label and the state are read one after the other: the render that made the state final may
  // have come between them, so the final label is read once the state is
  const finalLabel = await page.getByTestId("upload-phase").last().innerText().catch(() => "");
  if (finalLabel) labels.add(finalLabel);
  const bigStatus = await apiAs(accessToken, `/v1/imports/${big.importId}`);
  seen.bigUpload = {
    state: bigStatus.state,
    rowsDone: Number(await page.getByTestId("rows-done").innerText()),
    apiRowsDone: bigStatus.rowsDone,
    labels: [...labels],
  };
  await page.screenshot({ path: join(shots, "imports-upload-big.png"), fullPage: true });

  // At 360 px each of these pages scrolls no wider than the screen (wide tables scroll inside)
  await page.setViewportSize({ width: 360, height: 780 });
  seen.narrowWidths = {};
  for (const [link, heading] of [["Positions", "Open positions"], ["Tax P&L", "Tax P&L"], ["Imports", "Import trades"], ["Data quality", "Data quality"]]) {
    await page.getByRole("link", { name: link, exact: true }).click();
    await page.getByRole("heading", { name: heading, level: 1 }).waitFor();
    seen.narrowWidths[link] = await page.evaluate(() => globalThis.document.documentElement.scrollWidth);
  }
  await page.getByRole("link", { name: "Tax P&L", exact: true }).click();
  await page.getByRole("table", { name: /by head/ }).waitFor();
  await page.screenshot({ path: join(shots, "tax-360.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  check(pageErrors.length === 0, `page errors: ${pageErrors.join("; ")}`);
  seen.ok = true;
} catch (error) {
  const pages = browser.contexts().flatMap((context) => context.pages());
  if (pages[0]) await pages[0].screenshot({ path: join(shots, "tax-failure.png"), fullPage: true }).catch(() => {});
  console.error(error);
  console.log(JSON.stringify({ ...seen, ok: false }));
  await browser.close();
  process.exit(1);
}
await browser.close();
console.log(JSON.stringify(seen));
