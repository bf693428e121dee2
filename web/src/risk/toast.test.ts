import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import type { BrokerAccountOut, PaperAccount } from "../api/types";
import type { NotificationFrame } from "../live/frames";
import { PAPER_ACCOUNTS } from "../paper/order";
import { cachedAccountLabel, riskViolationToast, withPushedViolation } from "./toast";

const words: NotificationFrame = {
  type: "notification",
  notificationId: "ntf_9",
  notificationType: "risk_violation",
  title: "Risk limit breached",
  message: "Day loss 5,250.50 is over the limit 5,000.00.",
};
const frame: NotificationFrame = {
  ...words,
  violation: { violationId: "rv_42", accountId: "pa_7", rule: "max_loss_per_day", squaredOff: true },
};

describe("a risk violation's toast", () => {
  it("names the rule and the account, and stays until dismissed", () => {
    const toast = riskViolationToast(frame, (accountId) => (accountId === "pa_7" ? "Paper: Practice" : accountId));
    expect(toast).toEqual({
      title: "Risk limit breached: Max loss per day",
      message: "Paper: Practice: Day loss 5,250.50 is over the limit 5,000.00.",
      tone: "bad",
      sticky: true,
    });
  });

  it("says the frame's own words when it names no violation (an older frame)", () => {
    expect(riskViolationToast(words, () => "unused")).toEqual({ title: words.title, message: words.message, tone: "bad", sticky: true });
  });

  it("labels the account from the accounts the app has read, else by its id", () => {
    // Given a paper account and a broker account cached
    const client = new QueryClient();
    const paper: PaperAccount = { accountId: "pa_7", name: "Practice", status: "open", startingBalance: "100000", balance: { available: "1", held: "0", total: "1" }, createdAt: "t" };
    client.setQueryData(PAPER_ACCOUNTS, { items: [paper] });
    client.setQueryData(["broker-accounts"], { items: [{ accountId: "ba_1", broker: "zerodha", brokerUserId: "AB1234" } as BrokerAccountOut] });
    // Then each is named as the Risk page names it; an unknown one by its id
    expect(cachedAccountLabel(client, "pa_7")).toBe("Paper: Practice");
    expect(cachedAccountLabel(client, "ba_1")).toBe("Zerodha AB1234");
    expect(cachedAccountLabel(client, "pa_gone")).toBe("pa_gone");
  });
});

describe("the violations pushed while the Risk page is open", () => {
  it("are remembered once each, and other frames change nothing", () => {
    const once = withPushedViolation([], frame);
    expect(once).toEqual(["rv_42"]);
    expect(withPushedViolation(once, frame)).toBe(once);
    expect(withPushedViolation(once, words)).toBe(once);
    expect(withPushedViolation(once, { type: "pong" })).toBe(once);
  });
});
