"""What the simulated account trades and when: the session's hours and the NSE symbols, tokens and ISINs."""

from __future__ import annotations

from local.simulated.determinism import hash_int
from tradetrack.market.providers.simulated import BASE_PRICES
from tradetrack.market.providers.universe import universe

DEMO_USER_ID = "TT0001"
EXCHANGE = "NSE"
OPEN_S = 9 * 3600 + 15 * 60  # 09:15 IST, in seconds of the day
CLOSE_S = 15 * 3600 + 30 * 60  # 15:30
SQUARE_OFF_S = 15 * 3600 + 20 * 60  # MIS positions are closed by 15:20
MAX_HOLD = 8  # a CNC lot is sold at most this many trading days after its purchase
SESSION_S = CLOSE_S - OPEN_S

# Kite instrument tokens and ISINs of the simulated universe (the NSE symbols of BASE_PRICES).
INSTRUMENT_TOKENS: dict[str, int] = {
    "NIFTY 50": 256265,
    "NIFTY BANK": 260105,
    "RELIANCE": 738561,
    "TCS": 2953217,
    "HDFCBANK": 341249,
    "INFY": 408065,
    "ICICIBANK": 1270529,
    "SBIN": 779521,
    "BHARTIARTL": 2714625,
    "ITC": 424961,
    "HINDUNILVR": 356865,
    "KOTAKBANK": 492033,
    "LT": 2939649,
    "AXISBANK": 1510401,
    "BAJFINANCE": 81153,
    "MARUTI": 2815745,
    "SUNPHARMA": 857857,
    "HCLTECH": 1850625,
    "WIPRO": 969473,
    "ASIANPAINT": 60417,
    "TITAN": 897537,
    "NTPC": 2977281,
    "TATASTEEL": 895745,
    "M&M": 519937,
}
ISINS: dict[str, str] = universe().curated_isins  # the instrument list's, by NSE symbol
# What a simulated user trades: the stocks of BASE_PRICES (indices have a space in their name).
TRADABLE: tuple[str, ...] = tuple(
    key.split(":", 1)[1] for key in BASE_PRICES if key.startswith("NSE:") and " " not in key
)


def instrument_token(symbol: str) -> int:
    return INSTRUMENT_TOKENS.get(symbol) or 1 + hash_int("token", symbol) % 10_000_000
