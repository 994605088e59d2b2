"""ISO/IEC 16022 Data Matrix ECC 200 encoder with GS1 (FNC1) support.

Why this module exists: reportlab's ``ECC200DataMatrix`` only implements C40 encodation and
cannot emit the FNC1 codeword, so it cannot produce a GS1 DataMatrix (the symbol required
for UDI labels on medical devices). This is a small, dependency-free encoder:

* ASCII encodation only (ISO/IEC 16022 §5.2.3): digit pairs packed as ``130 + nn``, ASCII
  characters as ``value + 1``, bytes above 127 through Upper Shift (235). ASCII is the most
  compact scheme for the digit-heavy GS1 element strings, and every reader supports it.
* FNC1 (codeword 232) in first position marks the symbol as GS1; every GS (chr 29) of the
  GS1 raw data becomes an FNC1 separator.
* Pad codewords (129, then the 253-state randomised pad), Reed-Solomon over GF(256) with the
  prime polynomial 301, block interleaving and the "utah" module placement with its four
  corner cases, all per the standard (annexes E and F).
* All 24 square symbol sizes, 10x10 to 144x144, including the multi-region layouts, and on
  request the 6 rectangular sizes, 8x18 to 16x48 (handy on narrow labels).

The result is a plain matrix of booleans (``True`` = dark module) without quiet zone, so it
can be drawn by any backend: :func:`draw` for reportlab, :func:`to_image` / :func:`to_png`
for Pillow.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

#: FNC1 codeword: in first position it flags GS1 data, later it is the GS1 field separator.
FNC1 = 232
#: GS1 group separator as found in GS1 raw data; encoded as FNC1 when ``gs1=True``.
GS = "\x1d"

_PAD = 129
_UPPER_SHIFT = 235
_DIGIT_PAIR_BASE = 130

ERR_DATA_TYPE = "Data Matrix data must be text or bytes."
ERR_DATA_EMPTY = "Data Matrix data must not be empty."
ERR_DATA_CHARSET = "Data Matrix text must only contain ISO-8859-1 (Latin-1) characters."
ERR_DATA_TOO_LONG = "Data is too long for a Data Matrix symbol (%s codewords, maximum %s)."
ERR_DATA_TOO_LONG_RECT = (
    "Data is too long for a rectangular Data Matrix (%s codewords, maximum %s)."
)
ERR_GS1_LEADING_GS = "GS1 data must not start with a GS separator (FNC1 is added automatically)."
ERR_SHAPE = "Data Matrix shape must be 'square', 'rectangle' or 'any', not %r."
ERR_SIZE_UNSUPPORTED = "Unsupported Data Matrix size: %s."
ERR_SIZE_TOO_SMALL = "Data does not fit in a %sx%s Data Matrix (%s codewords, capacity %s)."

SHAPE_SQUARE, SHAPE_RECTANGLE, SHAPE_ANY = "square", "rectangle", "any"


@dataclass(frozen=True)
class SymbolSize:
    """Attributes of one ECC 200 symbol size (ISO/IEC 16022 table 7)."""

    rows: int  # modules, finder patterns included
    cols: int
    region_rows: int  # size of one data region, in modules
    region_cols: int
    data_codewords: int
    ecc_codewords: int  # total, over all blocks
    blocks: int  # number of interleaved Reed-Solomon blocks

    @property
    def is_square(self) -> bool:
        return self.rows == self.cols

    @property
    def name(self) -> str:
        return f"{self.rows}x{self.cols}"

    @property
    def mapping_rows(self) -> int:
        """Rows of the mapping matrix: all data regions without their finder patterns."""
        return self.rows // (self.region_rows + 2) * self.region_rows

    @property
    def mapping_cols(self) -> int:
        return self.cols // (self.region_cols + 2) * self.region_cols


def _square(size, region, data, ecc, blocks):
    return SymbolSize(size, size, region, region, data, ecc, blocks)


SQUARE_SIZES: tuple[SymbolSize, ...] = tuple(
    _square(*row)
    for row in (
        (10, 8, 3, 5, 1),
        (12, 10, 5, 7, 1),
        (14, 12, 8, 10, 1),
        (16, 14, 12, 12, 1),
        (18, 16, 18, 14, 1),
        (20, 18, 22, 18, 1),
        (22, 20, 30, 20, 1),
        (24, 22, 36, 24, 1),
        (26, 24, 44, 28, 1),
        (32, 14, 62, 36, 1),
        (36, 16, 86, 42, 1),
        (40, 18, 114, 48, 1),
        (44, 20, 144, 56, 1),
        (48, 22, 174, 68, 1),
        (52, 24, 204, 84, 2),
        (64, 14, 280, 112, 2),
        (72, 16, 368, 144, 4),
        (80, 18, 456, 192, 4),
        (88, 20, 576, 224, 4),
        (96, 22, 696, 272, 4),
        (104, 24, 816, 336, 6),
        (120, 18, 1050, 408, 6),
        (132, 20, 1304, 496, 8),
        (144, 22, 1558, 620, 10),
    )
)
RECTANGULAR_SIZES: tuple[SymbolSize, ...] = tuple(
    SymbolSize(*row)
    for row in (
        (8, 18, 6, 16, 5, 7, 1),
        (8, 32, 6, 14, 10, 11, 1),
        (12, 26, 10, 24, 16, 14, 1),
        (12, 36, 10, 16, 22, 18, 1),
        (16, 36, 14, 16, 32, 24, 1),
        (16, 48, 14, 22, 49, 28, 1),
    )
)
#: All sizes, smallest capacity first (a square wins a tie: better supported by old readers).
SYMBOL_SIZES: tuple[SymbolSize, ...] = tuple(
    sorted(SQUARE_SIZES + RECTANGULAR_SIZES, key=lambda s: (s.data_codewords, not s.is_square))
)
_SIZES_BY_SHAPE = {
    SHAPE_SQUARE: SQUARE_SIZES,
    SHAPE_RECTANGLE: RECTANGULAR_SIZES,
    SHAPE_ANY: SYMBOL_SIZES,
}
_SIZES_BY_DIMENSIONS = {(s.rows, s.cols): s for s in SYMBOL_SIZES}


# --------------------------------------------------------------------------------------------
# Data encodation (ASCII)
# --------------------------------------------------------------------------------------------


def _to_bytes(data: str | bytes) -> bytes:
    """Data Matrix's default character set is ISO-8859-1, so text is encoded as Latin-1."""
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, str):
        try:
            return data.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError(ERR_DATA_CHARSET)
    raise ValueError(ERR_DATA_TYPE)


