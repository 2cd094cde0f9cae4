"""numpy's side of bench/cifar10_load.ts: the workbook's loader.

python3 bench/cifar10_numpy.py BATCHES_DIR STEP, with STEP `load`
(load_CIFAR10, as cs231n's data_utils) or `data` (the workbook's
get_CIFAR10_data). Prints {"seconds": s}; the caller measures peak memory.
"""
import json
import os
import pickle
import sys
import time
import warnings

import numpy as np

# numpy 2 warns that the pickles name numpy.core; the data is unaffected.
warnings.filterwarnings("ignore", category=DeprecationWarning)


def load_CIFAR_batch(filename):
    with open(filename, "rb") as f:
        datadict = pickle.load(f, encoding="latin1")
        X = datadict["data"]
        Y = datadict["labels"]
        X = X.reshape(10000, 3, 32, 32).transpose(0, 2, 3, 1).astype("float")
        Y = np.array(Y)
        return X, Y


def load_CIFAR10(ROOT):
    xs = []
    ys = []
    for b in range(1, 6):
        X, Y = load_CIFAR_batch(os.path.join(ROOT, "data_batch_%d" % (b,)))
        xs.append(X)
        ys.append(Y)
    Xtr = np.concatenate(xs)
    Ytr = np.concatenate(ys)
    del X, Y
    Xte, Yte = load_CIFAR_batch(os.path.join(ROOT, "test_batch"))
    return Xtr, Ytr, Xte, Yte


def get_CIFAR10_data(root, num_training=49000, num_validation=1000,
                     num_test=1000):
    X_train, y_train, X_test, y_test = load_CIFAR10(root)
    mask = list(range(num_training, num_training + num_validation))
    X_val = X_train[mask]
    y_val = y_train[mask]
    mask = list(range(num_training))
    X_train = X_train[mask]
    y_train = y_train[mask]
    mask = list(range(num_test))
    X_test = X_test[mask]
    y_test = y_test[mask]
    mean_image = np.mean(X_train, axis=0)
    X_train -= mean_image
    X_val -= mean_image
    X_test -= mean_image
    X_train = X_train.reshape(num_training, -1)
    X_val = X_val.reshape(num_validation, -1)
    X_test = X_test.reshape(num_test, -1)
    return X_train, y_train, X_val, y_val, X_test, y_test


def main():
    root, step = sys.argv[1], sys.argv[2]
    start = time.perf_counter()
    if step == "load":
        load_CIFAR10(root)
    else:
        get_CIFAR10_data(root)
    print(json.dumps({"seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
