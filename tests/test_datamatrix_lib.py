"""Tests for datamatrix.py.

Symbols are rendered to images and decoded with zxing-cpp, an independent reader. zxing's
``extra["UEC"]`` (unused error correction) must be 1.0: a symbol that only decodes thanks to
Reed-Solomon repairing misplaced modules would otherwise pass unnoticed.
"""

import datetime
import io
import random
import string
import subprocess

import pypdf
import pytest
import zxingcpp
from lib_loader import load
from PIL import Image

dm = load("datamatrix")
gs1 = load("gs1")



GS = "\x1d"


def decode(matrix, text_mode=None, scale=3, quiet_zone=2):
    image = dm.to_image(matrix, scale=scale, quiet_zone=quiet_zone)
    kwargs = {"text_mode": text_mode} if text_mode is not None else {}
    results = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormat.DataMatrix, is_pure=True, **kwargs
    )
    assert len(results) == 1, f"zxing-cpp found {len(results)} symbols"
    result = results[0]
    assert result.format == zxingcpp.BarcodeFormat.DataMatrix
    assert result.valid
    assert result.extra["Version"] == f"{len(matrix)}x{len(matrix[0])}"
    assert result.extra["UEC"] == 1.0, "decoded only after error correction"
    return result


def assert_roundtrip(payload, **encode_kwargs):
    matrix = dm.encode(payload, **encode_kwargs)
    # Plain: zxing's default HRI mode shows control characters as "<GS>" etc.
    result = decode(matrix, text_mode=zxingcpp.TextMode.Plain)
    assert result.text == payload
    assert result.bytes == payload.encode("latin-1")
    assert result.content_type in (zxingcpp.ContentType.Text, zxingcpp.ContentType.Binary)
    assert result.symbology_identifier == "]d1"
    return matrix


# -- codewords, padding, Reed-Solomon: ISO/IEC 16022 worked examples -------------------------


def test_ascii_codewords():
    assert dm.encode_ascii("123456") == [142, 164, 186]  # digit pairs: 130 + nn
    assert dm.encode_ascii("A") == [66]  # ASCII + 1
    assert dm.encode_ascii("a1b") == [98, 50, 99]  # lone digit: ASCII + 1
    assert dm.encode_ascii("12345") == [142, 164, 54]  # odd digit count
    assert dm.encode_ascii(b"\xe9") == [235, 0xE9 - 128 + 1]  # upper shift
    assert dm.encode_ascii("é") == [235, 0xE9 - 128 + 1]  # text is encoded as Latin-1
    assert dm.encode_ascii("A" + GS + "B") == [66, 30, 67]  # GS is data without gs1
    assert dm.encode_ascii("10A" + GS + "21", gs1=True) == [232, 140, 66, 232, 151]


def test_padding_and_reed_solomon_iso_examples():
    """ISO/IEC 16022 annex examples, 10x10: "123456" and "A" (+ pad 129 and randomised 70)."""
    symbol = dm.select_symbol(3)
    assert symbol.name == "10x10"
    ecc200 = dm.add_error_correction(dm._pad([142, 164, 186], 3), symbol)
    assert ecc200 == [142, 164, 186, 114, 25, 5, 88, 102]
    padded = dm._pad(dm.encode_ascii("A"), 3)
    assert padded == [66, 129, 70]
    assert dm.add_error_correction(padded, symbol) == [66, 129, 70, 138, 234, 82, 82, 95]


def test_symbol_table_consistency():
    """Each size's codewords exactly fill its mapping matrix (modulo the 2x2 fixed corner)."""
    assert len(dm.SQUARE_SIZES) == 24 and len(dm.RECTANGULAR_SIZES) == 6
    for s in dm.SYMBOL_SIZES:
        assert s.rows % (s.region_rows + 2) == 0 and s.cols % (s.region_cols + 2) == 0
        assert s.data_codewords + s.ecc_codewords == s.mapping_rows * s.mapping_cols // 8
        assert s.ecc_codewords % s.blocks == 0
    assert dm.select_symbol(204).blocks == 2  # 52x52
    assert dm.select_symbol(280).blocks == 2  # 64x64
    assert dm.select_symbol(576).blocks == 4  # 88x88
    assert dm.select_symbol(1558).blocks == 10  # 144x144


