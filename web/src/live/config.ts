// The app's runtime config, /config.json next to index.html: written at deploy time in AWS, served
// by the local stack (local/web.py) in dev. {"wsUrl": "wss://…"}; absent or unreadable: no live events.

interface AppConfig {
  wsUrl: string | null;
}

let loaded: Promise<AppConfig> | null = null;

async function load(): Promise<AppConfig> {
  try {
    const response = await fetch("/config.json", { headers: { Accept: "application/json" } });
    if (!response.ok) return { wsUrl: null };
    const body = (await response.json()) as Partial<AppConfig>;
    return { wsUrl: typeof body.wsUrl === "string" && body.wsUrl ? body.wsUrl : null };
  } catch {
    return { wsUrl: null }; // not JSON (an index.html fallback) or offline
  }
}

/** The WebSocket API's URL, read once per page load. */
export function webSocketUrl(): Promise<string | null> {
  loaded ??= load();
  return loaded.then((config) => config.wsUrl);
}
