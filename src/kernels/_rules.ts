/**
 * The scalars of an update rule as the element-wise kernels take them,
 * shared by the TypeScript loops and the WebAssembly kernels.
 *
 * @module
 */

import type { UpdateStep } from "./elementwise.ts";

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
