"""NSE equity-segment trading holidays (the exchange's yearly circular), as data.

Dates that fall on a Saturday or Sunday are listed too (the exchange lists them separately);
they change nothing for the calendar but keep the holiday's name. Refresh each December
from the NSE circular "Trading holidays for the calendar year" (Capital Market segment).

Sources and assumptions (see the implementation note):
- 2025: the 14 weekday holidays of NSE's 2025 calendar, as reproduced consistently by several
  public sources; Diwali Laxmi Pujan (21 Oct 2025) is a holiday with a separate evening Muhurat
  session, which this calendar does not model.
- 2026: NSE's 2026 calendar (15 weekday holidays) plus 15 Jan 2026 (Maharashtra municipal
  corporation elections), declared later; read from secondary sources, not the circular itself.
"""

from __future__ import annotations

from datetime import date

NSE_HOLIDAYS: dict[date, str] = {
    # 2025
    date(2025, 1, 26): "Republic Day",  # Sunday
    date(2025, 2, 26): "Mahashivratri",
    date(2025, 3, 14): "Holi",
    date(2025, 3, 31): "Id-Ul-Fitr (Ramadan Eid)",
    date(2025, 4, 10): "Shri Mahavir Jayanti",
    date(2025, 4, 14): "Dr. Baba Saheb Ambedkar Jayanti",
    date(2025, 4, 18): "Good Friday",
    date(2025, 5, 1): "Maharashtra Day",
    date(2025, 6, 7): "Bakri Id",  # Saturday
    date(2025, 7, 6): "Muharram",  # Sunday
    date(2025, 8, 15): "Independence Day / Parsi New Year",
    date(2025, 8, 27): "Shri Ganesh Chaturthi",
    date(2025, 10, 2): "Mahatma Gandhi Jayanti / Dussehra",
    date(2025, 10, 21): "Diwali Laxmi Pujan",
    date(2025, 10, 22): "Diwali Balipratipada",
    date(2025, 11, 5): "Prakash Gurpurb Sri Guru Nanak Dev",
    date(2025, 12, 25): "Christmas",
    # 2026
    date(2026, 1, 15): "Municipal Corporation Election - Maharashtra",
    date(2026, 1, 26): "Republic Day",
    date(2026, 2, 15): "Mahashivratri",  # Sunday
    date(2026, 3, 3): "Holi",
    date(2026, 3, 21): "Id-Ul-Fitr (Ramadan Eid)",  # Saturday
    date(2026, 3, 26): "Shri Ram Navami",
    date(2026, 3, 31): "Shri Mahavir Jayanti",
    date(2026, 4, 3): "Good Friday",
    date(2026, 4, 14): "Dr. Baba Saheb Ambedkar Jayanti",
    date(2026, 5, 1): "Maharashtra Day",
    date(2026, 5, 28): "Bakri Id",
    date(2026, 6, 26): "Muharram",
    date(2026, 8, 15): "Independence Day",  # Saturday
    date(2026, 9, 14): "Ganesh Chaturthi",
    date(2026, 10, 2): "Mahatma Gandhi Jayanti",
    date(2026, 10, 20): "Dussehra",
    date(2026, 11, 8): "Diwali Laxmi Pujan",  # Sunday
    date(2026, 11, 10): "Diwali Balipratipada",
    date(2026, 11, 24): "Prakash Gurpurb Sri Guru Nanak Dev",
    date(2026, 12, 25): "Christmas",
}

COVERED_YEARS = frozenset(day.year for day in NSE_HOLIDAYS)
