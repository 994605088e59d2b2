"""Tests of pdf_document: what an auditor reads (extractable text on every page), what a scanner
reads (QR and Data Matrix decoded back from a raster), and how fast a full DHR renders."""

import io
import shutil
import subprocess
import time

import numpy as np
import pypdf
import pytest
import zxingcpp
from lib_loader import load
from PIL import Image
from reportlab.lib.units import mm

pd = load("pdf_document")

HASH = '3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f5a'
SHORT = HASH[:16]
HEADER = 'Syringe 5 mL [SYR-5ML] - Lot SYR-0001'
PDFTOPPM = shutil.which('pdftoppm')


def _pages_text(data):
    return [page.extract_text() or '' for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _raster(data, tmp_path, page, dpi):

    pdf = tmp_path / 'doc.pdf'
    pdf.write_bytes(data)
    prefix = tmp_path / f'p{page}'
    subprocess.run([PDFTOPPM, '-r', str(dpi), '-png', '-singlefile', '-f', str(page), '-l',
                    str(page), str(pdf), str(prefix)], check=True)
    return Image.open(f'{prefix}.png').convert('RGB')


def _datamatrix(text):
    """A real Data Matrix symbol's modules (zxing-cpp's writer, only as a test fixture)."""
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.DataMatrix)
    image = np.array(symbol.to_image(scale=1, add_quiet_zones=False))
    return (image < 128).tolist()


def _decode(image):
    names = {zxingcpp.BarcodeFormat.QRCode: 'QRCode', zxingcpp.BarcodeFormat.DataMatrix: 'DataMatrix'}
    return {(names.get(r.format, str(r.format)), r.text) for r in zxingcpp.read_barcodes(image)}


def _steps(n, flagged=(), long_every=0):
    rows = []
    for i in range(n):
        comment = 'as expected'
        if long_every and i % long_every == 0:
            comment = ('operator noted the melt temperature drifted during the shift; QA reviewed '
                       'the trend and accepted the parts under the approved deviation')
        rows.append([i + 1, f'STEP-{i:04d}', 'Measure wall thickness', f'{1.2 + i / 1000:.3f}',
                     'mm', comment])
    return {'columns': ['No.', 'Step code', 'Operation', 'Measured', 'Unit', 'Comment'],
            'rows': rows, 'widths': [0.5, 1, 2, 1, 0.6, 3], 'flagged_rows': list(flagged)}


def _full_doc():
    steps = _steps(120, flagged=[7])
    steps['rows'][7][5] = 'Seal force OUT OF SPEC'
    steps['rows'][8][5] = 'Particles <5 & none visible'
    steps['collapsed_note'] = '880 further steps as expected are not listed'
    return {
        'title': 'Device History Record',
        'running_header': HEADER,
        'document_number': 'DHR/2026/0001',
        'meta': [('Product', 'Syringe 5 mL [SYR-5ML]'), ('Lot', 'SYR-0001'),
                 ('Quantity', '1,000 Units'), ('Released', '2026-01-31 10:00 UTC')],
        'sections': [
            {'title': 'Production', 'summary': '1,000 steps, 1 flagged, the rest as expected',
             'key_values': [('Work order', 'WO/0042'), ('Line', 'Moulding 2')],
             'paragraphs': ['Moulded on press P-07.\nSecond line of the same paragraph.'],
             'table': steps},
            {'title': 'Materials', 'table': {'columns': ['Component', 'Lot', 'Qty'],
                                             'rows': [['Barrel', 'BAR-17', 1000],
                                                      ['Plunger', None, 1000.5]]}},
            {'title': 'Empty table', 'table': {'columns': ['A', 'B'], 'rows': []}},
        ],
        'statement': 'We certify that this lot conforms to its specification <ISO 7886-1>.',
        'signatures': [{'meaning': 'Released by QA', 'signer': 'Jane Auditor',
                        'date': '2026-01-31 10:00:05 UTC', 'reason': 'Batch release'}],
        'content_hash': HASH,
        'qr_data': 'https://mes.example.com/dhr/SYR-0001?h=' + SHORT,
        'barcode_matrix': _datamatrix('(01)09501101530003(10)SYR-0001'),
        'barcode_caption': '(01)09501101530003(10)SYR-0001',
    }


@pytest.fixture(scope='module')
def full_pdf():
    return pd.render_document(_full_doc())


