import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as core from '../../src/index';
import * as local from '../../src/local/index';
import * as server from '../../src/server/index';
import * as sql from '../../src/sql/index';
import * as testing from '../../src/testing/index';

// The values each entry point exports (types are not values and are not
// listed). A change to this list is a change to the public surface: make it
// on purpose, with docs and an example for each new name.
const surface: Record<string, { module: object; names: string[] }> = {
  'rx-assistants': {
    module: core,
    names: [
      'BackendError',
      'RunCancelledError',
      'RunError',
      'RunExpiredError',
      'RunFailedError',
      'RunIncompleteError',
      'RunTimeoutError',
      'RxAssistantsError',
      'StreamInterruptedError',
      'ToolCallError',
      'adaptivePoll',
      'collectRuns',
      'fanOutRuns',
      'isAssistantsBackend',
      'isFanOutError',
      'isRunEvent',
      'isTerminalStatus',
      'openaiBackend',
      'redactSecrets',
      'replies',
      'replyText',
      'runErrorFor',
      'runEvent',
      'runStatuses',
      'rxAssistants',
      'textDeltas',
      'throwOnRunFailure',
      'untilTerminal',
    ],
  },
  'rx-assistants/local': {
    module: local,
    names: [
      'ActiveRunConflictError',
      'chatCompletionsModel',
      'estimateTokens',
      'localBackend',
      'memoryStore',
      'putWrite',
      'responsesModel',
      'tutorModel',
    ],
  },
  'rx-assistants/server': { module: server, names: ['createApp', 'serve'] },
  'rx-assistants/sql': { module: sql, names: ['SqlStoreError', 'pg', 'pglite', 'sqlStore'] },
  'rx-assistants/testing': { module: testing, names: ['createTestScheduler', 'timelineBackend'] },
};

// Exports that have a doc comment but no example yet. Each must still lack
// one (so that this list only shrinks): give it an example, then remove it here.
const root = join(__dirname, '..', '..');
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
const files = sources(join(root, 'src')).map((path) => ({
  path: relative(root, path),
  text: readFileSync(path, 'utf8'),
}));

/** Each place under src/ that declares `name` as an exported value, with the doc comment above it. */
function declarations(name: string): Array<{ path: string; doc: string | undefined }> {
  const declaration = new RegExp(
    String.raw`^export (?:async )?(?:function\*?|class|const|let) ${name}\b`,
    'gm',
  );
  return files.flatMap(({ path, text }) =>
    [...text.matchAll(declaration)].map((match) => {
      const before = text.slice(0, match.index).trimEnd();
      const start = before.lastIndexOf('/**');
      return { path, doc: before.endsWith('*/') && start >= 0 ? before.slice(start) : undefined };
    }),
  );
}

describe.each(Object.entries(surface))('%s', (entry, { module, names }) => {
  it('exports exactly the listed values', () => {
    expect(Object.keys(module).sort()).toEqual([...names].sort());
  });

  it.each(names)('declares %s once, with a doc comment and an example that uses it', (name) => {
    const found = declarations(name);
    expect(found.map(({ path }) => path)).toHaveLength(1);
    const doc = found[0]!.doc;
    expect(doc, `${found[0]!.path}: ${name} has no doc comment`).toBeDefined();
    const example = /## Example\s*\n\s*\*\s*\n\s*\* ```ts\n([\s\S]*?)\n\s*\* ```/.exec(doc!)?.[1];
    expect(example, `${found[0]!.path}: ${name} has no ## Example`).toBeDefined();
    expect(example).toMatch(new RegExp(String.raw`\b${name}\b`));
  });
});
