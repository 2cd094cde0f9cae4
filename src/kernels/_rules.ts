/**
 * The scalars of an update rule as the element-wise kernels take them,
 * shared by the TypeScript loops and the WebAssembly kernels.
 *
 * @module
 */

/** An update rule of CS231n's `optim.py` (see `updateParameter` in elementwise.ts). */
export type UpdateRuleName = "sgd" | "momentum" | "nesterov" | "adam";

/**
 * One update of one parameter, every setting filled in (those of other
 * rules are ignored).
 */
export interface UpdateStep {
  /** The rule. */
  rule: UpdateRuleName;
  /** Step size. */
  learningRate: number;
  /** L2 strength: the gradient is `g + reg w` (0: `g` as it is). */
  reg: number;
  /** μ of `"momentum"` and `"nesterov"`. */
  momentum: number;
  /** Adam's β1. */
  beta1: number;
  /** Adam's β2. */
  beta2: number;
  /** Adam's ε. */
  epsilon: number;
  /** Adam's bias correction `1 − β1ᵗ`. */
  correction1: number;
  /** Adam's bias correction `1 − β2ᵗ`. */
  correction2: number;
}

/**
 * The eight scalars of a rule as the kernels take them (asm/kernels.ts
 * `update`): sgd `-lr`; momentum `μ, lr`; Nesterov `μ, lr, −μ, 1 + μ`;
 * Adam `β1, 1 − β1, β2, 1 − β2, lr, 1 − β1ᵗ, 1 − β2ᵗ, ε`, in float32
 * `β1, 1 − β1, β2, 1 − β2, lr / (1 − β1ᵗ), 1 − β1ᵗ, 1 / √(1 − β2ᵗ), ε`.
 */
export function ruleScalars(s: UpdateStep, float32: boolean): number[] {
  const { learningRate: lr, momentum: mu } = s;
  switch (s.rule) {
    case "sgd":
      return [-lr, 0, 0, 0, 0, 0, 0, 0];
    case "momentum":
      return [mu, lr, 0, 0, 0, 0, 0, 0];
    case "nesterov":
      return [mu, lr, -mu, 1 + mu, 0, 0, 0, 0];
    case "adam":
      return [
        s.beta1,
        1 - s.beta1,
        s.beta2,
        1 - s.beta2,
        float32 ? lr / s.correction1 : lr,
        s.correction1,
        float32 ? 1 / Math.sqrt(s.correction2) : s.correction2,
        s.epsilon,
      ];
  }
}
