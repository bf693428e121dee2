// Where the broker's login sends its window back (/brokers?accountId=…&status=…) when no session is
// open in it (the login window the Brokers page opened): tell the app's tab, and close.
import { useEffect, useState } from "react";
import { announceLanding } from "./channel";
import { parseLanding } from "./status";

/** True when this page load is the broker callback's landing. */
export function isBrokerLanding(): boolean {
  return window.location.pathname === "/brokers" && parseLanding(window.location.search) !== null;
}

export function BrokerLanding() {
  const [landing] = useState(() => parseLanding(window.location.search));
  useEffect(() => {
    if (!landing) return;
    announceLanding(landing);
    // The app's tab has the result. A window the Brokers page opened may close itself; a tab the
    // user opened stays (the browser ignores this), and the text below says what to do.
    window.close();
  }, [landing]);
  const failed = landing !== null && "error" in landing;
  const connected = landing !== null && "status" in landing && landing.status === "active";
  const toFinish = landing !== null && "finish" in landing; // Breeze: the app's tab sends what came back
  return (
    <main id="main" className="auth">
      <h1>{failed ? "Broker login failed" : connected ? "Broker connected" : toFinish ? "Broker login returned" : "Broker login finished"}</h1>
      {failed && (
        <p role="alert" className="error">
          {landing.message} ({landing.error})
        </p>
      )}
      <p role="status">
        {connected && "Your broker account is connected and its first sync is on its way. "}
        {toFinish && "Your TradeTrack tab finishes connecting the account now. "}
        You can close this window and return to the TradeTrack tab you connected from.
      </p>
      <p>
        <a href="/brokers">Open TradeTrack&apos;s Brokers page</a> (you may need to log in again here).
      </p>
    </main>
  );
}
