"""Writes tests/fixtures/pictures/: small PNGs of every colour type, bit
depth, filter and interlacing decodeImage reads, plus transparency (alpha,
a palette's alpha, grey and RGB colour keys), ancillary chunks and bytes
after IEND; JPEGs with several scans (progressive) and with restart
markers; and expected.json: each one's pixels as PIL reads them, laid over
white as decodeImage documents (round(a/255 * v + (1 - a/255) * 255)).

Most PNGs come from the small writer below, which cycles the five row
filters and can interlace (PIL cannot write Adam7); the rest, and the
JPEGs, are saved by PIL itself.

Run from the project root: python3 tools/make_picture_fixtures.py
(needs numpy and Pillow: pip install numpy pillow)
"""
import base64
import io
import json
import os
import struct
import zlib

import numpy as np
import PIL
from PIL import Image

OUT = "tests/fixtures/pictures"
os.makedirs(OUT, exist_ok=True)
WIDTH, HEIGHT = 13, 11
rng = np.random.RandomState(23)

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind, body):
    return (struct.pack(">I", len(body)) + kind + body +
            struct.pack(">I", zlib.crc32(kind + body)))


def pack_row(values, depth):
    """Samples of `depth` bits, packed from the high bit."""
    if depth == 8:
        return bytes(int(v) for v in values)
    out, acc, bits = bytearray(), 0, 0
    for v in values:
        acc = (acc << depth) | int(v)
        bits += depth
        if bits == 8:
            out.append(acc)
            acc, bits = 0, 0
    if bits:
        out.append(acc << (8 - bits))
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def filter_row(kind, row, above, bpp):
    out = bytearray([kind])
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = above[i] if above else 0
        c = above[i - bpp] if above and i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x - pred) & 255)
    return bytes(out)


def write_png(samples, colour_type, depth, interlace=False, palette=None,
              trns=None, extra=b"", trailing=b""):
    """A PNG of `samples` (height x width x samples per pixel), the row
    filters cycling 0..4 in each pass."""
    height, width = samples.shape[:2]
    spp = SAMPLES[colour_type]
    bpp = max(1, spp * depth // 8)
    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        above = None
        for r, row in enumerate(sub):
            packed = pack_row(row.reshape(-1), depth)
            raw += filter_row(r % 5, packed, above, bpp)
            above = packed
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0,
                       1 if interlace else 0)
    body = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra
    if palette is not None:
        body += chunk(b"PLTE", bytes(palette.reshape(-1).astype(np.uint8)))
    if trns is not None:
        body += chunk(b"tRNS", trns)
    data = zlib.compress(bytes(raw), 9)
    # Image data split over two IDAT chunks, as large files are.
    half = len(data) // 2
    body += chunk(b"IDAT", data[:half]) + chunk(b"IDAT", data[half:])
    return body + chunk(b"IEND", b"") + trailing


def grey(depth):
    return rng.randint(0, 1 << depth, (HEIGHT, WIDTH, 1))


def expected(png):
    """PIL's pixels of `png`, transparency laid over white."""
    image = Image.open(io.BytesIO(png))
    image.load()
    has_alpha = image.mode in ("RGBA", "LA", "PA") or \
        "transparency" in image.info
    rgba = np.asarray(image.convert("RGBA" if has_alpha else "RGB"),
                      dtype=np.float64)
    if not has_alpha:
        return rgba.astype(np.uint8)
    alpha = rgba[..., 3:] / 255
    # round half up, as JavaScript's Math.round
    return np.floor(alpha * rgba[..., :3] + (1 - alpha) * 255 + 0.5) \
        .astype(np.uint8)


cases = {}
for interlace in (False, True):
    tag = "_adam7" if interlace else ""
    for depth in (1, 2, 4, 8):
        cases[f"grey{depth}{tag}"] = write_png(grey(depth), 0, depth,
                                               interlace)
        colours = min(1 << depth, 200)
        palette = rng.randint(0, 256, (colours, 3))
        indices = rng.randint(0, colours, (HEIGHT, WIDTH, 1))
        cases[f"palette{depth}{tag}"] = write_png(indices, 3, depth, interlace,
                                                  palette)
    cases[f"rgb{tag}"] = write_png(rng.randint(0, 256, (HEIGHT, WIDTH, 3)),
                                   2, 8, interlace)
    cases[f"grey_alpha{tag}"] = write_png(
        rng.randint(0, 256, (HEIGHT, WIDTH, 2)), 4, 8, interlace)
    cases[f"rgba{tag}"] = write_png(rng.randint(0, 256, (HEIGHT, WIDTH, 4)),
                                    6, 8, interlace)

