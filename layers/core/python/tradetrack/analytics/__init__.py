"""FIFO matching, trade categories, charges and metrics."""
