/**
 * Hyperparameter search done right: a fresh network per setting, each from
 * a recorded seed, so any row of the table can be re-run alone and gives the
 * same numbers; the best network is kept as a snapshot, not a reference.
 *
 * @module
 */

import { checkDType, type DType } from "../core/matrix.ts";
import { checkOptionNames } from "../core/options.ts";
import {
  type BackendChoice,
  getBackend,
  getThreads,
} from "../kernels/select.ts";
import type { TwoLayerNet } from "../nn/network.ts";
import type { TrainProgress } from "../nn/trainer.ts";
import {
  checkSearchData,
  checkSetting,
  checkSettingNames,
  type SearchData,
  type SearchRow,
  type SearchSetting,
  trainSetting,
} from "./setting.ts";

/** Where the search stands, for progress displays. */
export interface SearchProgress {
  /** Settings finished so far. */
  done: number;
  /** Settings in the search. */
  total: number;
  /** The setting that reported, and its training progress. */
  index: number;
  /** Training progress of setting `index`. */
  train: TrainProgress;
  /** Best validation accuracy among finished settings (0 before any). */
  bestValAcc: number;
}

/** Options of {@linkcode searchHyperparameters}. */
export interface SearchOptions {
  /** Setting i trains from `new RandomState(seed + i)` (default 0). */
  seed?: number;
  /**
   * Settings trained at once (default 1: one after another, in this
   * thread). On a CPU backend, that many Workers (at most one per core and
   * one per setting); on `"webgpu"`, that many settings share the GPU from
   * this thread, each running while the others wait for their results.
   */
  workers?: number;
  /** Element type of the networks (default `"float64"`; `"float32"` on `"webgpu"`). */
  dtype?: DType;
  /**
   * Where the networks train (default: the current default backend, which
   * Workers then use too); `"webgpu"` puts every setting on the GPU (see
   * `chooseBackend`).
   */
  backend?: BackendChoice;
  /**
   * Called during training of each setting (at most every `progressEvery`
   * iterations). An error it throws stops the search (and its Workers)
   * and rejects it with that error.
   */
  onProgress?: (progress: SearchProgress) => void;
  /** Iterations between progress reports of one setting (default 10). */
  progressEvery?: number;
  /** Called when a setting finishes; an error it throws stops the search. */
  onResult?: (row: SearchRow) => void;
}

const SEARCH_OPTIONS: readonly (keyof SearchOptions)[] = [
  "seed",
  "workers",
  "dtype",
  "backend",
  "onProgress",
  "progressEvery",
  "onResult",
];

/** The search table and a snapshot of the best network. */
export interface SearchResult {
  /** One row per setting, in the order given. */
  rows: SearchRow[];
  /** The row with the highest validation accuracy (first one on ties). */
  best: SearchRow;
  /** A copy of the best network, safe to keep using. */
  bestNet: TwoLayerNet;
}

/**
 * Trains a fresh network for every setting (setting i from seed + i),
 * optionally on several Workers, and returns the table with a snapshot of
 * the best network. Per-setting results do not depend on `workers`.
 *
 * Every setting's values are checked before the first one trains, so a
 * bad value never throws finished settings away.
 *
 * @throws {RangeError} (or `TypeError`) for bad options, data or setting
 *   values, naming the setting (`setting 2: ...`).
 * @throws {Error} `setting i: ...` when a setting fails in training (it
 *   diverges), or the error an `onProgress` or `onResult` callback threw;
 *   remaining Workers are stopped either way.
 *
 * @example A tiny search on separable data
 * ```ts
 * import { gridSettings, Matrix, searchHyperparameters } from "@twolayer/net";
 * import assert from "node:assert/strict";
 *
 * const X = Matrix.fromRows([[2, 0], [0, 2], [2, 0.2], [0.2, 2]]);
 * const y = [0, 1, 0, 1];
 * const { rows, best, bestNet } = await searchHyperparameters(
 *   { XTrain: X, yTrain: y, XVal: X, yVal: y },
 *   gridSettings({ learningRate: [1e-3, 0.5], numIters: [100] })
 *     .map((s) => ({ ...s, hiddenSize: 8, std: 0.5, batchSize: 4 })),
 * );
 * assert.equal(rows.length, 2);
 * assert.equal(best.valAcc, 1);
 * assert.deepEqual(Array.from(bestNet.predict(X)), y);
 * ```
 */