def test_full_document_text_on_every_page(full_pdf):
    pages = _pages_text(full_pdf)
    n = len(pages)
    assert n >= 3
    assert 'Device History Record' in pages[0]
    for i, text in enumerate(pages, start=1):
        assert HEADER in text
        assert 'DHR/2026/0001' in text
        assert f'Page {i} of {n}' in text
        assert SHORT in text
    everything = '\n'.join(pages)
    assert HASH in everything  # in full at the end
    assert 'Seal force OUT OF SPEC' in everything
    assert 'Particles <5 & none visible' in everything
    assert '<ISO 7886-1>' in everything
    assert '880 further steps as expected are not listed' in everything
    assert 'None' in everything  # the empty table says so
    assert '1,000 steps, 1 flagged, the rest as expected' in everything
    for word in ('Released by QA', 'Jane Auditor', '2026-01-31 10:00:05 UTC', 'Batch release',
                 'Signatures', 'Work order', 'Moulding 2', 'Second line', 'Plunger', '1000.5'):
        assert word in everything, word
    # the step table's header row is repeated on every page it spans
    table_pages = [t for t in pages if 'STEP-0' in t]
    assert len(table_pages) >= 2
    assert all('Step code' in t for t in table_pages)


def test_markup_in_values_is_printed_literally():
    doc = {'title': 'A <b>not bold</b> & co', 'running_header': 'R & D <lot>',
           'document_number': 'X', 'sections': [{'title': '<i>', 'paragraphs': ['a < b > c'],
                                                 'table': {'columns': ['<v>'],
                                                           'rows': [['<5 & ' + 'x ' * 80]]}}],
           'signatures': [], 'content_hash': HASH}
    text = '\n'.join(_pages_text(pd.render_document(doc)))
    for word in ('A <b>not bold</b> & co', 'R & D <lot>', '<i>', 'a < b > c', '<v>', '<5 &'):
        assert word in text, word
    assert 'None' in text  # no signature: said, not left blank


def test_flagged_row_is_highlighted(full_pdf, tmp_path):
    image = _raster(full_pdf, tmp_path, 1, 50)
    assert image.getcolors(1 << 20) and any(
        abs(r - 0xF8) < 6 and abs(g - 0xD0) < 6 and abs(b - 0xD0) < 6
        for _count, (r, g, b) in image.getcolors(1 << 20))


def test_qr_and_data_matrix_decode(full_pdf, tmp_path):
    doc = _full_doc()
    last = len(pypdf.PdfReader(io.BytesIO(full_pdf)).pages)
    found = _decode(_raster(full_pdf, tmp_path, last, 200))
    assert ('QRCode', doc['qr_data']) in found
    assert ('DataMatrix', '(01)09501101530003(10)SYR-0001') in found


def test_qr_with_chinese_text_decodes(tmp_path):
    doc = {'title': '证书', 'running_header': '批次 A', 'document_number': 'C-1',
           'content_hash': HASH, 'qr_data': '批次 SYR-0001'}
    found = _decode(_raster(pd.render_document(doc), tmp_path, 1, 200))
    assert ('QRCode', '批次 SYR-0001') in found


def test_thousand_row_table_is_fast_and_repeats_its_header():
    doc = {'title': 'Device History Record', 'running_header': HEADER, 'document_number': 'D-1',
           'sections': [{'title': 'Steps', 'table': _steps(1000, [3, 500, 999], long_every=10)},
                        {'title': 'Checks', 'table': _steps(200, [1], long_every=5)},
                        {'title': 'Materials', 'table': _steps(50, long_every=2)}],
           'signatures': [], 'content_hash': HASH}
    pd.render_document({'title': 'warm-up', 'content_hash': HASH})
    start = time.perf_counter()
    data = pd.render_document(doc)
    elapsed = time.perf_counter() - start
    print(f'\n1,000 + 200 + 50 row tables: {elapsed:.2f} s, {len(data) // 1024} KiB')
    assert elapsed < 5
    pages = _pages_text(data)
    assert len(pages) > 20
    for i, text in enumerate(pages, start=1):
        assert f'Page {i} of {len(pages)}' in text
        if 'STEP-' in text:
            assert 'Step code' in text
    everything = '\n'.join(pages)
    assert 'STEP-0999' in everything


