"""Exports that spreadsheets open safely (CSV / formula injection).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
as a formula by Excel, LibreOffice and Google Sheets when a CSV file is opened. Text typed by
users (lot names, reasons, comments) reaches our exports, so such text is prefixed with an
apostrophe, which spreadsheets show as the text itself (OWASP "CSV injection"). Numbers stay
numbers. XLSX cells are written as typed strings instead, which are never evaluated.
"""
FORMULA_TRIGGERS = ('=', '+', '-', '@', '\t', '\r')


def csv_cell(value):
    """The value as a CSV cell that no spreadsheet evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_row(values):
    return [csv_cell(value) for value in values]


def write_xlsx_row(sheet, row, values, cell_format=None):
    """Write one row with xlsxwriter: text always as a string cell (never a formula, even
    when it starts with '='), numbers as numbers, empty values as blanks."""
    for col, value in enumerate(values):
        if isinstance(value, bool) or value is None:
            sheet.write_blank(row, col, None, cell_format)
        elif isinstance(value, (int, float)):
            sheet.write_number(row, col, value, cell_format)
        else:
            sheet.write_string(row, col, str(value), cell_format)
