# -*- coding: utf-8 -*-
"""Writes CIFAR-10 batches in both official on-disk layouts.

Run with Python 2.7 so that the pickles have the real files' layout
(protocol 2, byte-string keys, numpy's _reconstruct / dtype / setstate with a
byte string). Python 2 here has no numpy, so a stand-in module whose classes
reduce exactly like numpy 1.x's uint8 arrays is installed under numpy's names.

  python2.7 tools/make_cifar_fixtures.py
      small synthetic fixtures into tests/fixtures/cifar10/
  python2.7 tools/make_cifar_fixtures.py --from-bin BIN_DIR --out DIR
      the pickle layout (DIR/cifar-10-batches-py) of real binary batches
"""
import cPickle
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import types

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
           "horse", "ship", "truck"]
BATCHES = ["data_batch_%d" % k for k in range(1, 6)] + ["test_batch"]
IMAGE_BYTES = 3072
# Fixture size: 4 images per batch keeps every fixture file tiny.
FIXTURE_IMAGES = 4


def install_numpy_stand_in():
    """Registers numpy, numpy.core and numpy.core.multiarray stand-ins.

    cPickle names a class or function by its __module__ and checks that
    importing that name gives the same object back, so the stand-ins live in
    sys.modules under numpy's own module names.
    """
    numpy = types.ModuleType("numpy")
    core = types.ModuleType("numpy.core")
    multiarray = types.ModuleType("numpy.core.multiarray")
    numpy.core = core
    core.multiarray = multiarray

    def _reconstruct(subtype, shape, dtype):
        raise RuntimeError("stand-in: only for pickling")
    _reconstruct.__module__ = "numpy.core.multiarray"

    class dtype(object):
        def __init__(self, descr):
            self.descr = descr

        def __reduce__(self):
            # numpy 1.x: dtype('uint8').__reduce__()
            return (dtype, (self.descr, 0, 1),
                    (3, "|", None, None, None, -1, -1, 0))
    dtype.__module__ = "numpy"

    class ndarray(object):
        def __init__(self, shape, raw):
            self.shape = shape
            self.raw = raw

        def __reduce__(self):
            # numpy 1.x under Python 2: a C-ordered array's reduce tuple,
            # with the elements as one byte string.
            return (_reconstruct, (ndarray, (0,), "b"),
                    (1, self.shape, dtype("u1"), False, self.raw))
    ndarray.__module__ = "numpy"

    multiarray._reconstruct = _reconstruct
    numpy.dtype = dtype
    numpy.ndarray = ndarray
    sys.modules["numpy"] = numpy
    sys.modules["numpy.core"] = core
    sys.modules["numpy.core.multiarray"] = multiarray
    return ndarray


def write_pickle(path, obj):
    with open(path, "wb") as f:
        cPickle.dump(obj, f, 2)


def batch_dict(ndarray, name, records, names):
    """The dict of one Python batch, from binary-layout records."""
    index = BATCHES.index(name)
    if name == "test_batch":
        label = "testing batch 1 of 1"
    else:
        label = "training batch %d of 5" % (index + 1)
    return {
        "batch_label": label,
        "labels": [ord(r[0]) for r in records],
        "data": ndarray((len(records), IMAGE_BYTES),
                        "".join(r[1:] for r in records)),
        "filenames": names,
    }


def write_python_batches(ndarray, folder, batches, names):
    os.makedirs(folder)
    for name in BATCHES:
        write_pickle(os.path.join(folder, name),
                     batch_dict(ndarray, name, batches[name], names[name]))
    write_pickle(os.path.join(folder, "batches.meta"), {
        "label_names": CLASSES,
        "num_cases_per_batch": len(batches[BATCHES[0]]),
        "num_vis": IMAGE_BYTES,
    })


def write_binary_batches(folder, batches):
    os.makedirs(folder)
    for name in BATCHES:
        with open(os.path.join(folder, name + ".bin"), "wb") as f:
            f.write("".join(batches[name]))
    with open(os.path.join(folder, "batches.meta.txt"), "wb") as f:
        f.write("\n".join(CLASSES) + "\n\n")


