// `npm run bench`: how clients learn that runs ended (bench/pollStrategies.ts);
// `npm run bench -- --server`: the server against bare node:http (bench/server.ts);
// `npm run bench -- --ask`: rx.ask on the embedded runtime against its model's time;
// `npm run bench -- --overhead`: what a streamed run holds in process (bench/streamOverhead.ts).
const which = process.argv.includes('--server')
  ? './server'
  : process.argv.includes('--ask')
    ? './askLatency'
    : process.argv.includes('--overhead')
      ? './streamOverhead'
      : './pollStrategies';
await import(which);
export {};
