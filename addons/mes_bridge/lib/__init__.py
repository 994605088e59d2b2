"""Pure domain logic for mes_bridge: no ORM imports, testable on its own."""
