"""Phone verification: a one-time code by SMS proves the user holds the number (flow 6)."""
