// `npm run bench`: how clients learn that runs ended (bench/pollStrategies.ts);
// `npm run bench -- --server`: the server against bare node:http (bench/server.ts);
// `npm run bench -- --ask`: rx.ask on the embedded runtime against its model's time;
// `npm run bench -- --overhead`: what a streamed run holds in process (bench/streamOverhead.ts);
// `npm run bench -- --store`: serve on memory, PGlite and Postgres (bench/store.ts).
const flagged: Array<[string, string]> = [
  ['--server', './server'],
  ['--ask', './askLatency'],
  ['--overhead', './streamOverhead'],
  ['--store', './store'],
];
const which = flagged.find(([flag]) => process.argv.includes(flag))?.[1] ?? './pollStrategies';
await import(which);
export {};