def _is_digit(byte: int) -> bool:
    return 0x30 <= byte <= 0x39


def encode_ascii(data: str | bytes, gs1: bool = False) -> list[int]:
    """Return the data codewords (before padding) in ASCII encodation.

    Greedy digit pairing is optimal within ASCII encodation: a pair always costs one codeword
    however the digits are grouped, so packing as early as possible never loses.
    """
    raw = _to_bytes(data)
    if not raw:
        raise ValueError(ERR_DATA_EMPTY)
    codewords: list[int] = []
    if gs1:
        if raw[0] == 0x1D:
            raise ValueError(ERR_GS1_LEADING_GS)
        codewords.append(FNC1)
    i, n = 0, len(raw)
    while i < n:
        byte = raw[i]
        if i + 1 < n and _is_digit(byte) and _is_digit(raw[i + 1]):
            codewords.append(_DIGIT_PAIR_BASE + (byte - 0x30) * 10 + (raw[i + 1] - 0x30))
            i += 2
            continue
        if gs1 and byte == 0x1D:
            codewords.append(FNC1)
        elif byte > 127:
            codewords.extend((_UPPER_SHIFT, byte - 128 + 1))
        else:
            codewords.append(byte + 1)
        i += 1
    return codewords


def _pad(codewords: list[int], capacity: int) -> list[int]:
    """Fill unused capacity: one plain 129, then 129 randomised by the 253-state algorithm.

    Randomising avoids long repetitive module patterns that could confuse readers.
    """
    padded = list(codewords)
    if len(padded) < capacity:
        padded.append(_PAD)
    while len(padded) < capacity:
        position = len(padded) + 1  # 1-based position of this pad codeword
        pseudo_random = (149 * position) % 253 + 1
        value = _PAD + pseudo_random
        padded.append(value if value <= 254 else value - 254)
    return padded


# --------------------------------------------------------------------------------------------
# Reed-Solomon error correction over GF(256), prime polynomial x^8+x^5+x^3+x^2+1 (301)
# --------------------------------------------------------------------------------------------

