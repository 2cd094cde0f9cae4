/**
 * The update rules of CS231n's `optim.py`: plain SGD, classical momentum,
 * Nesterov momentum and Adam, each applied to every parameter once per
 * iteration with the trainer's current learning rate.
 *
 * @module
 */

import { dtypeOf, type FloatArray } from "../core/matrix.ts";
import type { OptimizerState, ResolvedOptimizer } from "../core/training.ts";
import type { UpdateStep } from "../kernels/elementwise.ts";
import type { Kernels } from "../kernels/select.ts";

export type { OptimizerState, ResolvedOptimizer } from "../core/training.ts";

/** Name of an update rule. */
export type OptimizerName = "sgd" | "momentum" | "nesterov" | "adam";

/** The optimizer settings of `TrainOptions`. */
export interface OptimizerOptions {
  /**
   * Update rule (default `"sgd"`, or `"momentum"` when `momentum > 0`):
   * - `"sgd"`: `θ −= lr g`;
   * - `"momentum"`: `v = μ v − lr g; θ += v`;
   * - `"nesterov"`: `v' = μ v − lr g; θ += −μ v + (1 + μ) v'`;
   * - `"adam"`: bias-corrected moments `m`, `v` with `t` counted from 1,
   *   `θ −= lr (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)`.
   */
  optimizer?: OptimizerName;
  /**
   * Momentum coefficient μ in [0, 1) for `"momentum"` and `"nesterov"`
   * (default 0 for the default optimizer, else 0.9 as in `optim.py`).
   */
  momentum?: number;
  /** Adam's decay of the first moment (default 0.9). */
  beta1?: number;
  /** Adam's decay of the second moment (default 0.999). */
  beta2?: number;
  /** Adam's term keeping the division finite (default 1e-8). */
  epsilon?: number;
}

const NAMES: readonly OptimizerName[] = ["sgd", "momentum", "nesterov", "adam"];

/**
 * The optimizer `options` ask for, defaults filled in.
 *
 * @throws {RangeError} for an unknown name, a value out of range, or a
 *   setting the chosen rule does not use (momentum with `"sgd"` or
 *   `"adam"`, betas or epsilon without `"adam"`).
 *
 * @example
 * ```ts
 * import { resolveOptimizer } from "./optimizers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(resolveOptimizer({ momentum: 0.9 }), { optimizer: "momentum", momentum: 0.9 });
 * assert.deepEqual(resolveOptimizer({ optimizer: "adam" }), {
 *   optimizer: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
 * });
 * assert.throws(() => resolveOptimizer({ optimizer: "sgd", momentum: 0.5 }), /momentum/);
 * ```
 */
export function resolveOptimizer(options: OptimizerOptions): ResolvedOptimizer {
  const { momentum, beta1, beta2, epsilon } = options;
  const optimizer = options.optimizer ??
    ((momentum ?? 0) > 0 ? "momentum" : "sgd");
  if (!NAMES.includes(optimizer)) {
    throw new RangeError(
      `optimizer must be one of ${NAMES.map((n) => `"${n}"`).join(", ")}, got ${
        JSON.stringify(optimizer)
      }`,
    );
  }
  const check = (name: string, value: number, ok: boolean, want: string) => {
    if (!ok) throw new RangeError(`${name} must be ${want}, got ${value}`);
  };
  const unit = (name: string, value: number | undefined, fallback: number) => {
    const v = value ?? fallback;
    check(name, v, v >= 0 && v < 1, "a number in [0, 1)");
    return v;
  };
  if (momentum !== undefined) unit("momentum", momentum, 0);
  if (optimizer !== "adam") {
    for (const [name, value] of Object.entries({ beta1, beta2, epsilon })) {
      if (value !== undefined) {
        throw new RangeError(
          `${name} applies to optimizer "adam" only, got optimizer "${optimizer}"`,
        );
      }
    }
  }
  if (
    (optimizer === "sgd" || optimizer === "adam") && (momentum ?? 0) !== 0
  ) {
    throw new RangeError(
      `momentum ${momentum} needs optimizer "momentum" or "nesterov", got "${optimizer}"`,
    );
  }
  switch (optimizer) {
    case "sgd":
      return { optimizer };
    case "momentum":
    case "nesterov":
      return {
        optimizer: optimizer as "momentum",
        momentum: unit("momentum", momentum, 0.9),
      };
    case "adam": {
      const eps = epsilon ?? 1e-8;
      check("epsilon", eps, eps > 0 && Number.isFinite(eps), "positive");
      return {
        optimizer,
        beta1: unit("beta1", beta1, 0.9),
        beta2: unit("beta2", beta2, 0.999),
        epsilon: eps,
      };
    }
  }
}

