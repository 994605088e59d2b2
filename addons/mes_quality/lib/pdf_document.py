"""Render regulated documents (DHR, certificates, NC/CAPA reports) and product labels to PDF.

Plain Python on top of reportlab, with no Odoo import, so that the records a manufacturer must
keep (21 CFR 820, ISO 13485) print the same on any host: no wkhtmltopdf, no browser, no network.
Odoo model code builds a plain dict (already translated, already formatted) and gets bytes back;
everything about layout lives here and can be tested without a database.

Public API: ``render_document(doc) -> bytes`` and ``render_labels(labels, label_size_mm) -> bytes``.
"""

from __future__ import annotations

import glob
import os
import re
import threading
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER, landscape, portrait
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

DEFAULT_LABELS = {
    'page': 'Page {page} of {pages}',
    'hash': 'Content hash',
    'signatures': 'Signatures',
    'none': 'None',
    'meaning': 'Meaning',
    'signer': 'Signed by',
    'date': 'Date and time',
    'reason': 'Reason',
    'qr': 'Verification code',
    'chain': 'Audit trail head',
}

# Where the WenQuanYi Micro Hei font is looked for (Debian/Ubuntu fonts-wqy-microhei first).
CJK_FONT_PATHS = [
    '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
    '/usr/share/fonts/wqy-microhei/wqy-microhei.ttc',
]
CJK_TTF_NAME = 'WenQuanYiMicroHei'
CJK_CID_FALLBACK = 'STSong-Light'

_LATIN = ('Helvetica', 'Helvetica-Bold', 'Helvetica-Oblique')
_font_lock = threading.Lock()
_cjk_font_name: str | None = None

# CJK and later blocks; text outside WinAnsi (cp1252, e.g. '≤') also needs the Unicode font.
_CJK_RE = re.compile('[\u2e80-\U0010ffff]')

LIGHT_RED = colors.HexColor('#F8D0D0')
FLAG_RED = colors.HexColor('#C62828')
HEADER_GREY = colors.HexColor('#E4E4E4')
GRID_GREY = colors.HexColor('#9E9E9E')


# ---------------------------------------------------------------------------------------------
# Fonts
# ---------------------------------------------------------------------------------------------
def _find_cjk_font_file() -> str | None:
    for path in CJK_FONT_PATHS:
        if os.path.isfile(path):
            return path
    found = glob.glob('/usr/share/fonts/**/wqy-microhei.tt[cf]', recursive=True)
    return found[0] if found else None


def cjk_font_name() -> str:
    """Register the CJK font once per process (thread-safe: Odoo workers render concurrently).

    The embedded TTF subset keeps text extractable and prints anywhere; the CID font is only a
    fallback for hosts without fonts-wqy-microhei, as it relies on the viewer having the font.
    """
    global _cjk_font_name
    with _font_lock:
        if _cjk_font_name is None:
            path = _find_cjk_font_file()
            name = None
            if path:
                try:
                    pdfmetrics.registerFont(TTFont(CJK_TTF_NAME, path, subfontIndex=0))
                    name = CJK_TTF_NAME
                except (OSError, TTFError):  # a broken font file must not stop printing
                    name = None
            if name is None:
                pdfmetrics.registerFont(UnicodeCIDFont(CJK_CID_FALLBACK))
                name = CJK_CID_FALLBACK
            pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name,
                                          boldItalic=name)
            _cjk_font_name = name
    return _cjk_font_name


def _needs_unicode_font(text: str) -> bool:
    if _CJK_RE.search(text):
        return True
    try:
        text.encode('cp1252')
    except UnicodeEncodeError:
        return True
    return False


def _iter_strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _iter_strings(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _iter_strings(value)


def _fonts(choice, payload) -> tuple[str, str, str]:
    """(regular, bold, italic): the CJK font for everything when any text needs it."""
    if choice == 'cjk' or (choice is None and any(map(_needs_unicode_font,
                                                       _iter_strings(payload)))):
        name = cjk_font_name()
        return name, name, name
    return _LATIN


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def _text(value) -> str:
    return '' if value is None else str(value)


def _markup(value) -> str:
    """Paragraph parses a mini-XML: escape every value ('<5', '&') and keep line breaks."""
    return escape(_text(value)).replace('\n', '<br/>')


def _fit_font_size(text, font, size, width, min_size=5.0):
    while size > min_size and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _ellipsize(text, font, size, width):
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + '...', font, size) > width:
        text = text[:-1]
    return text + '...'


