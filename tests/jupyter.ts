// Whether this machine can execute notebooks headless: `jupyter nbconvert`
// and the Deno kernel (`deno jupyter --install`). Shared by the tests that
// run notebooks.

/** Why a notebook cannot run here, or undefined when it can. */
export async function missingJupyter(): Promise<string | undefined> {
  try {
    const { success, stdout } = await new Deno.Command("jupyter", {
      args: ["kernelspec", "list", "--json"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!success) return "`jupyter kernelspec list` failed";
    const specs = JSON.parse(new TextDecoder().decode(stdout)).kernelspecs;
    if (!("deno" in specs)) {
      return "the Deno kernel is not registered (run `deno jupyter --install`)";
    }
    const nbconvert = await new Deno.Command("jupyter", {
      args: ["nbconvert", "--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!nbconvert.success) {
      return "`jupyter nbconvert` is missing (apt-get install jupyter-nbconvert)";
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return "`jupyter` is not installed (apt-get install jupyter-nbconvert jupyter-client python3-ipykernel)";
    }
    throw error;
  }
}