_GF_EXP = [0] * 512
_GF_LOG = [0] * 256


def _init_galois_field() -> None:
    value = 1
    for power in range(255):
        _GF_EXP[power] = value
        _GF_LOG[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 301
    for power in range(255, 512):  # doubled table: no modulo needed in _gf_mul
        _GF_EXP[power] = _GF_EXP[power - 255]


_init_galois_field()


def _gf_mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _GF_EXP[_GF_LOG[a] + _GF_LOG[b]]


_GENERATORS: dict[int, list[int]] = {}


def _generator(degree: int) -> list[int]:
    """Coefficients (highest degree first) of g(x) = (x + a^1)(x + a^2)...(x + a^degree)."""
    if degree not in _GENERATORS:
        poly = [1]
        for i in range(1, degree + 1):
            root = _GF_EXP[i]
            nxt = poly + [0]  # poly * x
            for j, coef in enumerate(poly):
                nxt[j + 1] ^= _gf_mul(coef, root)
            poly = nxt
        _GENERATORS[degree] = poly
    return _GENERATORS[degree]


def reed_solomon(data: list[int], ecc_count: int) -> list[int]:
    """Return the ``ecc_count`` check codewords: remainder of data(x) * x^n divided by g(x)."""
    gen = _generator(ecc_count)
    ecc = [0] * ecc_count
    for codeword in data:
        factor = codeword ^ ecc[0]
        ecc = ecc[1:] + [0]
        if factor:
            for i in range(ecc_count):
                ecc[i] ^= _gf_mul(gen[i + 1], factor)
    return ecc


def add_error_correction(data: list[int], symbol: SymbolSize) -> list[int]:
    """Append interleaved error correction to the padded data codewords.

    Large symbols split the codewords over several RS blocks so that one damaged area is
    spread over all blocks: codeword ``k`` belongs to block ``k % blocks``, both for data and
    for check codewords (144x144 has blocks of 156 and 155 data codewords this way).
    """
    blocks = symbol.blocks
    ecc_per_block = symbol.ecc_codewords // blocks
    result = list(data) + [0] * symbol.ecc_codewords
    for block in range(blocks):
        ecc = reed_solomon(data[block::blocks], ecc_per_block)
        for j, codeword in enumerate(ecc):
            result[symbol.data_codewords + block + j * blocks] = codeword
    return result


# --------------------------------------------------------------------------------------------
# Module placement (ISO/IEC 16022 annex F, the "utah" algorithm)
# --------------------------------------------------------------------------------------------


def _place_codewords(codewords: list[int], nrow: int, ncol: int) -> list[list[bool]]:
    """Map codewords onto the ``nrow`` x ``ncol`` mapping matrix.

    Codewords are laid out as 8-module "utah" shapes along diagonals; shapes that fall off an
    edge wrap around to the opposite edge, and four special corner shapes handle the symbol
    sizes where the diagonal sweep would leave the corners unusable.
    """
    grid: list[list[bool | None]] = [[None] * ncol for _ in range(nrow)]
    stream = iter(codewords)

    def module(row: int, col: int, value: int, bit: int) -> None:
        if row < 0:
            row += nrow
            col += 4 - ((nrow + 4) % 8)
        if col < 0:
            col += ncol
            row += 4 - ((ncol + 4) % 8)
        grid[row][col] = bool(value & (0x80 >> (bit - 1)))  # bit 1 is the most significant

    def place(cells: tuple[tuple[int, int], ...]) -> None:
        value = next(stream)
        for bit, (row, col) in enumerate(cells, start=1):
            module(row, col, value, bit)

    def utah(row: int, col: int) -> None:
        place(
            (
                (row - 2, col - 2),
                (row - 2, col - 1),
                (row - 1, col - 2),
                (row - 1, col - 1),
                (row - 1, col),
                (row, col - 2),
                (row, col - 1),
                (row, col),
            )
        )

    r1, c1 = nrow - 1, ncol - 1
    corner1 = ((r1, 0), (r1, 1), (r1, 2), (0, c1 - 1), (0, c1), (1, c1), (2, c1), (3, c1))
    corner2 = (
        (r1 - 2, 0),
        (r1 - 1, 0),
        (r1, 0),
        (0, c1 - 3),
        (0, c1 - 2),
        (0, c1 - 1),
        (0, c1),
        (1, c1),
    )
    corner3 = ((r1 - 2, 0), (r1 - 1, 0), (r1, 0), (0, c1 - 1), (0, c1), (1, c1), (2, c1), (3, c1))
    corner4 = (
        (r1, 0),
        (r1, c1),
        (0, c1 - 2),
        (0, c1 - 1),
        (0, c1),
        (1, c1 - 2),
        (1, c1 - 1),
        (1, c1),
    )

    row, col = 4, 0
    while True:
        if row == nrow and col == 0:
            place(corner1)
        if row == nrow - 2 and col == 0 and ncol % 4:
            place(corner2)
        if row == nrow - 2 and col == 0 and ncol % 8 == 4:
            place(corner3)
        if row == nrow + 4 and col == 2 and ncol % 8 == 0:
            place(corner4)
        # sweep upward diagonally
        while True:
            if row < nrow and col >= 0 and grid[row][col] is None:
                utah(row, col)
            row -= 2
            col += 2
            if not (row >= 0 and col < ncol):
                break
        row += 1
        col += 3
        # sweep downward diagonally
        while True:
            if row >= 0 and col < ncol and grid[row][col] is None:
                utah(row, col)
            row += 2
            col -= 2
            if not (row < nrow and col >= 0):
                break
        row += 3
        col += 1
        if not (row < nrow or col < ncol):
            break

    # Sizes whose area is not a multiple of 8 leave a 2x2 corner: fixed checkerboard.
    if grid[nrow - 1][ncol - 1] is None:
        grid[nrow - 1][ncol - 1] = grid[nrow - 2][ncol - 2] = True
        grid[nrow - 1][ncol - 2] = grid[nrow - 2][ncol - 1] = False
    return [[bool(cell) for cell in line] for line in grid]


def _add_finder_patterns(mapping: list[list[bool]], symbol: SymbolSize) -> list[list[bool]]:
    """Split the mapping matrix into data regions, each framed by its finder pattern.

    Each region has a solid "L" (left column, bottom row) used to locate the symbol and a
    dotted clock track (top row, right column) used to count modules.
    """
    region_rows, region_cols = symbol.region_rows, symbol.region_cols
    block_rows, block_cols = region_rows + 2, region_cols + 2
    matrix = [[False] * symbol.cols for _ in range(symbol.rows)]
    for r in range(symbol.rows):
        rr = r % block_rows
        for c in range(symbol.cols):
            cc = c % block_cols
            if rr == block_rows - 1 or cc == 0:  # solid L
                matrix[r][c] = True
            elif rr == 0:  # top clock track, dark on even columns
                matrix[r][c] = cc % 2 == 0
            elif cc == block_cols - 1:  # right clock track, dark on odd rows
                matrix[r][c] = rr % 2 == 1
            else:
                matrix[r][c] = mapping[(r // block_rows) * region_rows + rr - 1][
                    (c // block_cols) * region_cols + cc - 1
                ]
    return matrix


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def select_symbol(
    codeword_count: int, size: int | tuple[int, int] | None = None, shape: str = SHAPE_SQUARE
) -> SymbolSize:
    """Smallest symbol of ``shape`` holding ``codeword_count`` data codewords.

    ``size`` forces a symbol instead: a side for a square, or ``(rows, cols)``.
    """
    if size is not None:
        dimensions = (size, size) if isinstance(size, int) else tuple(size)
        symbol = _SIZES_BY_DIMENSIONS.get(dimensions)
        if symbol is None:
            raise ValueError(ERR_SIZE_UNSUPPORTED % ("x".join(map(str, dimensions)),))
        if codeword_count > symbol.data_codewords:
            raise ValueError(
                ERR_SIZE_TOO_SMALL
                % (symbol.rows, symbol.cols, codeword_count, symbol.data_codewords)
            )
        return symbol
    if shape not in _SIZES_BY_SHAPE:
        raise ValueError(ERR_SHAPE % (shape,))
    sizes = _SIZES_BY_SHAPE[shape]
    for symbol in sizes:
        if codeword_count <= symbol.data_codewords:
            return symbol
    template = ERR_DATA_TOO_LONG_RECT if shape == SHAPE_RECTANGLE else ERR_DATA_TOO_LONG
    raise ValueError(template % (codeword_count, sizes[-1].data_codewords))


def encode(
    data: str | bytes,
    gs1: bool = False,
    size: int | tuple[int, int] | None = None,
    shape: str = SHAPE_SQUARE,
) -> list[list[bool]]:
    """Encode ``data`` as an ECC 200 Data Matrix; return rows of modules (``True`` = dark).

    :param data: text (Latin-1) or bytes. For GS1, the raw element string with GS (chr 29)
        after each variable-length field that is not last, e.g. ``gs1.udi_element_string().data``.
    :param gs1: start with FNC1 and encode GS as FNC1, making it a GS1 DataMatrix.
    :param size: force a symbol size, e.g. ``26`` (26x26) for a constant label layout, or
        ``(12, 36)`` for a rectangle.
    :param shape: when ``size`` is not given, use the smallest ``"square"`` (default),
        ``"rectangle"`` (at most 49 data codewords) or ``"any"`` symbol that fits.
    :raises ValueError: empty data, characters outside Latin-1, or data too long.

    The matrix has no quiet zone: leave at least one module of white around it when drawing.
    """
    codewords = encode_ascii(data, gs1=gs1)
    symbol = select_symbol(len(codewords), size=size, shape=shape)
    full = add_error_correction(_pad(codewords, symbol.data_codewords), symbol)
    mapping = _place_codewords(full, symbol.mapping_rows, symbol.mapping_cols)
    return _add_finder_patterns(mapping, symbol)


def _dark_runs(row: list[bool]):
    """Yield (start, length) of horizontal dark runs: fewer, larger rectangles to draw."""
    start = None
    for c, dark in enumerate(row + [False]):
        if dark and start is None:
            start = c
        elif not dark and start is not None:
            yield start, c - start
            start = None


def draw(matrix: list[list[bool]], canvas_or_drawing, x: float, y: float, size: float) -> None:
    """Draw ``matrix`` with reportlab, lower-left corner at (x, y), ``size`` points wide.

    ``size`` is the side of a square symbol (the width of a rectangular one; modules stay
    square). Works on a ``reportlab.pdfgen.canvas.Canvas`` or a
    ``reportlab.graphics.shapes.Drawing`` (or ``Group``). Adjacent dark modules of a row are
    merged into one rectangle, which keeps PDFs small and avoids hairline gaps between modules
    in some viewers. No quiet zone is drawn: keep at least one module of white around it.
    """
    rows = len(matrix)
    module = size / len(matrix[0])
    if hasattr(canvas_or_drawing, "rect") and hasattr(canvas_or_drawing, "saveState"):
        canvas = canvas_or_drawing
        canvas.saveState()
        canvas.setFillGray(0)
        for r, row in enumerate(matrix):
            bottom = y + (rows - 1 - r) * module  # row 0 is the top of the symbol
            for start, length in _dark_runs(row):
                canvas.rect(x + start * module, bottom, length * module, module, stroke=0, fill=1)
        canvas.restoreState()
        return
    from reportlab.graphics.shapes import Rect
    from reportlab.lib.colors import black

    for r, row in enumerate(matrix):
        bottom = y + (rows - 1 - r) * module
        for start, length in _dark_runs(row):
            canvas_or_drawing.add(
                Rect(
                    x + start * module,
                    bottom,
                    length * module,
                    module,
                    fillColor=black,
                    strokeColor=None,
                    strokeWidth=0,
                )
            )


def to_image(matrix: list[list[bool]], scale: int = 4, quiet_zone: int = 2):
    """Render ``matrix`` as a 1-bit Pillow image, ``scale`` pixels per module.

    ``quiet_zone`` is the white margin in modules (the standard asks for at least one).
    """
    from PIL import Image

    width = len(matrix[0]) + 2 * quiet_zone
    height = len(matrix) + 2 * quiet_zone
    small = Image.new("1", (width, height), 1)
    pixels = small.load()
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pixels[c + quiet_zone, r + quiet_zone] = 0
    if scale == 1:
        return small
    return small.resize((width * scale, height * scale), Image.NEAREST)


def to_png(matrix: list[list[bool]], scale: int = 4, quiet_zone: int = 2) -> bytes:
    """Return ``matrix`` as PNG bytes (see :func:`to_image`)."""
    buffer = io.BytesIO()
    to_image(matrix, scale=scale, quiet_zone=quiet_zone).save(buffer, format="PNG")
    return buffer.getvalue()
