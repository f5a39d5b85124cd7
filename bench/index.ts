// `npm run bench`: how clients learn that runs ended (bench/pollStrategies.ts);
// `npm run bench -- --server`: the server against bare node:http (bench/server.ts).
await import(process.argv.includes('--server') ? './server' : './pollStrategies');
export {};