def test_chinese_text_uses_embedded_cjk_font():
    doc = {'title': '器械历史记录', 'running_header': '注射器 5 mL - 批次 SYR-0001',
           'document_number': 'DHR-0001', 'meta': [('批次', 'SYR-0001')],
           'sections': [{'title': '步骤', 'table': {'columns': ['步骤', '结果'],
                                                   'rows': [['测量壁厚 ≤ 1.3 mm', '合格']]}}],
           'signatures': [{'meaning': '批准', 'signer': '张伟', 'date': '2026-01-31',
                           'reason': '放行'}],
           'content_hash': HASH,
           'labels': {'page': '第 {page} 页，共 {pages} 页', 'signatures': '签名'}}
    data = pd.render_document(doc)
    text = _pages_text(data)[0]
    for word in ('器械历史记录', '批次', '注射器 5 mL - 批次 SYR-0001', '测量壁厚 ≤ 1.3 mm', '张伟',
                 '签名', '第 1 页，共 1 页'):
        assert word in text, word
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    fonts = {page['/Resources']['/Font'][k].get_object()['/BaseFont'] for k in
             page['/Resources']['/Font']}
    assert any('WenQuanYi' in f or 'STSong' in f for f in fonts)


def test_latin_text_outside_winansi_also_switches_font():
    doc = {'title': 'Wall ≤ 1.3 mm', 'running_header': 'R', 'document_number': 'D'}
    assert 'Wall ≤ 1.3 mm' in _pages_text(pd.render_document(doc))[0]


def test_cid_font_fallback_without_font_file(monkeypatch):
    monkeypatch.setattr(pd, '_cjk_font_name', None)
    monkeypatch.setattr(pd, '_find_cjk_font_file', lambda: None)
    data = pd.render_document({'title': '器械历史记录', 'running_header': '批次',
                               'document_number': 'D', 'font': 'cjk'})
    assert '器械历史记录' in _pages_text(data)[0]
    assert b'STSong-Light' in data


def test_letter_landscape_page_size():
    data = pd.render_document({'title': 'T', 'running_header': 'R', 'document_number': 'D',
                               'page_size': 'LETTER', 'orientation': 'landscape'})
    box = pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (792, 612)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        pd.render_document({'title': 'T', 'sections': [
            {'table': {'columns': ['A'], 'rows': [['1', 'extra cell']]}}]})
    with pytest.raises(ValueError):
        pd.render_document({'title': 'T', 'barcode_matrix': [[True, False], [True]]})
    with pytest.raises(ValueError):
        pd.render_document({'title': 'T', 'sections': [
            {'table': {'columns': ['A'], 'rows': [['1']], 'flagged_rows': [1]}}]})


def _label(i, matrix=None):
    return {'title': f'Syringe 5 mL - box {i}', 'lines': ['Lot SYR-0001', 'Exp. 2027-01-31',
                                                           'Qty 100', 'Sterile EO'],
            'hri': f'(01)09501101530003(17)270131(10)SYR-0001(21){i:04d}',
            'barcode_matrix': matrix}


def test_labels_one_page_each_at_label_size():
    labels = [_label(1, _datamatrix('A1')), _label(2), _label(3, [[True, False], [False, True]])]
    reader = pypdf.PdfReader(io.BytesIO(pd.render_labels(labels, (100, 50))))
    assert len(reader.pages) == 3
    for i, page in enumerate(reader.pages, start=1):
        assert abs(float(page.mediabox.width) - 100 * mm) < 0.01
        assert abs(float(page.mediabox.height) - 50 * mm) < 0.01
        text = page.extract_text()
        for word in (f'Syringe 5 mL - box {i}', 'Lot SYR-0001', 'Exp. 2027-01-31',
                     f'(01)09501101530003(17)270131(10)SYR-0001(21){i:04d}'):
            assert word in text, word


def test_label_data_matrix_decodes_at_300_dpi(tmp_path):
    content = '(01)09501101530003(17)270131(10)SYR-0001'
    data = pd.render_labels([_label(1, _datamatrix(content))], (60, 30))
    assert ('DataMatrix', content) in _decode(_raster(data, tmp_path, 1, 300))


def test_label_in_chinese_and_overflow():
    data = pd.render_labels([{'title': '注射器 5 mL', 'lines': ['批次 SYR-0001'],
                              'hri': '(10)SYR-0001'}])
    assert '批次 SYR-0001' in _pages_text(data)[0]
    with pytest.raises(ValueError):
        pd.render_labels([{'title': 'T', 'lines': ['line'] * 60, 'hri': ''}], (30, 15))
    with pytest.raises(ValueError):
        pd.render_labels([])
