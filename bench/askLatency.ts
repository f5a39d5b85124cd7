/**
 * How long `rx.ask` takes on the embedded runtime, with the default options,
 * against the time the model itself takes to write the reply
 * (`npm run bench -- --ask [--runs 50]`). The model is the tutor, timed from
 * the moment the runtime subscribes to its turn to the turn's end; `ask` is
 * timed from its subscription to its completion (thread, message, run, every
 * event, the reply). Runs one after another, in real time.
 */
import { finalize, lastValueFrom } from 'rxjs';
import { rxAssistants } from '../src';
import { localBackend, tutorModel, type ModelAdapter } from '../src/local';

const at = process.argv.indexOf('--runs');
const RUNS = at >= 0 ? Number(process.argv[at + 1]) : 50;
const QUESTION = 'I need to solve the equation `3x + 11 = 14`. Can you help me?';

const tutor = tutorModel();
const modelTimes: number[] = [];
/** The tutor, timing each of its turns. */
const timed: ModelAdapter = {
  name: 'timed tutor',
  respond: (request, context) => {
    const started = performance.now();
    return tutor
      .respond(request, context)
      .pipe(finalize(() => modelTimes.push(performance.now() - started)));
  },
};

const rx = rxAssistants(localBackend({ model: timed }));
const assistant = await lastValueFrom(rx.assistants.create({ model: 'tutor' }));
const askTimes: number[] = [];
await lastValueFrom(rx.ask(assistant.id, QUESTION)); // warm-up
modelTimes.length = 0;
for (let i = 0; i < RUNS; i++) {
  const started = performance.now();
  await lastValueFrom(rx.ask(assistant.id, QUESTION));
  askTimes.push(performance.now() - started);
}

const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ratios = askTimes.map((time, i) => time / modelTimes[i]!);
console.log(
  `rx.ask on localBackend(), default options, ${RUNS} runs one after another:\n` +
    `  the model's own time p50 ${p50(modelTimes).toFixed(1)} ms, ` +
    `ask p50 ${p50(askTimes).toFixed(1)} ms; ask / model p50 ${p50(ratios).toFixed(3)}`,
);
