// Screenshots on a trade in a real browser (Debian's chromium driven by playwright-core): on a
// trade's detail page, a file over 5 MB is refused by the page without a request; a small PNG made
// here goes ask → presigned POST to the local stack's S3 (moto, another origin: CORS) → confirm →
// the worker's thumbnail, shown in the grid and linking to the cleaned original; a text file named
// .png is refused by the worker and says so; the screenshot is deleted after its confirmation
// (Cancel keeps it). Run by tests/e2e/test_web_app_screenshots.py; prints one JSON line with what
// it saw, exits non-zero on any failure.
//
// env: BASE_URL (the stack's REST URL serving web/dist), SHOTS (screenshot directory), CHROMIUM.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync, crc32 } from "node:zlib";
import { apiClient, apiLogin, check, journeyPage, journeySettings, launchChromium, registerInApp, until } from "./support.mjs";

const { base, shots } = journeySettings();
const apiAs = apiClient(base);
const email = `shots-${Date.now()}@example.com`;
const password = "Quiet-Harbour-Lamp-42";
const seen = {};

/** A real `width` × `height` RGB PNG (a diagonal gradient), CRCs and all, for the worker to decode. */
function makePng(width, height) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const rows = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x += 1) row.set([(x * 4) & 255, (y * 4) & 255, 160], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const browser = await launchChromium();
try {
  const { page, pageErrors } = await journeyPage(browser);
  await registerInApp(page, base, { name: "Screenshot Trader", email, password });
  const token = await apiLogin(base, email, password);

  // Given trades from the sample tradebook (imported through the API)
  const csv = readFileSync(new URL("../../tests/fixtures/imports/zerodha_tradebook.csv", import.meta.url), "utf8");
  await apiAs(token, "/v1/imports", { method: "POST", body: JSON.stringify({ format: "zerodha_tradebook", csv, accountId: "import" }) });
  const trades = (await apiAs(token, "/v1/trades?status=closed&limit=5")).items;
  check(trades.length > 0, "no closed trade to attach to");
  const trade = trades[0];

  // Open its detail page from the trades table
  await page.getByRole("link", { name: "Trades", exact: true }).click();
  await page.locator(`a[href="/trades/${trade.tradeId}"]`).first().click();
  await page.getByRole("heading", { name: "Screenshots", level: 2 }).waitFor();
  await page.getByText("No screenshots on this trade yet.").waitFor();

  const apiRequests = [];
  const s3Posts = [];
  page.on("request", (request) => {
    if (request.url().includes("/v1/attachments")) apiRequests.push(`${request.method()} ${new URL(request.url()).pathname}`);
    else if (request.method() === "POST" && !request.url().startsWith(base)) {
      s3Posts.push({ url: request.url(), authorization: request.headers().authorization ?? null });
    }
  });
  const input = page.getByLabel(/^Attach screenshot/);

  // A file over 5 MB is refused by the page, without a request
  const before = apiRequests.length;
  await input.setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: Buffer.alloc(5 * 1024 * 1024 + 1) });
  await page.getByText("huge.png is 5.0 MB (5,242,881 bytes); a screenshot can be at most 5 MB").waitFor();
  seen.tooLargeRequests = apiRequests.length - before;

  // A small PNG: uploaded to S3 by the form, confirmed, thumbnailed; the grid links to the original
  await input.setInputFiles({ name: "nifty-breakout.png", mimeType: "image/png", buffer: makePng(64, 40) });
  await page.getByText("nifty-breakout.png is attached.").waitFor({ timeout: 60_000 });
  const grid = page.getByTestId("screenshots");
  const thumb = grid.getByRole("img", { name: /^nifty-breakout\.png, 64 × 40 pixels/ });
  await thumb.waitFor();
  const loaded = await thumb.evaluate((img) => img.complete && img.naturalWidth > 0);
  const original = await grid.getByRole("link", { name: /nifty-breakout\.png/ }).getAttribute("href");
  const fetched = await fetch(original);
  const listed = (await apiAs(token, `/v1/attachments/trades/${trade.tradeId}`)).items;
  seen.upload = {
    thumbnailLoaded: loaded,
    originalStatus: fetched.status,
    originalType: fetched.headers.get("content-type"),
    s3Posts: s3Posts.length,
    s3CrossOrigin: s3Posts.length > 0 && new URL(s3Posts[0].url).origin !== new URL(base).origin,
    s3Authorization: s3Posts[0]?.authorization ?? null,
    apiStatuses: listed.map((item) => item.status),
    requests: apiRequests.filter((line) => line.startsWith("POST")).length,
  };

  // A text file named .png passes the page's check; the worker refuses it by its bytes
  await input.setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("not an image at all\n") });
  await page.getByText(/^notes\.png was refused: /).waitFor({ timeout: 60_000 });
  const rejected = grid.locator('li[data-status="rejected"]');
  await rejected.waitFor();
  seen.rejected = {
    shown: (await page.getByText(/^notes\.png was refused: /).innerText()).trim(),
    badge: (await rejected.locator(".state").innerText()).trim(),
  };
  await page.screenshot({ path: join(shots, "trade-screenshots.png"), fullPage: true });

  // Delete the PNG: Cancel keeps it, confirming removes it (the API agrees)
  const ready = grid.locator('li[data-status="ready"]');
  await ready.getByRole("button", { name: "Delete nifty-breakout.png" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete this screenshot?" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "hidden" });
  check((await apiAs(token, `/v1/attachments/trades/${trade.tradeId}`)).items.length === 2, "cancel deleted the screenshot");
  await ready.getByRole("button", { name: "Delete nifty-breakout.png" }).click();
  await dialog.getByRole("button", { name: "Delete screenshot" }).click();
  await page.getByText("The screenshot is deleted.").waitFor();
  await ready.waitFor({ state: "detached" });
  const after = await until(
    async () => (await apiAs(token, `/v1/attachments/trades/${trade.tradeId}`)).items.map((item) => item.status),
    (statuses) => statuses.length === 1,
    "the API still lists the deleted screenshot",
  );
  seen.afterDelete = after;

  check(pageErrors.length === 0, `page errors: ${pageErrors.join("; ")}`);
  console.log(JSON.stringify({ ok: true, ...seen }));
} catch (error) {
  for (const open of browser.contexts().flatMap((context) => context.pages())) {
    await open.screenshot({ path: join(shots, "screenshots-failure.png"), fullPage: true }).catch(() => undefined);
  }
  throw error;
} finally {
  await browser.close();
}