/**
 * Throws unless `state` can continue update rule `settings` on parameters
 * of `sizes` values: a step count, then per parameter a velocity or first
 * moment (not for `"sgd"`) and Adam's second moment (Adam only), of the
 * parameters' sizes, finite, and the second moment not negative. `what`
 * names the state in messages.
 *
 * @throws {RangeError} naming the first problem.
 *
 * @example
 * ```ts
 * import { checkOptimizerState } from "./optimizers.ts";
 * import assert from "node:assert/strict";
 *
 * const momentum = { step: 3, first: [new Float64Array(2)], second: [] };
 * checkOptimizerState({ optimizer: "momentum", momentum: 0.9 }, [2], momentum);
 * assert.throws(
 *   () => checkOptimizerState(
 *     { optimizer: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
 *     [2],
 *     momentum,
 *   ),
 *   /^RangeError: optimizer state does not fit "adam" on these parameters: expected 1 \+ 1 arrays of the parameters' sizes, got 1 \+ 0$/,
 * );
 * ```
 */
export function checkOptimizerState(
  settings: ResolvedOptimizer,
  sizes: readonly number[],
  state: OptimizerState,
  what = "optimizer state",
): void {
  if (typeof state !== "object" || state === null) {
    throw new RangeError(
      `${what} must be an update rule's state { step, first, second }, got ${state}`,
    );
  }
  for (const part of ["first", "second"] as const) {
    const value: unknown = state[part];
    if (!Array.isArray(value)) {
      throw new RangeError(
        `${what}.${part} must be an array (of one array per parameter, or none), got ${
          typeof value === "string" ? JSON.stringify(value) : value
        }`,
      );
    }
  }
  if (!Number.isSafeInteger(state.step) || state.step < 0) {
    throw new RangeError(
      `${what}.step must be a non-negative integer, got ${state.step}`,
    );
  }
  const kind = settings.optimizer;
  const firsts = kind === "sgd" ? 0 : sizes.length;
  const seconds = kind === "adam" ? sizes.length : 0;
  const fits = (saved: unknown[], count: number) =>
    saved.length === count &&
    saved.every((s, k) =>
      (s instanceof Float64Array || s instanceof Float32Array) &&
      s.length === sizes[k]
    );
  if (!fits(state.first, firsts) || !fits(state.second, seconds)) {
    throw new RangeError(
      `${what} does not fit "${kind}" on these parameters: expected ${firsts} + ${seconds} arrays of the parameters' sizes, got ${state.first.length} + ${state.second.length}`,
    );
  }
  for (const part of ["first", "second"] as const) {
    state[part].forEach((values, k) => {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (!Number.isFinite(v) || (part === "second" && v < 0)) {
          throw new RangeError(
            `${what}.${part}[${k}] must hold ${
              part === "second" ? "non-negative " : ""
            }finite numbers, but element ${i} is ${v}`,
          );
        }
      }
    });
  }
}

