"""TradeTrack's AWS infrastructure: one construct per capability, wired by thin stacks."""
