"""Pure domain logic for mes_equipment: no ORM imports, testable on its own."""