def write_archive(path, root, folder):
    """A reproducible tar.gz (fixed times) of root/folder."""
    with open(path, "wb") as raw:
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
        tar = tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT)
        entries = [folder] + [os.path.join(folder, n)
                              for n in sorted(os.listdir(os.path.join(root, folder)))]
        for entry in entries:
            info = tar.gettarinfo(os.path.join(root, entry), entry)
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if info.isfile():
                with open(os.path.join(root, entry), "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
        tar.close()
        gz.close()


def fixture_pixel(image, channel, pixel):
    # Same formula as tests/cifar10_fixture.ts, which checks decoded pixels.
    return (image * 37 + channel * 85 + pixel * 7) % 256


def fixture_label(image):
    return (image * 3) % 10


def fixture_batches():
    batches = {}
    names = {}
    for b, name in enumerate(BATCHES):
        records = []
        for i in range(FIXTURE_IMAGES):
            image = b * FIXTURE_IMAGES + i
            pixels = bytearray(fixture_pixel(image, c, p)
                               for c in range(3) for p in range(1024))
            records.append(chr(fixture_label(image)) + str(pixels))
        batches[name] = records
        names[name] = ["fixture_%05d.png" % (b * FIXTURE_IMAGES + i)
                       for i in range(FIXTURE_IMAGES)]
    return batches, names


def make_fixtures(out):
    ndarray = install_numpy_stand_in()
    batches, names = fixture_batches()
    if os.path.exists(out):
        raise SystemExit("%s exists; remove it first" % out)
    os.makedirs(out)
    write_python_batches(ndarray, os.path.join(out, "cifar-10-batches-py"),
                         batches, names)
    write_binary_batches(os.path.join(out, "cifar-10-batches-bin"), batches)
    write_archive(os.path.join(out, "cifar-10-binary.tar.gz"), out,
                  "cifar-10-batches-bin")
    write_archive(os.path.join(out, "cifar-10-python.tar.gz"), out,
                  "cifar-10-batches-py")
    digests = {}
    for name in BATCHES:
        with open(os.path.join(out, "cifar-10-batches-bin", name + ".bin"), "rb") as f:
            digests[name] = hashlib.sha256(f.read()).hexdigest()
    archives = {}
    for archive in ["cifar-10-binary.tar.gz", "cifar-10-python.tar.gz"]:
        with open(os.path.join(out, archive), "rb") as f:
            archives[archive] = hashlib.md5(f.read()).hexdigest()
    with io.open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        f.write(unicode(json.dumps({
            "imagesPerBatch": FIXTURE_IMAGES,
            "sha256": digests,
            "archiveMd5": archives,
        }, indent=2, sort_keys=True)) + u"\n")


def convert_binary(bin_dir, out):
    """Real binary batches -> the Python pickle layout (for benchmarks)."""
    ndarray = install_numpy_stand_in()
    batches = {}
    names = {}
    for name in BATCHES:
        with open(os.path.join(bin_dir, name + ".bin"), "rb") as f:
            raw = f.read()
        size = IMAGE_BYTES + 1
        if len(raw) % size:
            raise SystemExit("%s.bin: %d bytes is not a whole number of %d-byte records"
                             % (name, len(raw), size))
        batches[name] = [raw[i:i + size] for i in range(0, len(raw), size)]
        # The binary layout has no file names; number the images instead.
        names[name] = ["%s_%05d.png" % (name, i) for i in range(len(batches[name]))]
    write_python_batches(ndarray, os.path.join(out, "cifar-10-batches-py"),
                         batches, names)


def main(argv):
    if len(argv) == 5 and argv[1] == "--from-bin" and argv[3] == "--out":
        convert_binary(argv[2], argv[4])
    elif len(argv) == 1:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        make_fixtures(os.path.join(root, "tests", "fixtures", "cifar10"))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
