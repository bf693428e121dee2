import { describe, expect, it } from "vitest";
import { deliverySummary, humanize } from "../pages/Notifications";
import { unreadLabel } from "./UnreadBadge";

describe("notification formatting", () => {
  it("caps the unread count at 99+", () => {
    expect(unreadLabel(3, false)).toBe("3");
    expect(unreadLabel(99, false)).toBe("99");
    expect(unreadLabel(99, true)).toBe("99+"); // the API has more than one page of unread
  });

  it("says how each channel delivered, with the reason when skipped or failed", () => {
    expect(
      deliverySummary({ email: { status: "sent" }, sms: { status: "skipped", reason: "no verified phone" } }),
    ).toBe("email sent · sms skipped (no verified phone)");
    expect(deliverySummary({ push: { status: "skipped", reason: "pushed_by_market_feed" } })).toBe(
      "push skipped (pushed by market feed)",
    );
    expect(deliverySummary({})).toBe("");
  });

  it("words a code it has no label for", () => {
    expect(humanize("backfill_summary")).toBe("Backfill summary");
  });
});
