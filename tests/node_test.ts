// The package as a Node user meets it: the main entry, @twolayer/net/ops,
// the charts of @twolayer/net/plot and @twolayer/net/images bundled as a
// bundler would (deno bundle, npm packages inlined, nothing lowered),
// imported by Node (20 or later), which has no Deno global and cannot parse
// `using`; the workbook's toy loss computed.
import assert from "node:assert/strict";
import { join } from "node:path";
import { bundle } from "../tools/bundle.ts";

const node = await new Deno.Command("node", { args: ["--version"] }).output()
  .then((o) => new TextDecoder().decode(o.stdout).trim(), () => undefined);

if (node === undefined && !Deno.env.get("CI")) {
  console.warn("Node test ignored: no node on the PATH");
} else {
  Deno.test("Node imports the bundled package and computes the toy loss", async () => {
    assert.ok(node, "CI must run the Node test, but node is not on the PATH");
    const major = Number(/^v(\d+)/.exec(node)?.[1]);
    assert.ok(major >= 20, `expected Node 20 or later, found ${node}`);
    const dir = await Deno.makeTempDir();
    try {
      // A user's program, importing the three entries by their files.
      const root = new URL("..", import.meta.url);
      const entry = (path: string) => JSON.stringify(new URL(path, root).href);
      await Deno.writeTextFile(
        join(dir, "toy.ts"),
        `import { Matrix, random, seed, TwoLayerNet } from ${entry("mod.ts")};
import { add, matmulT } from ${entry("src/ops/mod.ts")};
import { lossChart } from ${entry("src/plot/mod.ts")};
import { classifyImage } from ${entry("src/images/mod.ts")};
// The workbook's init_toy_model and init_toy_data, then its loss.
seed(0);
const net = new TwoLayerNet(4, 10, 3, { std: 1e-1 });
seed(1);
const X = new Matrix(5, 4, random.randn(20).map((v) => 10 * v));
console.log(net.loss(X, [0, 1, 2, 2, 1], 0.05).loss);
const scores = add(matmulT(X, net.params.W1), net.params.b1);
console.log(scores.shape.join(" x "));
console.log(lossChart({ lossHistory: [2, 1.5, 1.2] }).svg.slice(0, 4));
console.log(typeof classifyImage, typeof (globalThis as { Deno?: unknown }).Deno);
`,
      );
      await bundle(join(dir, "toy.ts"), join(dir, "toy.mjs"));
      // A static import of a built-in fails in a browser when the module
      // loads, wherever the code using it sits.
      assert.doesNotMatch(
        await Deno.readTextFile(join(dir, "toy.mjs")),
        /^import .* from "node:/m,
      );
      const { code, stdout, stderr } = await new Deno.Command("node", {
        args: ["toy.mjs"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
      assert.equal(code, 0, `node failed: ${text(stderr)}`);
      assert.deepEqual(text(stdout).trim().split("\n"), [
        "1.8973332763705641",
        "5 x 10",
        "<svg",
        "function undefined",
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