# -- matrix structure ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [10, 32, 64, 120, (8, 18), (16, 48)], ids=str)
def test_finder_and_clock_patterns(size):
    symbol = dm.select_symbol(0, size=size)
    matrix = dm.encode("1", size=size)
    assert len(matrix) == symbol.rows and all(len(row) == symbol.cols for row in matrix)
    for top in range(0, symbol.rows, symbol.region_rows + 2):
        bottom = top + symbol.region_rows + 1
        for c in range(symbol.cols):
            assert matrix[bottom][c], "solid bottom edge"
            assert matrix[top][c] == (c % 2 == 0), "dotted top edge"
    for left in range(0, symbol.cols, symbol.region_cols + 2):
        right = left + symbol.region_cols + 1
        for r in range(symbol.rows):
            assert matrix[r][left], "solid left edge"
            assert matrix[r][right] == (r % 2 == 1), "dotted right edge"


def test_smallest_symbol_is_chosen():
    assert len(dm.encode("123456")) == 10  # 3 codewords: 10x10 is full
    assert len(dm.encode("1234567")) == 12  # 4 codewords
    assert len(dm.encode("A" * 44)) == 26
    assert len(dm.encode("A" * 45)) == 32  # first 2x2-region size
    assert dm.select_symbol(6, shape="rectangle").name == "8x32"
    assert dm.select_symbol(5, shape="any").name == "12x12"  # a square wins a tie
    assert dm.select_symbol(6, shape="any").name == "14x14"
    assert dm.select_symbol(10, shape="any").name == "8x32"


# -- decoding with zxing-cpp -----------------------------------------------------------------

_rng = random.Random(20240519)
_PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "

