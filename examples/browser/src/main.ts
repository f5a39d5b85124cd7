// rx-assistants in a web page, two ways, with the same client code:
//
// 1. In the page: the embedded runtime (`localBackend()` of
//    `rx-assistants/local`) runs here, in the browser, on its offline tutor
//    model. No server, no key, no network.
// 2. Through a server: the official `openai` SDK in the page, talking to
//    `rx-assistants serve --cors <this page's origin>` on this machine.
//
// Either way `rxAssistants(...)` gives the same Observables, so `askTutor`
// below does not know where the assistant runs.
import OpenAI from 'openai';
import { concatMap, type Observable } from 'rxjs';
import { isRunEvent, rxAssistants, type RunEvent, type RxAssistants } from 'rx-assistants';
import { localBackend } from 'rx-assistants/local';

// Mode 1: the runtime lives as long as the page; its threads are kept in memory.
const inPage = rxAssistants(localBackend());

// Mode 2: the SDK against a server. `dangerouslyAllowBrowser` is the SDK's
// guard against shipping a secret key in a page: anything the page holds,
// its visitors can read. Use no key, or a key made for this server only
// (`rx-assistants serve --api-key ...`), never an OpenAI key.
function throughServer(baseURL: string, apiKey: string): RxAssistants {
  const openai = new OpenAI({ baseURL, apiKey: apiKey || 'unused', dangerouslyAllowBrowser: true });
  return rxAssistants(openai);
}

/**
 * Creates a tutor assistant and asks it `question` on a new thread. The run
 * is followed over the event stream (`transport: 'stream'`), so the reply
 * arrives word by word as `thread.message.delta` events. Nothing happens until
 * it is subscribed to; unsubscribing early cancels the run.
 */
function askTutor(rx: RxAssistants, question: string): Observable<RunEvent> {
  return rx.assistants
    .create({ model: 'tutor', name: 'Math Tutor' })
    .pipe(concatMap((tutor) => rx.ask(tutor.id, question, { transport: 'stream' })));
}

// The page's elements (see index.html).
const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const form = $<HTMLFormElement>('#ask');
const button = $<HTMLButtonElement>('#ask-button');
const output = $('#output');
const statuses = $('#statuses');
const reply = $('#reply');
const error = $('#error');

form.addEventListener('submit', (submit) => {
  submit.preventDefault();
  const fields = new FormData(form);
  const rx =
    fields.get('mode') === 'server'
      ? throughServer(String(fields.get('server-url')), String(fields.get('api-key')))
      : inPage;

  statuses.replaceChildren();
  reply.replaceChildren();
  error.textContent = '';
  button.disabled = true;
  output.dataset['state'] = 'running';
  let lastStatus = '';

  askTutor(rx, String(fields.get('question'))).subscribe({
    next: (event) => {
      // Run events (`thread.run.created`, `.queued`, `.in_progress`,
      // `.completed`...) carry the run: show each new status as it happens.
      if (isRunEvent(event) && event.data.status !== lastStatus) {
        lastStatus = event.data.status;
        statuses.append(Object.assign(document.createElement('li'), { textContent: lastStatus }));
      }
      // Each delta is a piece of the reply: append it as it arrives.
      if (event.event === 'thread.message.delta') {
        for (const part of event.data.delta.content ?? []) {
          if (part.type !== 'text') continue;
          const piece = document.createElement('span');
          piece.textContent = part.text?.value ?? '';
          reply.append(piece);
        }
      }
    },
    error: (failure: unknown) => {
      // With the server: a CORS refusal shows up here as a connection error
      // (the browser's console says why), an API error with its status.
      error.textContent = failure instanceof Error ? failure.message : String(failure);
      output.dataset['state'] = 'failed';
      button.disabled = false;
    },
    complete: () => {
      output.dataset['state'] = lastStatus;
      button.disabled = false;
    },
  });
});

// The script has loaded: the page can be used.
button.disabled = false;