export async function searchHyperparameters(
  data: SearchData,
  settings: SearchSetting[],
  options: SearchOptions = {},
): Promise<SearchResult> {
  checkOptionNames("searchHyperparameters", options, SEARCH_OPTIONS);
  const { seed = 0, workers = 1, dtype, backend, progressEvery = 10 } = options;
  if (dtype !== undefined) checkDType("searchHyperparameters dtype", dtype);
  if (!Array.isArray(settings)) {
    throw new TypeError(
      `searchHyperparameters settings must be an array of settings, got ${
        settings === null || typeof settings !== "object"
          ? String(settings)
          : "an object; put a single setting in a list: [setting]"
      }`,
    );
  }
  if (settings.length === 0) {
    throw new RangeError(
      "searchHyperparameters needs at least one setting, got 0",
    );
  }
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`workers must be a positive integer, got ${workers}`);
  }
  // Setting i trains from seed + i, which RandomState takes up to 2**32 - 1.
  const lastSeed = 2 ** 32 - settings.length;
  if (!Number.isInteger(seed) || seed < 0 || seed > lastSeed) {
    throw new RangeError(
      `seed must be an integer in 0..${lastSeed} (setting i trains from seed + i, at most 2**32 - 1), got ${seed}`,
    );
  }
  if (!Number.isInteger(progressEvery) || progressEvery < 1) {
    throw new RangeError(
      `progressEvery must be a positive integer, got ${progressEvery}`,
    );
  }
  // Checked here, once, for any number of Workers, before the first
  // setting trains: a bad value in the last setting throws no work away,
  // and labels reach Workers whole.
  settings.forEach((s, i) => checkSettingNames(`setting ${i}`, s));
  const classes = checkSearchData(data);
  settings.forEach((s, i) => {
    checkSetting(
      `setting ${i}`,
      s,
      data.XTrain.cols,
      classes,
      dtype,
      backend,
      data.XTrain.rows,
    );
    try {
      structuredClone(s);
    } catch (error) {
      throw new TypeError(
        `setting ${i} holds a value that cannot be copied to a search Worker (${
          (error as Error).message
        }); settings hold numbers, strings and plain objects`,
        { cause: error },
      );
    }
  });
  const rows: SearchRow[] = new Array(settings.length);
  let best: { row: SearchRow; net: TwoLayerNet } | undefined;
  let done = 0;
  // The caller's callbacks may throw: their error, unwrapped, rejects the
  // search, from this thread or from a Worker's message alike.
  const call = (callback: () => void) => {
    try {
      callback();
    } catch (error) {
      throw new CallbackFailure(error);
    }
  };
  const report = (index: number, train: TrainProgress) => {
    if (
      options.onProgress && (train.iteration % progressEvery === 0 ||
        train.iteration === train.numIters)
    ) {
      const progress = {
        done,
        total: settings.length,
        index,
        train,
        bestValAcc: best?.row.valAcc ?? 0,
      };
      call(() => options.onProgress!(progress));
    }
  };
  const finish = (
    index: number,
    row: Omit<SearchRow, "index">,
    net: TwoLayerNet,
  ) => {
    const full = { index, ...row };
    rows[index] = full;
    done++;
    // Strictly better, or equal and earlier: the first best in list order wins.
    if (
      !best || row.valAcc > best.row.valAcc ||
      (row.valAcc === best.row.valAcc && index < best.row.index)
    ) {
      best = { row: full, net: net.clone() };
    }
    if (options.onResult) call(() => options.onResult!(full));
  };

  try {
    if (workers === 1 || backend === "webgpu") {
      // In this thread: one setting at a time, or on a GPU `workers` at
      // once, each waiting for the device while the others run.
      let next = 0, failed = false;
      const runner = async () => {
        while (next < settings.length && !failed) {
          const index = next++;
          let trained;
          try {
            trained = await trainSetting(data, settings[index], seed + index, {
              dtype,
              backend,
              onProgress: (p) => report(index, p),
            });
          } catch (error) {
            failed = true;
            if (error instanceof CallbackFailure) throw error;
            // The message a Worker's failure gets, so both paths read alike.
            throw new Error(`setting ${index}: ${(error as Error).message}`, {
              cause: error,
            });
          }
          try {
            finish(index, trained.row, trained.net);
          } catch (error) {
            failed = true;
            throw error;
          }
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(workers, settings.length) }, runner),
      );
    } else {
      const { runOnWorkers } = await import("./_pool.ts");
      await runOnWorkers(data, settings, {
        seed,
        workers,
        dtype,
        // Workers load their own kernels: give them this thread's backend.
        backend: backend ?? getBackend(),
        threads: getThreads(),
        onProgress: report,
        onDone: finish,
      });
    }
  } catch (error) {
    throw error instanceof CallbackFailure ? error.error : error;
  }
  return { rows, best: best!.row, bestNet: best!.net };
}

/** An error thrown by one of the caller's callbacks, carried out unwrapped. */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}
