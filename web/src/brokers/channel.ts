// The broker login runs in a window of its own (a popup opened by the Brokers page): the session
// lives in the app's memory only (src/auth/session.ts), so leaving the page for the broker would end
// it. The broker sends that window back to APP_URL/brokers?accountId=…&status=…, where the app
// (anonymous there) announces the result on a BroadcastChannel to the tab that asked, and closes.
import type { Landing } from "./status";

export const LOGIN_WINDOW = "tradetrack-broker-login";
const CHANNEL = "tradetrack-brokers";

export type { Landing };

export function announceLanding(landing: Landing): void {
  if (typeof BroadcastChannel === "undefined") return;
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage(landing);
  channel.close();
}

/** Call `listener` with each landing another window announces; returns the unsubscribe. */
export function onLanding(listener: (landing: Landing) => void): () => void {
  if (typeof BroadcastChannel === "undefined") return () => undefined;
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (event: MessageEvent<Landing>) => listener(event.data);
  return () => channel.close();
}
