"""Paper trading: virtual accounts with balances and holds, orders filled on live quotes, fills
journaled as executions (source "paper") so every analytic works on them (docs/paper.md)."""