PAYLOADS = [
    "1",
    "A",
    "123456",
    "Hello, World!",
    "0123456789" * 3,
    "lowercase text with spaces and UPPER 42",
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "".join(_rng.choice(_PRINTABLE) for _ in range(100)),
    "".join(_rng.choice(string.digits) for _ in range(101)),
    "Grüße aus Zürich – 20 °C".replace("–", "-"),  # Latin-1 upper shift
    "line1\nline2\ttab",
    "A" + GS + "B",  # GS as plain data in a non-GS1 symbol
    "https://example.com/udi?di=09501101530003&lot=ABC123&sn=0001",
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_decode_payloads(payload):
    assert_roundtrip(payload)


def test_decode_bytes_with_high_bytes():
    payload = bytes(range(32, 256))
    matrix = dm.encode(payload)
    result = decode(matrix)
    assert result.bytes == payload


@pytest.mark.parametrize("symbol", dm.SYMBOL_SIZES, ids=lambda s: s.name)
def test_every_size_full_capacity(symbol):
    """Fill each size exactly (no pad), exercising every layout, corner case and interleave.

    The four corner placements are reached by 14x14 (1), 16x16 (2), 8x32 (3) and 8x18 (4).
    """
    rng = random.Random(symbol.rows * 1000 + symbol.cols)
    digits = "".join(rng.choice(string.digits) for _ in range(2 * symbol.data_codewords))
    matrix = dm.encode(digits, size=(symbol.rows, symbol.cols))
    assert (len(matrix), len(matrix[0])) == (symbol.rows, symbol.cols)
    assert decode(matrix, scale=2, quiet_zone=1).text == digits


@pytest.mark.parametrize("side", [12, 22, 36, 52, 72, 104])
def test_every_size_mixed_text_with_padding(side):
    index = [s.rows for s in dm.SQUARE_SIZES].index(side)
    capacity = dm.SQUARE_SIZES[index].data_codewords
    previous = dm.SQUARE_SIZES[index - 1].data_codewords
    length = (previous + capacity + 1) // 2  # between two sizes: needs padding
    rng = random.Random(side)
    no_digits = [ch for ch in _PRINTABLE if not ch.isdigit()]  # one codeword per character
    text = "".join(rng.choice(no_digits) for _ in range(length))
    matrix = dm.encode(text)
    assert len(matrix) == side
    assert decode(matrix, scale=2).text == text


def test_forced_size():
    matrix = dm.encode("ABC", size=26)
    assert len(matrix) == 26
    assert decode(matrix).text == "ABC"


@pytest.mark.parametrize("shape", ["square", "rectangle"])
def test_rectangular_shape_decodes(shape):
    text = "LOT-2025/03-0001"
    matrix = dm.encode(text, shape=shape)
    assert (len(matrix), len(matrix[0])) == ((12, 26) if shape == "rectangle" else (16, 16))
    assert decode(matrix).text == text


@pytest.mark.parametrize("symbol", dm.SYMBOL_SIZES, ids=lambda s: s.name)
def test_identical_to_zxing_writer_for_digits(symbol):
    """zxing-cpp's writer (zint) also uses ASCII for digit strings: the modules must be
    identical, an independent check of padding, RS, interleaving and placement.

    Full capacity, because below it zint may choose a DMRE rectangle (ISO/IEC 21471), which
    this module does not produce."""
    rng = random.Random(symbol.rows * 1000 + symbol.cols + 7)
    digits = "".join(rng.choice(string.digits) for _ in range(2 * symbol.data_codewords))
    ours = dm.encode(digits, shape="any")
    theirs = zxingcpp.create_barcode(digits, zxingcpp.BarcodeFormat.DataMatrix)
    pixels = memoryview(theirs.to_image(scale=1, add_quiet_zones=False)).tolist()
    assert [[value < 128 for value in row] for row in pixels] == ours


# -- GS1 -------------------------------------------------------------------------------------

UDIS = [
    gs1.udi_element_string(
        "09501101530003", expiry=datetime.date(2027, 1, 31), lot="ABC123", serial="0001"
    ),
    gs1.udi_element_string("4006381333931"),
    gs1.udi_element_string(
        "036000291452",
        production_date=datetime.date(2025, 3, 4),
        expiry=datetime.date(2030, 3, 3),
        lot="LOT-2025/03-0001ABCD",  # 20 characters
        serial="SN_abcdefghij:123456",  # 20 characters
    ),
    gs1.udi_element_string("09501101530003", lot="!\"%&'()*+,-./:;<=>?"),
    gs1.build_element_string(
        [("01", "09501101530003"), ("30", "12"), ("240", "REF-12345"), ("21", "X1")]
    ),
]


@pytest.mark.parametrize("udi", UDIS, ids=range(len(UDIS)))
def test_gs1_udi(udi):
    matrix = dm.encode(udi.data, gs1=True)

    # Default text mode (HRI): zxing returns the parenthesised human readable form.
    result = decode(matrix)
    assert result.content_type == zxingcpp.ContentType.GS1
    assert result.symbology_identifier == "]d2"
    assert result.text == udi.hri
    assert result.bytes == udi.data.encode("ascii")  # raw, GS between fields, no FNC1

    # Plain text mode: the raw data string with GS (chr 29) separators, like a scanner.
    plain = decode(matrix, text_mode=zxingcpp.TextMode.Plain)
    assert plain.text == udi.data

    # What a scanner with AIM symbology identifiers sends parses back to the elements.
    assert gs1.parse_gs1(plain.symbology_identifier + plain.text) == list(udi.elements)
    assert gs1.udi_matches(plain.symbology_identifier + plain.text, udi) == (True, gs1.MSG_MATCH)
    assert gs1.parse_gs1(result.text) == list(udi.elements)


def test_gs1_large_multi_region():
    """A long GS1 message (AI 240 max length, many fields) lands in a 2x2-region symbol."""
    udi = gs1.build_element_string(
        [
            ("01", "09501101530003"),
            ("11", "250101"),
            ("17", "300101"),
            ("10", "L" * 20),
            ("21", "S" * 20),
            ("240", "A" * 30),
            ("241", "B" * 30),
            ("22", "V" * 20),
        ]
    )
    matrix = dm.encode(udi.data, gs1=True)
    assert len(matrix) >= 32
    result = decode(matrix)
    assert result.content_type == zxingcpp.ContentType.GS1
    assert result.text == udi.hri


def test_gs1_codewords():
    udi = gs1.udi_element_string("09501101530003", lot="A", serial="1")
    assert udi.data == "0109501101530003" + "10A" + GS + "211"
    # FNC1, digit pairs 01 09 50 11 01 53 00 03 10, "A", FNC1 separator, pair 21, "1"
    codewords = dm.encode_ascii(udi.data, gs1=True)
    assert codewords == [232, 131, 139, 180, 141, 131, 183, 130, 133, 140, 66, 232, 151, 50]


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, kwargs, message",
    [
        ("", {}, "must not be empty"),
        (b"", {}, "must not be empty"),
        ("漢字", {}, "Latin-1"),
        (12345, {}, "text or bytes"),
        (GS + "0109501101530003", {"gs1": True}, "must not start with a GS"),
        ("A" * 1600, {}, "too long"),
        ("A" * 10, {"size": 10}, "does not fit in a 10x10"),
        ("A", {"size": 11}, "Unsupported Data Matrix size: 11x11"),
        ("A", {"size": (18, 8)}, "Unsupported Data Matrix size: 18x8"),
        ("A", {"shape": "round"}, "shape must be"),
        ("A" * 50, {"shape": "rectangle"}, "too long for a rectangular"),
    ],
)
def test_errors(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        dm.encode(data, **kwargs)


def test_maximum_capacity():
    digits = "7" * 3116  # 1558 codewords: the 144x144 limit in ASCII
    assert len(dm.encode(digits)) == 144
    with pytest.raises(ValueError, match="too long"):
        dm.encode(digits + "77")


# -- rendering -------------------------------------------------------------------------------


def test_to_png():
    matrix = dm.encode("PNG test 123")
    png = dm.to_png(matrix, scale=5, quiet_zone=2)
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    assert image.size == ((len(matrix) + 4) * 5,) * 2
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == ["PNG test 123"]


def test_to_image_rectangle():
    matrix = dm.encode("RECT", shape="rectangle")
    image = dm.to_image(matrix, scale=2, quiet_zone=1)
    assert image.size == ((18 + 2) * 2, (8 + 2) * 2)  # (width, height)
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == ["RECT"]


def _pdf_with_symbols(udi):
    from reportlab.graphics import renderPDF
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    matrix = dm.encode(udi.data, gs1=True)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(60 * mm, 30 * mm))
    pdf.setFillColorRGB(1, 0, 0)  # draw() must not depend on, nor leak, the fill colour
    dm.draw(matrix, pdf, 5 * mm, 5 * mm, 20 * mm)
    drawing = Drawing(20 * mm, 20 * mm)
    dm.draw(matrix, drawing, 0, 0, 20 * mm)
    renderPDF.draw(drawing, pdf, 35 * mm, 5 * mm)
    pdf.showPage()
    pdf.save()
    return matrix, buffer.getvalue()


