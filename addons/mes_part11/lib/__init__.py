"""Pure logic of the Part 11 core (hash chain, spreadsheet safety): no ORM imports, testable
on its own."""
