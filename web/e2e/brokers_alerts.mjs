// The trader's account pages in a real browser (Debian's chromium driven by playwright-core):
// connect the simulated broker through its login window and back into the app (APP_URL/brokers),
// sync now and read the sync logs; create alerts (a bare symbol refused by the form first), delete
// one, see the other fire as a toast from the WebSocket (the test fires the market feed); read the
// notification in the inbox and mark it read (the nav's unread count goes); save the profile.
// Run by tests/e2e/test_web_app_pages.py; prints one JSON line with what it saw, exits non-zero on
// any failure.
//
// env: BASE_URL (the stack's REST URL serving web/dist, also its APP_URL), SHOTS (screenshot
// directory), CHROMIUM (default /usr/bin/chromium).
import { apiClient, apiLogin, check, journeySettings, launchChromium, journeyPage, registerInApp, until } from "./support.mjs";
import { join } from "node:path";

const { base, shots } = journeySettings();
const apiAs = apiClient(base);

const email = `pages-${Date.now()}@example.com`;
const password = "Quiet-Harbour-Lamp-42";
const seen = {};

const browser = await launchChromium();
try {
  const { context, page, pageErrors } = await journeyPage(browser);
  // What the live connection did, for the failure message (stderr)
  page.on("websocket", (socket) => {
    console.error(`websocket opened: ${socket.url().replace(/token=[^&]+/, "token=…")}`);
    socket.on("framereceived", (frame) => console.error(`${new Date().toISOString()} frame: ${String(frame.payload).slice(0, 200)}`));
    socket.on("close", () => console.error("websocket closed"));
  });

  // Register through the UI (the app logs in after registering)
  await registerInApp(page, base, { name: "Ravi Trader", email, password });
  const accessToken = await apiLogin(base, email, password);

  // A second tab (a session of its own) shows the empty trades list; it will hear of the synced
  // trades over its WebSocket, not by polling (the trades list does not poll)
  const other = await context.newPage();
  await other.goto(`${base}/`);
  await other.getByLabel("Email").fill(email);
  await other.getByLabel("Password").fill(password);
  await other.getByRole("button", { name: "Log in", exact: true }).click();
  await other.getByRole("heading", { name: "Dashboard" }).waitFor();
  await other.getByRole("link", { name: "Trades", exact: true }).click();
  await other.getByText("No trades match.").waitFor();
  await page.bringToFront();

  // Brokers: connect the simulated broker. Its login runs in a window of its own, which the broker
  // sends back to APP_URL/brokers?accountId=…; that window tells this tab and closes.
  await page.getByRole("link", { name: "Brokers" }).click();
  await page.getByRole("heading", { name: "Brokers", level: 1 }).waitFor();
  await page.getByText("No broker connected yet").waitFor();
  const callbacks = [];
  context.on("request", (request) => {
    if (request.url().includes("/v1/broker-accounts/callback/")) callbacks.push(request.url());
  });
  const popupOpened = page.waitForEvent("popup");
  await page.getByRole("button", { name: /^Connect / }).first().click();
  const popup = await popupOpened;
  const visited = [];
  popup.on("framenavigated", (frame) => {
    if (frame === popup.mainFrame()) visited.push(frame.url());
  });
  await popup.waitForEvent("close", { timeout: 30_000 });
  seen.landing = visited.find((url) => url.startsWith(`${base}/brokers?`)) ?? visited.join(" ");
  await page.getByTestId("brokers-notice").getByText("is connected").waitFor();
  const [account] = (await apiAs(accessToken, "/v1/broker-accounts")).items;
  check(account, "the API lists no broker account after the login");
  seen.account = { status: account.status, broker: account.broker };
  const accountRow = page.locator(`tr[data-account="${account.accountId}"]`);
  await accountRow.getByTestId("account-status").getByText("Connected").waitFor();

  // The other tab's trades list filled itself: the sync's 'trades' frames made it re-read the API
  const [tradesNow, caption] = await until(
    async () => [
      (await apiAs(accessToken, "/v1/trades?limit=25")).items.length,
      (await other.locator("caption").count()) > 0 ? await other.locator("caption").first().innerText() : "",
    ],
    ([count, text]) => count > 0 && text.startsWith(`Page 1 · ${count} trades`),
    "the other tab's trades list did not follow the sync",
  );
  seen.liveTrades = { api: tradesNow, caption };
  await other.close();

  // The same callback again (its login link is spent) lands in the app with the API's reason, which
  // this tab shows too
  check(callbacks.length === 1, `callback requests seen: ${callbacks.length}`);
  const replay = await context.newPage();
  await replay.goto(callbacks[0]);
  await replay.getByRole("heading", { name: "Broker login failed" }).waitFor();
  const failed = await page.getByTestId("login-failed").innerText();
  check(failed.includes("expired or was already used"), `the tab shows ${failed}`);
  seen.spentLogin = { landing: replay.url().split("?")[0], shown: failed };
  await replay.close();

  // The connect's sync shows in the logs (opened for the new account), running then done
  const logRows = page.getByTestId("sync-logs").locator("tbody tr");
  await logRows.first().waitFor();
  await until(
    async () => (await apiAs(accessToken, `/v1/broker-accounts/${account.accountId}/sync-logs`)).items[0]?.status,
    (status) => status && !["queued", "running"].includes(status),
    "the connect sync did not finish",
  );

  // Sync now: a second sync, listed above the first
  await accountRow.getByRole("button", { name: /^Sync now/ }).click();
  await page.getByTestId("brokers-notice").getByText(/Sync .* queued/).waitFor();
  const logs = await until(
    async () => (await apiAs(accessToken, `/v1/broker-accounts/${account.accountId}/sync-logs`)).items,
    (items) => items.length >= 2 && !["queued", "running"].includes(items[0].status),
    "the manual sync did not finish",
  );
  await until(() => logRows.count(), (count) => count === logs.length, "sync log rows");
  await page.getByTestId("sync-logs").locator("tbody tr").first().getByText(logs[0].status).waitFor();
  seen.syncLogs = { shown: await logRows.count(), api: logs.length, reasons: logs.map((log) => log.reason) };
  await page.screenshot({ path: join(shots, "brokers.png"), fullPage: true });

  // Alerts: the form refuses a bare symbol itself (no request), then two alerts are created
  await page.getByRole("link", { name: "Alerts" }).click();
  await page.getByRole("heading", { name: "Price alerts" }).waitFor();
  await page.getByText("No alerts yet").waitFor();
  await page.getByLabel("Symbol").fill("WIPRO");
  await page.getByLabel("Price (₹)").fill("1");
  await page.getByRole("button", { name: "Create alert" }).click();
  await page.getByText("Enter EXCHANGE:SYMBOL").waitFor();
  seen.alerts = { refusedSymbol: (await page.getByLabel("Symbol").getAttribute("aria-invalid")) === "true" };
  check((await apiAs(accessToken, "/v1/alerts")).items.length === 0, "the refused form sent a request");
  // One alert that will not fire (INFY at or below 5 paise), deleted again
  await page.getByLabel("Symbol").fill("NSE:INFY");
  await page.getByLabel("Condition").selectOption("below");
  await page.getByLabel("Price (₹)").fill("0.05");
  await page.getByRole("button", { name: "Create alert" }).click();
  await page.getByTestId("alerts-notice").getByText("Alert created: NSE:INFY at or below ₹0.05").waitFor();
  const table = page.getByTestId("alerts");
  await until(() => table.locator("tbody tr").count(), (count) => count === 1, "the INFY alert row");
  await page.getByRole("button", { name: "Delete alert: NSE:INFY at or below ₹0.05" }).click();
  await page.getByTestId("alerts-notice").getByText("Alert deleted: NSE:INFY").waitFor();
  await page.getByText("No alerts yet").waitFor();
  check((await apiAs(accessToken, "/v1/alerts")).items.length === 0, "the API still lists the deleted alert");

  // One that fires at the next tick (WIPRO at or above ₹1), typed in lower case
  await page.getByLabel("Symbol").fill("nse:wipro");
  await page.getByLabel("Condition").selectOption("above");
  await page.getByLabel("Price (₹)").fill("1");
  await page.getByRole("button", { name: "Create alert" }).click();
  await page.getByTestId("alerts-notice").getByText("Alert created: NSE:WIPRO at or above ₹1.00").waitFor();
  seen.alerts.left = (await apiAs(accessToken, "/v1/alerts")).items.map((alert) => alert.symbol);

  // The feed ticks (the test fires it): the WIPRO alert fires and its WebSocket frame is a toast
  const toast = page.getByTestId("toast").filter({ hasText: "Price alert: NSE:WIPRO" });
  await toast.waitFor({ timeout: 45_000 });
  seen.toast = (await toast.innerText()).replace(/\s+/g, " ").trim();
  await table.getByText("Fired", { exact: true }).waitFor(); // the frame refreshed the list
  await page.screenshot({ path: join(shots, "alerts.png"), fullPage: true });
  // At 360 px (a small phone) the page does not scroll sideways (tables scroll in their own box)
  await page.setViewportSize({ width: 360, height: 780 });
  const overflow = await page.evaluate(() => globalThis.document.documentElement.scrollWidth);
  await page.screenshot({ path: join(shots, "alerts-360.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  seen.narrowWidth = overflow;
  await toast.getByRole("button", { name: /^Dismiss/ }).click();
  await toast.waitFor({ state: "detached" });

  // Notifications: the nav counts the unread one; the inbox shows it; marking it read clears the count
  const badge = page.getByTestId("unread-count");
  await badge.waitFor();
  const apiUnread = await until(
    async () => (await apiAs(accessToken, "/v1/notifications?unread=true")).items,
    (items) => items.some((n) => n.message.includes("WIPRO")),
    "the inbox has no WIPRO alert",
  );
  const shown = await until(
    async () => Number((await badge.innerText()).replace(/\D/g, "")),
    (count) => count === apiUnread.length,
    `the nav's unread count is not the API's ${apiUnread.length}`,
    15_000,
  );
  seen.notifications = { unreadBadge: shown, apiUnread: apiUnread.length };
  await page.getByRole("link", { name: /^Notifications/ }).click();
  const inbox = page.getByTestId("inbox");
  const item = inbox.locator("li.unread").filter({ hasText: "WIPRO" }).first();
  await item.waitFor();
  await page.screenshot({ path: join(shots, "notifications.png"), fullPage: true });
  await item.getByRole("button", { name: /^Mark as read/ }).click();
  await inbox.locator("li.unread").filter({ hasText: "WIPRO" }).first().waitFor({ state: "detached" });
  const unread = (await apiAs(accessToken, "/v1/notifications?unread=true")).items;
  seen.notifications.readAfter = !unread.some((n) => n.message.includes("WIPRO"));
  // The rest (the sync's history summary) at once: the nav's count goes
  if (unread.length > 0) await page.getByRole("button", { name: "Mark all shown as read" }).click();
  await badge.waitFor({ state: "detached" });
  await until(
    async () => (await apiAs(accessToken, "/v1/notifications?unread=true")).items.length,
    (count) => count === 0,
    "unread notifications left after marking all read",
  );

  // Profile: save the trading capital; the API has it
  await page.getByRole("link", { name: "Profile" }).click();
  await page.getByRole("heading", { name: "Profile and settings" }).waitFor();
  await page.getByLabel("Trading capital (₹)").fill("5,00,000");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.getByText("Profile saved.").waitFor();
  await page.getByText("Now ₹5,00,000.00.").waitFor();
  // Notification preferences: no email, no daily summary
  await page.getByLabel("Email", { exact: true }).uncheck();
  await page.getByLabel("Daily summary").uncheck();
  await page.getByRole("button", { name: "Save preferences" }).click();
  await page.getByText("Notification preferences saved.").waitFor();
  const me = await apiAs(accessToken, "/v1/me");
  seen.profile = { capital: me.capital, prefs: me.notificationPrefs };
  await page.screenshot({ path: join(shots, "profile.png"), fullPage: true });

  // Change the password: the API ends every session; the page logs itself in again with the new one
  const newPassword = "Amber-Kettle-Meadow-93";
  await page.getByLabel("Current password").fill(password);
  await page.getByLabel("New password", { exact: true }).fill(newPassword);
  await page.getByLabel("New password again").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByText("Password changed.").waitFor();
  // Logins are limited to 5 a minute per account and per IP (a fast journey reaches the limit):
  // a 429 is waited out as its Retry-After says, once, as a client would
  const logIn = async (secret) => {
    const attempt = () =>
      fetch(`${base}/v1/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email, password: secret }),
      });
    const first = await attempt();
    if (first.status !== 429) return first;
    const wait = Number(first.headers.get("Retry-After") ?? "12");
    await new Promise((resolve) => setTimeout(resolve, 1000 * Math.min(Math.max(wait, 1), 60)));
    return attempt();
  };
  const oldLogin = await logIn(password);
  check(oldLogin.status === 401, `the old password still logs in: ${oldLogin.status}`);
  const fresh = await logIn(newPassword);
  check(fresh.ok, `the new password does not log in: ${fresh.status}`);
  const token = (await fresh.json()).accessToken;
  // the page is still logged in: the next page's request succeeds without a "Log in again" dialog
  await page.getByRole("link", { name: "Brokers" }).click();
  const row = page.locator(`tr[data-account="${account.accountId}"]`);
  await row.getByTestId("account-status").getByText("Connected").waitFor();
  check((await page.getByRole("dialog", { name: "Log in again" }).count()) === 0, "asked to log in again");
  seen.passwordChangedStillIn = true;

  // Disconnect asks first: Escape (keyboard) and Cancel keep the account; confirming removes it
  await row.getByRole("button", { name: /^Disconnect/ }).click();
  const confirm = page.getByRole("dialog", { name: "Disconnect this broker account?" });
  await confirm.waitFor();
  const cancel = confirm.getByRole("button", { name: "Cancel" });
  check(await cancel.evaluate((button) => button === button.ownerDocument.activeElement), "the focus is not on Cancel");
  await page.keyboard.press("Escape");
  await confirm.waitFor({ state: "hidden" });
  await row.getByRole("button", { name: /^Disconnect/ }).click();
  await cancel.click();
  await confirm.waitFor({ state: "hidden" });
  check((await apiAs(token, "/v1/broker-accounts")).items.length === 1, "cancel disconnected the account");
  await row.getByRole("button", { name: /^Disconnect/ }).click();
  await confirm.getByRole("button", { name: "Disconnect" }).click();
  await page.getByText("No broker connected yet").waitFor();
  seen.disconnected = (await apiAs(token, "/v1/broker-accounts")).items.length === 0;

  // Log out everywhere from the Profile page, after its confirmation: back to the login form
  await page.getByRole("link", { name: "Profile" }).click();
  await page.getByRole("button", { name: "Log out everywhere…" }).click();
  await page.getByRole("dialog", { name: "Log out everywhere?" }).getByRole("button", { name: "Log out everywhere" }).click();
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  const after = await fetch(`${base}/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  seen.loggedOutEverywhere = after.status === 401;

  check(pageErrors.length === 0, `page errors: ${pageErrors.join("; ")}`);
  console.log(JSON.stringify({ ok: true, ...seen }));
} catch (error) {
  // the page as it was when a check failed, for the failure's reader
  for (const open of browser.contexts().flatMap((context) => context.pages())) {
    await open.screenshot({ path: join(shots, "pages-failure.png"), fullPage: true }).catch(() => undefined);
  }
  throw error;
} finally {
  await browser.close();
}