def _wrap(text, font, size, width):
    """Greedy wrap on spaces, breaking over-long words (and space-less CJK) by character."""
    lines = []
    for raw in _text(text).split('\n'):
        line = ''
        for word in raw.split(' '):
            candidate = f'{line} {word}' if line else word
            if pdfmetrics.stringWidth(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ''
            for char in word:
                if line and pdfmetrics.stringWidth(line + char, font, size) > width:
                    lines.append(line)
                    line = ''
                line += char
        lines.append(line)
    return lines


def _check_matrix(matrix):
    if not matrix or not matrix[0] or any(len(row) != len(matrix[0]) for row in matrix):
        raise ValueError('barcode_matrix must be a non-empty rectangular list of rows')


def _draw_matrix(canv, matrix, x, y, module):
    """Draw dark modules as one path of horizontal runs: no hairline seams when rasterised."""
    path = canv.beginPath()
    top = y + module * len(matrix)
    for r, row in enumerate(matrix):
        c, n = 0, len(row)
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.rect(x + start * module, top - (r + 1) * module, (c - start) * module, module)
            else:
                c += 1
    canv.saveState()
    canv.setFillColor(colors.black)
    canv.drawPath(path, stroke=0, fill=1, fillMode=0)  # non-zero winding: the union of runs
    canv.restoreState()


class _CellParagraph(Paragraph):
    """A table cell is re-measured at every page split at the same width: break lines once."""

    _wrapped = None

    def wrap(self, avail_width, avail_height):
        if self._wrapped is None or self._wrapped[0] != avail_width:
            self._wrapped = (avail_width, super().wrap(avail_width, avail_height))
        return self._wrapped[1]


class _MatrixFlowable(Flowable):
    """A pre-computed 2D symbol (Data Matrix from the caller's encoder) at a fixed size."""

    def __init__(self, matrix, size):
        super().__init__()
        _check_matrix(matrix)
        self.matrix = matrix
        self.module = size / max(len(matrix), len(matrix[0]))
        self.width = self.module * len(matrix[0])
        self.height = self.module * len(matrix)

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        _draw_matrix(self.canv, self.matrix, 0, 0, self.module)


def _qr_drawing(data, size):
    widget = QrCodeWidget(data, barLevel='M')  # its own 4-module quiet zone is included
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


# ---------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------
class _Styles:
    def __init__(self, regular, bold, italic, cjk):
        wrap = 'CJK' if cjk else None  # Chinese has no spaces: break between characters

        def style(name, **kw):
            base = {} if 'parent' in kw else {'fontName': regular, 'fontSize': 9, 'leading': 11.5}
            if wrap:
                base['wordWrap'] = wrap
            base.update(kw)
            return ParagraphStyle(name, **base)

        self.regular, self.bold, self.italic = regular, bold, italic
        self.title = style('title', fontName=bold, fontSize=16, leading=20, spaceAfter=8)
        self.heading = style('heading', fontName=bold, fontSize=12, leading=15, spaceBefore=10,
                             spaceAfter=4)
        self.summary = style('summary', fontName=italic, textColor=colors.HexColor('#424242'),
                             spaceAfter=4)
        self.body = style('body', spaceAfter=4)
        self.statement = style('statement', fontSize=10, leading=13, spaceBefore=8,
                               spaceAfter=6, borderWidth=0.75, borderColor=GRID_GREY,
                               borderPadding=6, leftIndent=6, rightIndent=6)
        self.label = style('label', fontName=bold, fontSize=8.5, leading=10.5)
        self.value = style('value', fontSize=8.5, leading=10.5)
        self.cell = style('cell', fontSize=8, leading=9.6)
        self.cell_right = style('cell_right', parent=self.cell, alignment=TA_RIGHT)
        self.cell_header = style('cell_header', fontName=bold, fontSize=8, leading=9.6)
        self.cell_header_right = style('cell_header_right', parent=self.cell_header,
                                       alignment=TA_RIGHT)
        self.note = style('note', fontName=italic, fontSize=8, leading=10,
                          textColor=colors.HexColor('#424242'), spaceBefore=2)
        self.caption = style('caption', fontSize=7.5, leading=9, alignment=1)
        self.hash = style('hash', fontSize=8, leading=10, spaceBefore=8)


_CELL_PAD = 3


def _grid_style(font, header=True):
    cmds = [
        ('FONTNAME', (0, 0), (-1, -1), font),
        ('FONTSIZE', (0, 0), (-1, -1), 8),
        ('LEADING', (0, 0), (-1, -1), 9.6),
        ('VALIGN', (0, 0), (-1, -1), 'TOP'),
        ('LEFTPADDING', (0, 0), (-1, -1), _CELL_PAD),
        ('RIGHTPADDING', (0, 0), (-1, -1), _CELL_PAD),
        ('TOPPADDING', (0, 0), (-1, -1), 2),
        ('BOTTOMPADDING', (0, 0), (-1, -1), 2),
        ('GRID', (0, 0), (-1, -1), 0.25, GRID_GREY),
    ]
    if header:
        cmds.append(('BACKGROUND', (0, 0), (-1, 0), HEADER_GREY))
    return cmds


def _pairs_table(pairs, st, width, columns):
    """Label/value pairs, `columns` pairs per row (the meta block uses two)."""
    pairs = list(pairs or [])
    if not pairs:
        return None
    rows = []
    for i in range(0, len(pairs), columns):
        row = []
        for label, value in pairs[i:i + columns]:
            row += [Paragraph(_markup(label), st.label), Paragraph(_markup(value), st.value)]
        row += [''] * (2 * columns - len(row))
        rows.append(row)
    unit = width / columns
    widths = [unit * 0.36, unit * 0.64] * columns
    table = Table(rows, colWidths=widths, hAlign='LEFT')
    cmds = _grid_style(st.regular, header=False)
    cmds += [('BACKGROUND', (c, 0), (c, -1), HEADER_GREY) for c in range(0, 2 * columns, 2)]
    table.setStyle(TableStyle(cmds))
    return table


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _data_table(spec, st, width, none_text=DEFAULT_LABELS['none']):
    """A long, splittable grid: header row repeated, flagged rows shaded and barred in red.

    Speed matters (a DHR has thousands of steps): a cell that fits on one line stays a plain
    string, drawn directly by Table; only cells that need wrapping become Paragraphs.
    """
    columns = [_text(c) for c in spec.get('columns') or []]
    rows = spec.get('rows') or []
    ncols = len(columns) or max((len(r) for r in rows), default=0)
    if not ncols:
        return None
    for index, row in enumerate(rows):
        if len(row) > ncols:
            raise ValueError(f'table row {index} has {len(row)} cells for {ncols} columns')
    rel = spec.get('widths') or [1.0] * ncols
    if len(rel) != ncols or min(rel) <= 0:
        raise ValueError('table widths must give one positive number per column')
    total = float(sum(rel))
    col_widths = [width * w / total for w in rel]
    fit = [w - 2 * _CELL_PAD - 0.5 for w in col_widths]
    numeric = [
        all(_is_number(r[c]) for r in rows if c < len(r) and r[c] is not None)
        and any(c < len(r) and r[c] is not None for r in rows)
        for c in range(ncols)
    ]
    string_width, font = pdfmetrics.stringWidth, st.regular
    data = [[_CellParagraph(_markup(c), st.cell_header_right if numeric[i] else st.cell_header)
             for i, c in enumerate(columns)]] if columns else []
    for row in rows:
        cells = []
        for c in range(ncols):
            text = _text(row[c]) if c < len(row) else ''
            if '\n' not in text and string_width(text, font, 8) <= fit[c]:
                cells.append(text)
            else:
                cells.append(_CellParagraph(_markup(text), st.cell_right if numeric[c] else st.cell))
        data.append(cells)
    offset = 1 if columns else 0
    cmds = _grid_style(font, header=bool(columns))
    if not rows:  # say so, rather than print a bare header a reader may take for a cut table
        data.append([none_text] + [''] * (ncols - 1))
        cmds.append(('SPAN', (0, offset), (-1, offset)))
    cmds += [('ALIGN', (c, offset), (c, -1), 'RIGHT') for c in range(ncols) if numeric[c]]
    for index in sorted(set(spec.get('flagged_rows') or [])):
        if not 0 <= index < len(rows):  # an index past the rows means the caller lost a flag
            raise ValueError(f'flagged row {index} is not a row of this table')
        r = index + offset
        cmds.append(('BACKGROUND', (0, r), (-1, r), LIGHT_RED))
        cmds.append(('LINEBEFORE', (0, r), (0, r), 2.5, FLAG_RED))  # visible in greyscale
    return _chunked_tables(data, cmds, col_widths, offset)


# reportlab re-measures every remaining row of a table at each page split: quadratic in the row
# count (a 20,000-entry audit trail took minutes). Tables of at most this many body rows, each
# with the header, keep it linear.
CHUNK_ROWS = 100


def _chunked_tables(data, cmds, col_widths, offset):
    """``data`` (header rows first) as consecutive Tables of ``CHUNK_ROWS`` body rows, the
    style commands of each re-based on its own rows."""
    header, body = data[:offset], data[offset:]
    if len(body) <= CHUNK_ROWS:
        table = Table(data, colWidths=col_widths, repeatRows=offset, hAlign='LEFT')
        table.setStyle(TableStyle(cmds))
        return [table]
    whole, per_row = [], {}
    for cmd in cmds:
        r0, r1 = cmd[1][1], cmd[2][1]
        if r0 == r1 and r0 >= offset:  # a style of one body row (flagged rows)
            per_row.setdefault(r0 - offset, []).append(cmd)
        else:
            whole.append(cmd)
    tables = []
    for start in range(0, len(body), CHUNK_ROWS):
        chunk = body[start:start + CHUNK_ROWS]
        chunk_cmds = list(whole)
        for index in range(start, start + len(chunk)):
            for cmd in per_row.get(index, []):
                row = index - start + offset
                chunk_cmds.append((cmd[0], (cmd[1][0], row), (cmd[2][0], row)) + tuple(cmd[3:]))
        table = Table(header + chunk, colWidths=col_widths, repeatRows=offset, hAlign='LEFT')
        table.setStyle(TableStyle(chunk_cmds))
        tables.append(table)
    return tables


def _signature_table(signatures, st, width, labels):
    head = [labels['meaning'], labels['signer'], labels['date'], labels['reason']]
    rows = [[s.get('meaning'), s.get('signer'), s.get('date'), s.get('reason')]
            for s in signatures]
    widths = [1.8, 2.2, 2.2, 2.8]
    if any(s.get('chain') for s in signatures):
        # the audit trail's head at the signature: a copy of the anchor in the reader's hands
        head.append(labels['chain'])
        widths = [1.5, 1.7, 1.7, 2.0, 3.1]
        for row, signature in zip(rows, signatures):
            row.append(signature.get('chain') or '-')
    return _data_table({'columns': head, 'rows': rows, 'widths': widths}, st, width)


def _codes_block(doc, st, labels):
    cells, captions = [], []
    if doc.get('qr_data'):
        cells.append(_qr_drawing(doc['qr_data'], 38 * mm))
        caption = doc.get('qr_caption') or labels['qr']
        captions.append(Paragraph(f'{_markup(caption)}<br/>{_markup(doc["qr_data"])}',
                                  st.caption))
    if doc.get('barcode_matrix'):
        cells.append(_MatrixFlowable(doc['barcode_matrix'], 26 * mm))
        captions.append(Paragraph(_markup(doc.get('barcode_caption')), st.caption))
    if not cells:
        return None
    table = Table([cells, captions], colWidths=[62 * mm] * len(cells), hAlign='LEFT')
    table.setStyle(TableStyle([('ALIGN', (0, 0), (-1, 0), 'CENTER'),
                               ('VALIGN', (0, 0), (-1, 0), 'MIDDLE'),
                               ('VALIGN', (0, 1), (-1, 1), 'TOP'),
                               ('TOPPADDING', (0, 0), (-1, -1), 6)]))
    return KeepTogether([Spacer(1, 4 * mm), table])


def _page_labels(labels, page, pages):
    try:
        return labels['page'].format(page=page, pages=pages)
    except (KeyError, IndexError, ValueError):  # a broken translation must not stop printing
        return DEFAULT_LABELS['page'].format(page=page, pages=pages)


def _short_hash(content_hash):
    return content_hash[:16] if content_hash else ''


def _decorate(canv, total, doc, labels, fonts, margins):
    """Header and footer of one page, drawn once the page count is known."""
    regular, bold, _italic = fonts
    left, right, top, bottom = margins
    width, height = canv._pagesize
    usable = width - left - right
    canv.saveState()
    canv.setStrokeColor(GRID_GREY)
    canv.setLineWidth(0.5)
    # header: running header (product, lot) left, document number right
    y = height - top + 6 * mm
    number = _text(doc.get('document_number'))
    canv.setFont(regular, 8)
    number_w = pdfmetrics.stringWidth(number, regular, 8)
    canv.drawRightString(width - right, y, number)
    running = _text(doc.get('running_header'))
    room = usable - number_w - 6 * mm
    size = _fit_font_size(running, bold, 9, room, 6.5)
    canv.setFont(bold, size)
    canv.drawString(left, y, _ellipsize(running, bold, size, room))
    canv.line(left, y - 2 * mm, width - right, y - 2 * mm)
    # footer: document number and short hash left, page x of y right
    y = bottom - 8 * mm
    canv.line(left, y + 3.5 * mm, width - right, y + 3.5 * mm)
    canv.setFont(regular, 7.5)
    page_text = _page_labels(labels, canv.getPageNumber(), total)
    canv.drawRightString(width - right, y, page_text)
    footer = number
    if doc.get('content_hash'):
        footer = f'{number}    {labels["hash"]}: {_short_hash(doc["content_hash"])}'
    room = usable - pdfmetrics.stringWidth(page_text, regular, 7.5) - 6 * mm
    canv.drawString(left, y, _ellipsize(footer, regular, 7.5, room))
    canv.restoreState()


def _canvas_maker(decorate):
    """The reportlab 'numbered canvas' trick: keep pages until save() to print 'of N'."""

    class _NumberedCanvas(pdfcanvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_pages = []

        def showPage(self):
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                decorate(self, total)
                super().showPage()
            return super().save()

    return _NumberedCanvas


def _page_size(doc):
    size = LETTER if _text(doc.get('page_size') or 'A4').upper() == 'LETTER' else A4
    return landscape(size) if doc.get('orientation') == 'landscape' else portrait(size)


def render_document(doc: dict) -> bytes:
    """Render a regulated document to PDF bytes.

    `doc` keys: title, running_header, document_number, meta [(label, value)], sections
    [{title, summary, key_values, paragraphs, table {columns, rows, widths, flagged_rows,
    collapsed_note}}], statement, signatures [{meaning, signer, date, reason}], content_hash,
    qr_data, qr_caption, barcode_matrix, barcode_caption, labels, font, page_size, orientation.
    Only what is given is printed; the signatures block always is ('None' when empty), so a
    reader can tell an unsigned record from a truncated one.
    """
    labels = {**DEFAULT_LABELS, **(doc.get('labels') or {})}
    choice = doc.get('font')
    fonts = _LATIN if choice in ('latin', 'helvetica') else _fonts(
        'cjk' if choice == 'cjk' else None, doc)
    st = _Styles(*fonts, cjk=fonts[0] != _LATIN[0])
    margins = (15 * mm, 15 * mm, 22 * mm, 20 * mm)  # left, right, top, bottom
    buffer = BytesIO()
    template = BaseDocTemplate(
        buffer, pagesize=_page_size(doc), leftMargin=margins[0], rightMargin=margins[1],
        topMargin=margins[2], bottomMargin=margins[3], title=_text(doc.get('title')),
        subject=_text(doc.get('document_number')), creator='pdf_document (reportlab)')
    width = template.width
    frame = Frame(template.leftMargin, template.bottomMargin, width, template.height,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    template.addPageTemplates([PageTemplate('page', frames=[frame])])

    story = [Paragraph(_markup(doc.get('title')), st.title)]
    meta = _pairs_table(doc.get('meta'), st, width, columns=2)
    if meta:
        story += [meta, Spacer(1, 3 * mm)]
    for section in doc.get('sections') or []:
        # keepWithNext would push a heading and its 40-page table to a new page as one block;
        # a conditional break only avoids a heading orphaned at the foot of a page
        story.append(CondPageBreak(30 * mm))
        if section.get('title'):
            story.append(Paragraph(_markup(section['title']), st.heading))
        if section.get('summary'):
            story.append(Paragraph(_markup(section['summary']), st.summary))
        key_values = _pairs_table(section.get('key_values'), st, width, columns=1)
        if key_values:
            story += [key_values, Spacer(1, 2 * mm)]
        story += [Paragraph(_markup(p), st.body) for p in section.get('paragraphs') or []]
        spec = section.get('table')
        if spec:
            tables = _data_table(spec, st, width, labels['none'])
            if tables is not None:
                story += tables
            if spec.get('collapsed_note'):
                story.append(Paragraph(_markup(spec['collapsed_note']), st.note))
    if doc.get('statement'):
        story.append(Paragraph(_markup(doc['statement']), st.statement))

    story += [CondPageBreak(30 * mm), Paragraph(_markup(labels['signatures']), st.heading)]
    signatures = doc.get('signatures') or []
    if signatures:
        story += _signature_table(signatures, st, width, labels)
    else:
        story.append(Paragraph(_markup(labels['none']), st.body))
    if doc.get('content_hash'):
        story.append(Paragraph(
            f'{_markup(labels["hash"])}: <font name="Courier">{_markup(doc["content_hash"])}'
            '</font>', st.hash))
    codes = _codes_block(doc, st, labels)
    if codes:
        story.append(codes)

    def decorate(canv, total):
        _decorate(canv, total, doc, labels, fonts, margins)

    template.build(story, canvasmaker=_canvas_maker(decorate))
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------
_DOT = 72.0 / 300  # one dot of a 300 dpi label printer, in points
_MAX_MODULE = 0.99 * mm  # largest Data Matrix X-dimension in GS1 healthcare symbol tables


def _snap(value):
    """Round down to whole printer dots so every module prints with the same width."""
    return max(_DOT, int(value / _DOT) * _DOT)


def _hri_lines(hri, font, size, width):
    """GS1 HRI may only break between element strings, i.e. before an '(' AI."""
    if pdfmetrics.stringWidth(hri, font, size) <= width:
        return [hri]
    lines, line = [], ''
    for part in re.split(r'(?=\()', hri):
        if line and pdfmetrics.stringWidth(line + part, font, size) > width:
            lines.append(line)
            line = ''
        line += part
    return lines + [line] if line else lines


def _draw_label(canv, label, size_pt, fonts):
    regular, bold, _italic = fonts
    width, height = size_pt
    margin = max(2 * mm, min(width, height) * 0.05)
    inner_w = width - 2 * margin
    # HRI at the bottom across the whole width
    hri = _text(label.get('hri'))
    hri_size = _fit_font_size(hri, regular, 8, inner_w, 6)
    hri_lines = _hri_lines(hri, regular, hri_size, inner_w) if hri else []
    hri_leading = hri_size * 1.2
    for i, line in enumerate(reversed(hri_lines)):
        canv.setFont(regular, hri_size)
        canv.drawString(margin, margin + i * hri_leading + 0.2 * hri_size, line)
    body_bottom = margin + len(hri_lines) * hri_leading + (1.5 * mm if hri_lines else 0)
    body_h = height - margin - body_bottom
    if body_h <= 0:
        raise ValueError('label too small for its HRI text')
    # symbol: square, left, as large as the height allows (at most 45 % of the width)
    text_x = margin
    matrix = label.get('barcode_matrix')
    if matrix:
        _check_matrix(matrix)
        side = min(body_h, inner_w * 0.45)
        module = _snap(min(_MAX_MODULE, side / max(len(matrix), len(matrix[0]))))
        sym_h = module * len(matrix)
        x = _snap(margin)
        y = _snap(body_bottom + (body_h - sym_h) / 2)
        _draw_matrix(canv, matrix, x, y, module)
        text_x = x + module * len(matrix[0]) + 3 * mm
    text_w = width - margin - text_x
    # title and lines, shrunk together until they fit the space right of the symbol
    scale = 1.0
    while True:
        title_size, line_size = 10 * scale, 8 * scale
        blocks = [(bold, title_size, _wrap(label.get('title'), bold, title_size, text_w))]
        blocks += [(regular, line_size, _wrap(t, regular, line_size, text_w))
                   for t in label.get('lines') or []]
        needed = sum(len(lines) * size * 1.2 for _f, size, lines in blocks)
        if needed <= body_h or line_size <= 5:
            break
        scale -= 0.05
    if needed > body_h:
        raise ValueError(f'label text does not fit a {width / mm:.0f} x {height / mm:.0f} mm '
                         f'label: {label.get("title")!r}')
    y = height - margin
    for font, size, lines in blocks:
        canv.setFont(font, size)
        for line in lines:
            y -= size * 1.2
            canv.drawString(text_x, y + 0.25 * size, line)


def render_labels(labels: list[dict], label_size_mm=(100, 50)) -> bytes:
    """One label per page of the label's own size, as label printers expect."""
    if not labels:
        raise ValueError('no labels to render')
    size_pt = (label_size_mm[0] * mm, label_size_mm[1] * mm)
    fonts = _fonts(None, labels)
    buffer = BytesIO()
    canv = pdfcanvas.Canvas(buffer, pagesize=size_pt)
    canv.setTitle('Labels')
    for label in labels:
        _draw_label(canv, label, size_pt, fonts)
        canv.showPage()
    canv.save()
    return buffer.getvalue()
