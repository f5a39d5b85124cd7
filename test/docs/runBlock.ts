import * as openai from 'openai';
import * as rxjs from 'rxjs';
import ts from 'typescript';
import * as core from '../../src';
import * as local from '../../src/local';
import * as server from '../../src/server';
import * as testing from '../../src/testing';

/** The modules a block may import, by the names it imports them by. */
const MODULES: Record<string, object> = {
  openai,
  rxjs,
  'rx-assistants': core,
  'rx-assistants/local': local,
  'rx-assistants/server': server,
  'rx-assistants/testing': testing,
};

/** What a block did: what it logged, what it exported, the values asked for. */
export interface BlockRun {
  /** The arguments of each `console.log`, in order; later logs are added as they come. */
  logs: unknown[][];
  /** Resolves once the block has logged arguments that `matches` (perhaps already). */
  until(matches: (args: unknown[]) => boolean): Promise<void>;
  /** Its exports (`export const ...`). */
  exports: Record<string, unknown>;
  /** The top-level names of `keep`, at the end of the block. */
  kept: Record<string, unknown>;
}

export interface RunBlockOptions {
  /** Values for the names a fragment uses without declaring them (`rx`, `thread`...). */
  given?: Record<string, unknown>;
  /** Top-level names of the block to hand back once it has run. */
  keep?: string[];
}

/**
 * Runs the code of a block in this process, as the module it would be:
 * TypeScript's types are stripped, its imports get the sources (the
 * `rx-assistants` modules) and the installed `rxjs` and `openai`, and its
 * top-level `await`s are awaited. `console.log` is recorded, not printed.
 */
export async function runBlock(code: string, options: RunBlockOptions = {}): Promise<BlockRun> {
  const { given = {}, keep = [] } = options;
  const js = transpile(code, ts.ModuleKind.CommonJS);
  const logs: unknown[][] = [];
  let waiters: (() => void)[] = [];
  const module = { exports: {} as Record<string, unknown> };
  const require = (name: string) => {
    const found = MODULES[name];
    if (!found) throw new Error(`A doc block imports ${name}, which runBlock does not provide`);
    return { __esModule: true, ...found };
  };
  const log = (...args: unknown[]) => {
    logs.push(args);
    waiters.forEach((wake) => wake());
  };
  const until = (matches: (args: unknown[]) => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!logs.some(matches)) return;
        waiters = waiters.filter((waiter) => waiter !== check);
        resolve();
      };
      waiters.push(check);
      check();
    });
  const blockConsole = { ...console, log };
  const names = Object.keys(given);
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<Record<string, unknown>>;
  const body = new AsyncFunction(
    'require',
    'module',
    'exports',
    'console',
    ...names,
    `${js}\nreturn { ${keep.join(', ')} };`,
  );
  const kept = await body(
    require,
    module,
    module.exports,
    blockConsole,
    ...names.map((name) => given[name]),
  );
  return { logs, until, exports: module.exports, kept };
}

/** The JavaScript of a block as an ES module: `export {};` for one of types only. */
export const transpiledBlock = (code: string) => transpile(code, ts.ModuleKind.ESNext).trim();

const transpile = (code: string, module: ts.ModuleKind) =>
  ts.transpileModule(code, {
    compilerOptions: { module, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