# Transparency: a palette's alphas (fewer than its colours), colour keys.
palette = rng.randint(0, 256, (16, 3))
indices = rng.randint(0, 16, (HEIGHT, WIDTH, 1))
alphas = bytes(rng.randint(0, 256, 10).astype(np.uint8))
cases["palette4_trns"] = write_png(indices, 3, 4, False, palette, alphas)
cases["palette4_trns_adam7"] = write_png(indices, 3, 4, True, palette, alphas)
# PIL compares a 2- or 4-bit grey key with the samples scaled to 8 bits, so
# it never matches there (PIL 12.3); the PNG standard, libpng and browsers
# compare it with the samples as stored, as decodeImage does.
spec_keys = {}
for depth, key in ((1, 0), (2, 1), (4, 9), (8, 77)):
    values = grey(depth)
    values[0, :3] = key
    cases[f"grey{depth}_key"] = write_png(values, 0, depth,
                                          trns=struct.pack(">H", key))
    if depth in (2, 4):
        spec_keys[f"grey{depth}_key"] = values[..., 0] == key
rgb = rng.randint(0, 4, (HEIGHT, WIDTH, 3)) * 60
cases["rgb_key"] = write_png(rgb, 2, 8, trns=struct.pack(">HHH", *rgb[0, 0]))

# Chunks decodeImage skips (an ICC profile, compressed and international
# text) and bytes after IEND.
profile = b"sRGB\0\0" + zlib.compress(b"\0" * 4096)
extra = (chunk(b"iCCP", profile) +
         chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"hello " * 100)) +
         chunk(b"iTXt", b"Title\0\1\0en\0Title\0" + zlib.compress(b"x" * 99)) +
         chunk(b"tEXt", b"Author\0twolayer"))
cases["ancillary_trailing"] = write_png(
    rng.randint(0, 256, (HEIGHT, WIDTH, 3)), 2, 8, extra=extra,
    trailing=b"trailing bytes after IEND, as some editors write " * 4)

# PIL's own encoder.
for mode in ("L", "RGB", "RGBA", "P", "1"):
    image = Image.fromarray(rng.randint(0, 256, (HEIGHT, WIDTH, 4))
                            .astype(np.uint8), "RGBA").convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    cases[f"pil_{mode.lower()}"] = buffer.getvalue()

# JPEGs: smooth colours (JPEG's case), progressive (10 scans, Huffman
# tables between them) and with a restart marker after every block.
y, x = np.mgrid[0:40, 0:48]
smooth = np.stack([x * 5, y * 6, (x + y) * 3], axis=-1).astype(np.uint8)
jpegs = {}
for name, options in (("progressive", {"progressive": True}),
                      ("restart", {"restart_marker_blocks": 1})):
    buffer = io.BytesIO()
    Image.fromarray(smooth).save(buffer, "JPEG", quality=90, **options)
    jpegs[f"jpeg_{name}"] = buffer.getvalue()

pictures = {}
for name, data in jpegs.items():
    with open(f"{OUT}/{name}.jpg", "wb") as f:
        f.write(data)
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    pictures[name] = {
        "width": pixels.shape[1],
        "height": pixels.shape[0],
        "rgb": base64.b64encode(pixels.tobytes()).decode(),
    }
for name, png in cases.items():
    with open(f"{OUT}/{name}.png", "wb") as f:
        f.write(png)
    pixels = expected(png)
    if name in spec_keys:
        pixels[spec_keys[name]] = 255
    pictures[name] = {
        "width": pixels.shape[1],
        "height": pixels.shape[0],
        "rgb": base64.b64encode(pixels.tobytes()).decode(),
    }

with open(f"{OUT}/expected.json", "w") as f:
    json.dump({"pillow": PIL.__version__, "pictures": pictures}, f, indent=1)
print(f"wrote {len(pictures)} pictures to {OUT}")
