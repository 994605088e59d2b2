"""Pure quality logic: ISO 2859-1 sampling and switching, SPC statistics (no ORM)."""
