import { describe, expect, it } from "vitest";
import { deliverySummary } from "../pages/Notifications";
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
    expect(deliverySummary({})).toBe("");
  });
});
