// The parts of puppeteer-core that the browser test and bench use. Its own
// types reference Node's, which resolve to an old @types/node in this
// graph and break the type check of every `node:` import, so these stand
// in for them (`// @ts-types` where puppeteer-core is imported).

/** A launched Chromium. */
export interface Browser {
  newPage(): Promise<Page>;
  version(): Promise<string>;
  close(): Promise<void>;
}

/** An element of a page. */
export interface ElementHandle {
  uploadFile(...paths: string[]): Promise<void>;
}

/** What the console of a page logs. */
export interface ConsoleMessage {
  type(): string;
  text(): string;
}

/** A tab. */
export interface Page {
  goto(url: string): Promise<unknown>;
  evaluate(expression: string): Promise<unknown>;
  waitForFunction(
    expression: string,
    options?: { timeout?: number; polling?: number },
  ): Promise<unknown>;
  waitForSelector(
    selector: string,
    options?: { timeout?: number },
  ): Promise<unknown>;
  $(selector: string): Promise<ElementHandle | null>;
  on(event: "console", handler: (message: ConsoleMessage) => void): void;
  on(event: "pageerror", handler: (error: Error) => void): void;
  setViewport(viewport: { width: number; height: number }): Promise<void>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  close(): Promise<void>;
}

/** Options of `launch`. */
export interface LaunchOptions {
  executablePath: string;
  headless: boolean;
  args: string[];
}

declare const puppeteer: { launch(options: LaunchOptions): Promise<Browser> };
export default puppeteer;