def test_draw_reportlab_pdf_structure():
    udi = UDIS[0]
    matrix, pdf_bytes = _pdf_with_symbols(udi)
    runs = sum(len(list(dm._dark_runs(row))) for row in matrix)
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) == 1
    content = reader.pages[0].get_contents().get_data().decode("latin-1")
    # One filled rectangle per horizontal dark run, for the canvas and for the Drawing.
    assert content.count(" re f") == 2 * runs
    assert content.count(" re") == 2 * runs


def test_draw_reportlab_pdf_decodes():
    """Full print path: reportlab PDF -> raster (poppler) -> zxing-cpp, both draw targets."""
    udi = UDIS[0]
    _matrix, pdf_bytes = _pdf_with_symbols(udi)
    png = subprocess.run(
        ["pdftoppm", "-r", "300", "-gray", "-png", "-"],  # PDF on stdin, PNG on stdout
        input=pdf_bytes,
        capture_output=True,
        check=True,
    ).stdout
    image = Image.open(io.BytesIO(png))
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.DataMatrix)
    assert len(results) == 2
    for result in results:
        assert result.content_type == zxingcpp.ContentType.GS1
        assert result.text == udi.hri


@pytest.mark.parametrize("side", [10, 52, 64, 88, 144])
def test_identical_to_zxing_writer_with_padding(side):
    """Same check with pad codewords (sizes with no DMRE alternative, or 1 codeword)."""
    symbol = dm.select_symbol(0, size=side)
    rng = random.Random(side)
    count = 1 if side == 10 else symbol.data_codewords - 7
    digits = "".join(rng.choice(string.digits) for _ in range(2 * count))
    ours = dm.encode(digits)
    assert len(ours) == side
    theirs = zxingcpp.create_barcode(digits, zxingcpp.BarcodeFormat.DataMatrix)
    pixels = memoryview(theirs.to_image(scale=1, add_quiet_zones=False)).tolist()
    assert [[value < 128 for value in row] for row in pixels] == ours
