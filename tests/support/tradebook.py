"""A realistic Zerodha Console tradebook of any size.

The columns of tests/fixtures/imports/zerodha_tradebook.csv.

Equity intraday and delivery round trips and NFO option round trips over a few hundred
instruments and several years of trading days, each fill with its own exchange trade id, in time
order. Deterministic for a seed: the same call gives the same file.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

HEADER = (
    "symbol,isin,trade_date,exchange,segment,series,trade_type,auction,quantity,price,trade_id,"
    "order_id,order_execution_time"
)


def _isin(index: int) -> str:
    """A valid ISIN (Luhn check digit over the letters-as-numbers expansion)."""
    body = f"INE{index:06d}01"
    digits = "".join(str(int(ch, 36)) for ch in body)
    total = 0
    for position, ch in enumerate(reversed(digits)):
        value = int(ch)
        if position % 2 == 0:
            value *= 2
            value = value - 9 if value > 9 else value
        total += value
    return f"{body}{(10 - total % 10) % 10}"


def trading_days(start: date, count: int) -> list[date]:
    days: list[date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def tradebook_lines(rows: int, *, seed: int = 15, instruments: int = 300) -> list[str]:
    """`rows` data lines (no header)."""
    rng = random.Random(seed)
    equities = [(f"STOCK{i:03d}", _isin(i), rng.randint(50, 5000)) for i in range(instruments)]
    options = [
        f"NIFTY24{month}{strike}{kind}"
        for month in ("JAN", "FEB", "MAR")
        for strike in range(21000, 23000, 200)
        for kind in ("CE", "PE")
    ]
    per_day = 40
    days = trading_days(date(2021, 1, 4), rows // per_day + 2)
    lines: list[str] = []
    trade_id = 10_000_000
    order_id = 1_100_000_000_000_000
    for day in days:
        seconds = 9 * 3600 + 15 * 60
        while len(lines) < rows and seconds < 15 * 3600:
            pair = min(2, rows - len(lines))
            if rng.random() < 0.8:
                symbol, isin, base = rng.choice(equities)
                exchange, segment, series = "NSE", "EQ", "EQ"
                price = base * (1 + rng.uniform(-0.05, 0.05))
                quantity = rng.randint(1, 200)
            else:
                symbol, isin, exchange, segment, series = rng.choice(options), "", "NFO", "FO", ""
                price = rng.uniform(5, 400)
                quantity = 50 * rng.randint(1, 10)
            for leg in range(pair):
                seconds += rng.randint(10, 120)
                clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
                moment = f"{day.isoformat()}T{clock}"
                side = "buy" if leg == 0 else "sell"
                moved = price * (1 + rng.uniform(-0.01, 0.012)) if leg else price
                fill = round(moved * 20) / 20  # the tick: 5 paise
                trade_id += 1
                order_id += 1
                lines.append(
                    f"{symbol},{isin},{day.isoformat()},{exchange},{segment},{series},{side},false,"
                    f"{quantity}.000000,{fill:.6f},{trade_id},{order_id},{moment}"
                )
        if len(lines) >= rows:
            break
    return lines[:rows]


def tradebook_csv(rows: int, *, seed: int = 15, instruments: int = 300) -> str:
    return "\n".join([HEADER, *tradebook_lines(rows, seed=seed, instruments=instruments)]) + "\n"