/**
 * One update rule with its state (velocities, moments, step count) for a
 * fixed list of parameters. The state has the parameters' element type and
 * lives where the kernels update it in place; each step is one pass of the
 * kernels over each parameter (see `updateParameter` in the kernels).
 *
 * @example Adam's first step moves each weight by about the learning rate
 * ```ts
 * import { kernels } from "@twolayer/net/kernels";
 * import { Optimizer } from "./optimizers.ts";
 * import assert from "node:assert/strict";
 *
 * const w = new Float64Array([1, 1]);
 * const adam = new Optimizer({ optimizer: "adam" }, [w], kernels());
 * adam.step([w], [new Float64Array([0.5, -2])], 0.1);
 * assert.ok(Math.abs(w[0] - 0.9) < 1e-7 && Math.abs(w[1] - 1.1) < 1e-7);
 * ```
 */
export class Optimizer {
  /** The rule and its settings. */
  readonly settings: ResolvedOptimizer;
  /** Velocity (momentum, Nesterov) or first moment (Adam) per parameter. */
  readonly #first: FloatArray[];
  /** Adam's second moment per parameter. */
  readonly #second: FloatArray[];
  #t = 0;
  readonly #kernels: Kernels;

  /**
   * Sets up the rule with zero state (step count 0).
   *
   * @param options the rule (see {@linkcode resolveOptimizer}).
   * @param params the parameters it will update, for the sizes and element
   *   type of its state.
   * @param kernels the network's kernels, which run the updates and hold
   *   the state.
   * @param from state to continue from (see {@linkcode Optimizer.state}),
   *   copied (rounded to float32 for float32 parameters); its sizes must
   *   match.
   */
  constructor(
    options: OptimizerOptions,
    params: readonly FloatArray[],
    kernels: Kernels,
    from?: OptimizerState,
  ) {
    this.settings = resolveOptimizer(options);
    const kind = this.settings.optimizer;
    const state = () =>
      params.map((p) => kernels.allocate(dtypeOf(p), p.length));
    this.#first = kind === "sgd" ? [] : state();
    this.#second = kind === "adam" ? state() : [];
    this.#kernels = kernels;
    if (from) {
      checkOptimizerState(
        this.settings,
        params.map((p) => p.length),
        from,
      );
      from.first.forEach((s, k) => this.#first[k].set(s));
      from.second.forEach((s, k) => this.#second[k].set(s));
      this.#t = from.step;
    }
  }

  /** Frees the state's memory now: the optimizer is not used after. */
  dispose(): void {
    for (const s of [...this.#first, ...this.#second]) this.#kernels.release(s);
  }

  /** A copy of the state, to continue from later (a checkpoint). */
  state(): OptimizerState {
    return {
      step: this.#t,
      first: this.#first.map((s) => Float64Array.from(s)),
      second: this.#second.map((s) => Float64Array.from(s)),
    };
  }

  /**
   * One iteration's update of every parameter from its gradient, the
   * gradient of parameter `k` taken as `grads[k] + reg[k] params[k]` (the
   * L2 term, computed in the same pass, not stored). Returns `Σ w²` over
   * the parameters with a `reg`, as they were before the update.
   */
  step(
    params: readonly FloatArray[],
    grads: readonly FloatArray[],
    learningRate: number,
    reg: readonly number[] = [],
  ): number {
    const s = this.settings;
    this.#t++;
    const adam = s.optimizer === "adam" ? s : undefined;
    const step: UpdateStep = {
      rule: s.optimizer,
      learningRate,
      reg: 0,
      momentum: "momentum" in s ? s.momentum : 0,
      beta1: adam?.beta1 ?? 0,
      beta2: adam?.beta2 ?? 0,
      epsilon: adam?.epsilon ?? 0,
      correction1: adam ? 1 - adam.beta1 ** this.#t : 1,
      correction2: adam ? 1 - adam.beta2 ** this.#t : 1,
    };
    let squares = 0;
    params.forEach((param, k) => {
      step.reg = reg[k] ?? 0;
      const sum = this.#kernels.update(
        step,
        param,
        grads[k],
        this.#first[k],
        this.#second[k],
      );
      if (step.reg !== 0) squares += sum;
    });
    return squares;
  }
}
