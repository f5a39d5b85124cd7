import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import type {
  ModelEvent,
  ModelMessage,
  ModelRequest,
  ModelTool,
} from '../../../src/local/ModelAdapter';
import { tutorModel } from '../../../src/local/models/tutorModel';
import { findEquation } from '../../../src/local/models/tutor/equations';
import { solve } from '../../../src/local/models/tutor/solve';
import { testScheduler } from '../../support/scheduler';
import { quizTool } from '../../support/quizTool';

type Schema = Record<string, unknown>;

/** A tiny JSON Schema check: the keywords the tests' schemas use. Returns the errors. */
function check(value: unknown, schema: Schema, root: Schema = schema, path = '$'): string[] {
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Schema)[key], root);
    return check(value, target as Schema, root, path);
  }
  if ('const' in schema && value !== schema.const) return [`${path} is not ${schema.const}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return [`${path} not in enum`];
  if (Array.isArray(schema.anyOf)) {
    const ok = schema.anyOf.some((s) => check(value, s as Schema, root, path).length === 0);
    return ok ? [] : [`${path} matches no anyOf`];
  }
  const types = [schema.type ?? []].flat() as string[];
  const typeOk = (type: string) =>
    type === 'integer'
      ? Number.isInteger(value)
      : type === 'array'
        ? Array.isArray(value)
        : type === 'object'
          ? typeof value === 'object' && value !== null && !Array.isArray(value)
          : type === 'null'
            ? value === null
            : typeof value === type;
  if (types.length > 0 && !types.some(typeOk)) return [`${path} is not ${types.join('|')}`];
  const errors: string[] = [];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Schema;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) {
      if (!(key in object)) errors.push(`${path}.${key} is missing`);
    }
    for (const [key, item] of Object.entries(object)) {
      if (properties[key]) errors.push(...check(item, properties[key], root, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}.${key} is extra`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      errors.push(`${path} is too short`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      errors.push(`${path} is too long`);
    value.forEach((item, i) =>
      errors.push(...check(item, (schema.items ?? {}) as Schema, root, `${path}[${i}]`)),
    );
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      errors.push(`${path} is too short`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      errors.push(`${path} is too long`);
  }
  if (typeof value === 'number') {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
    if (typeof minimum === 'number' && value < minimum) errors.push(`${path} < minimum`);
    if (typeof maximum === 'number' && value > maximum) errors.push(`${path} > maximum`);
    if (typeof exclusiveMinimum === 'number' && value <= exclusiveMinimum)
      errors.push(`${path} <= exclusiveMinimum`);
    if (typeof exclusiveMaximum === 'number' && value >= exclusiveMaximum)
      errors.push(`${path} >= exclusiveMaximum`);
  }
  return errors;
}

/** The OpenAI cookbook's quiz tool (Assistants API overview), as the runtime hands it to a model. */
const displayQuiz: ModelTool = quizTool.function;

const solver: ModelTool = {
  name: 'solve_equation',
  description: 'Solves an equation exactly.',
  parameters: {
    type: 'object',
    properties: { equation: { type: 'string' }, variable: { type: 'string' } },
    required: ['equation', 'variable'],
    additionalProperties: false,
  },
};

const weather: ModelTool = {
  name: 'get_weather',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  },
};

const request = (
  messages: string | ModelMessage[],
  extra: Partial<ModelRequest> = {},
): ModelRequest => ({
  model: 'tutor',
  instructions: 'You are a personal math tutor.',
  messages: typeof messages === 'string' ? [{ role: 'user', content: messages }] : messages,
  tools: [displayQuiz, solver, weather],
  toolChoice: 'auto',
  parallelToolCalls: true,
  ...extra,
});

function events(req: ModelRequest): ModelEvent[] {
  const scheduler = testScheduler();
  const seen: ModelEvent[] = [];
  scheduler.run(() => {
    tutorModel()
      .respond(req, { scheduler })
      .subscribe((event) => seen.push(event));
  });
  return seen;
}

type Call = Extract<ModelEvent, { type: 'tool_call' }>;
const callsOf = (req: ModelRequest) =>
  events(req).filter((event): event is Call => event.type === 'tool_call');
const textOf = (req: ModelRequest) =>
  events(req)
    .flatMap((event) => (event.type === 'text' ? [event.delta] : []))
    .join('');

/** The one call of a request, its arguments parsed and checked against its tool's schema. */
function onlyCall(req: ModelRequest) {
  const calls = callsOf(req);
  expect(calls).toHaveLength(1);
  const [call] = calls as [Call];
  const tool = req.tools.find((t) => t.name === call.name)!;
  const args = JSON.parse(call.arguments ?? '') as Schema;
  expect(check(args, tool.parameters ?? {})).toEqual([]);
  return { call, args };
}

const QUIZ = 'Make a quiz with 2 questions: One open ended, one multiple choice.';

describe('the schema check of these tests', () => {
  it('catches missing, mistyped, extra and out-of-range values', () => {
    const schema = {
      type: 'object',
      properties: {
        n: { type: 'integer', minimum: 1 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
      },
      required: ['n', 'name'],
      additionalProperties: false,
    };
    expect(check({ n: 0.5, tags: [], extra: 1 }, schema)).toEqual([
      '$.name is missing',
      '$.n is not integer',
      '$.tags is too short',
      '$.extra is extra',
    ]);
    expect(check({ n: 0, name: 1, tags: [2] }, schema)).toEqual([
      '$.n < minimum',
      '$.name is extra',
      '$.tags[0] is not string',
    ]);
  });
});

describe('tutorModel tool calls', () => {
  it('calls the quiz tool for a quiz, with real questions valid against its schema', () => {
    const { call, args } = onlyCall(request(QUIZ));
    expect(call).toMatchObject({ type: 'tool_call', index: 0, name: 'display_quiz' });
    expect(call.id).toMatch(/^call_\w+$/);
    expect(args.title).toBe('Linear equations quiz');
    const questions = args.questions as Schema[];
    expect(questions).toHaveLength(2);
    expect(questions.map((q) => q.question_type)).toEqual(['MULTIPLE_CHOICE', 'FREE_RESPONSE']);
    expect(questions[1]).not.toHaveProperty('choices');
    // Each question holds a solvable equation, and the multiple choices hold its answer once.
    for (const question of questions) {
      expect(findEquation(String(question.question_text))).toBeDefined();
    }
    const first = solve(findEquation(String(questions[0]!.question_text))!);
    const choices = questions[0]!.choices as string[];
    expect(new Set(choices).size).toBe(4);
    expect(choices.filter((choice) => choice === first.answer)).toHaveLength(1);
  });

  it.each([
    ['Quiz me', 2],
    ['Give me a quiz with three questions', 3],
    ['Test me with 1 question', 1],
    ['Quiz me with 10 questions', 3],
  ])('asks as many questions as %s wants, from 1 to 3', (message, count) => {
    expect(onlyCall(request(message)).args.questions).toHaveLength(count);
  });

  it('calls a solver tool with the equation and its unknown', () => {
    const { call, args } = onlyCall(request('Solve 5y - 2 = 3y + 8'));
    expect(call.name).toBe('solve_equation');
    expect(args).toEqual({ equation: '5y - 2 = 3y + 8', variable: 'y' });
  });

  it('calls a tool whose name the message uses', () => {
    expect(onlyCall(request("What's the weather in Paris?")).call.name).toBe('get_weather');
  });

  it('answers itself when no tool fits', () => {
    expect(callsOf(request('What is a variable?'))).toEqual([]);
    expect(textOf(request('What is a variable?'))).toMatch(/^A variable/);
  });

  it('calls no tool when toolChoice is none', () => {
    const req = request(QUIZ, { toolChoice: 'none' });
    expect(callsOf(req)).toEqual([]);
    expect(textOf(req)).toMatch(/^Here's one to try/);
  });

  it('calls a tool when toolChoice is required, the first one if none fits', () => {
    expect(onlyCall(request('Hello', { toolChoice: 'required' })).call.name).toBe('display_quiz');
    expect(onlyCall(request('2x = 4', { toolChoice: 'required' })).call.name).toBe(
      'solve_equation',
    );
  });

  it('calls the tool toolChoice names, even if another fits better', () => {
    const named = { type: 'function', name: 'get_weather' } as const;
    const { call, args } = onlyCall(request(QUIZ, { toolChoice: named }));
    expect(call.name).toBe('get_weather');
    expect(args).toEqual({ city: QUIZ });
  });

  it('answers in text when the named tool does not exist', () => {
    const req = request('Hello', { toolChoice: { type: 'function', name: 'nope' } });
    expect(callsOf(req)).toEqual([]);
    expect(textOf(req)).toMatch(/^Hi!/);
  });

  it('makes parallel calls when several tools fit, and only one otherwise', () => {
    const message = 'Quiz me, and solve 2x = 4';
    expect(callsOf(request(message)).map((c) => [c.index, c.name])).toEqual([
      [0, 'display_quiz'],
      [1, 'solve_equation'],
    ]);
    expect(callsOf(request(message, { parallelToolCalls: false })).map((c) => c.name)).toEqual([
      'display_quiz',
    ]);
  });

  it('gives each call its own id, the same for the same conversation', () => {
    const ids = callsOf(request('Quiz me, and solve 2x = 4')).map((c) => c.id);
    expect(new Set(ids).size).toBe(2);
    expect(callsOf(request('Quiz me, and solve 2x = 4')).map((c) => c.id)).toEqual(ids);
    expect(callsOf(request('Quiz me, and solve 3x = 4'))[0]?.id).not.toBe(ids[0]);
  });

  it('sends the calls after delay, then their usage, and no text', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const kinds$ = tutorModel({ delay: 30 })
        .respond(request('Quiz me'), { scheduler })
        .pipe(map((event) => event.type));
      expectObservable(kinds$).toBe('30ms (cu|)', { c: 'tool_call', u: 'usage' });
    });
  });
});

describe('tutorModel after tool outputs', () => {
  const asked = (content: string, name = 'display_quiz', args = '{}'): ModelMessage[] => {
    const [call] = callsOf(request(QUIZ));
    const quizArgs = name === 'display_quiz' ? (call?.arguments ?? '') : args;
    return [
      { role: 'user', content: QUIZ },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name, arguments: quizArgs }] },
      { role: 'tool', toolCallId: 'call_1', content },
    ];
  };

  it('grades the quiz answers against the questions it asked', () => {
    const text = textOf(request(asked(JSON.stringify(["I don't know.", 'y = 5']))));
    expect(text).toBe(
      [
        'Here are your quiz results:',
        '1. Solve 2x + 3 = 11. You answered "I don\'t know.": the answer is x = 4 (subtract 3 from both sides, then divide both sides by 2).',
        '2. Solve 3(y - 2) = 9. You answered "y = 5": correct!',
        'You got 1 of 2 right.',
      ].join('\n'),
    );
  });

  it('reads a multiple choice answer given as a letter', () => {
    const text = textOf(request(asked(JSON.stringify(['a', '4']))));
    expect(text).toContain('1. Solve 2x + 3 = 11. You answered "a": correct!');
    expect(text).toContain('You answered "4": the answer is y = 5');
  });

  it('quotes a quiz output it cannot grade', () => {
    expect(textOf(request(asked('The student closed the quiz.')))).toBe(
      'Here are your quiz results: The student closed the quiz.',
    );
  });

  it('summarises another tool output, parsing JSON', () => {
    const messages = asked('{"x": 2, "steps": ["divide by 2"]}', 'solve_equation');
    expect(textOf(request(messages))).toBe(
      'Here is what solve_equation returned: x: 2, steps: divide by 2',
    );
  });

  it('answers instead of calling again, even when toolChoice is required', () => {
    const req = request(asked('"done"', 'solve_equation'), { toolChoice: 'required' });
    expect(callsOf(req)).toEqual([]);
    expect(textOf(req)).toBe('Here is what solve_equation returned: done');
  });
});

describe('tutorModel tool arguments', () => {
  const call = (parameters: Schema, message = 'Quiz me') => {
    const tool: ModelTool = { name: 'make_quiz', parameters };
    return onlyCall(request(message, { tools: [tool] })).args;
  };

  it('fills enums, consts, defaults, booleans, nulls and formats', () => {
    const args = call({
      type: 'object',
      properties: {
        level: { type: 'string', enum: ['easy', 'hard'] },
        kind: { const: 'algebra' },
        lang: { type: 'string', default: 'en' },
        show_steps: { type: 'boolean' },
        shuffle: { type: 'boolean' },
        note: { type: ['null'] },
        due: { type: 'string', format: 'date' },
      },
      required: ['level', 'kind', 'lang', 'show_steps', 'shuffle', 'note', 'due'],
    });
    expect(args).toEqual({
      level: 'easy',
      kind: 'algebra',
      lang: 'en',
      show_steps: true,
      shuffle: false,
      note: null,
      due: '2024-01-01',
    });
  });

  it('respects numeric bounds and integer types', () => {
    const args = call({
      type: 'object',
      properties: {
        count: { type: 'integer', maximum: 1 },
        seconds: { type: 'integer', minimum: 30 },
        weight: { type: 'number', exclusiveMinimum: 1, exclusiveMaximum: 2 },
        limit: { type: 'integer', exclusiveMaximum: 1 },
      },
      required: ['count', 'seconds', 'weight', 'limit'],
    });
    expect(args).toEqual({ count: 1, seconds: 30, weight: 1.5, limit: 0 });
  });

  it('respects minItems, maxItems and string lengths', () => {
    const args = call({
      type: 'object',
      properties: {
        questions: { type: 'array', minItems: 3, items: { type: 'string' } },
        tags: { type: 'array', maxItems: 0, items: { type: 'string' } },
        code: { type: 'string', minLength: 12, maxLength: 12 },
      },
      required: ['questions', 'tags', 'code'],
    });
    expect(args.questions).toEqual([
      'Solve 2x + 3 = 11.',
      'Solve 3(y - 2) = 9.',
      'Solve 4n + 1 = 2n - 5.',
    ]);
    expect(args.tags).toEqual([]);
    expect(args.code).toBe('Quiz me.....');
  });

  it('follows $ref and anyOf, and fills nested quiz questions with answers', () => {
    const parameters = {
      type: 'object',
      $defs: {
        question: {
          type: 'object',
          properties: {
            prompt: { type: 'string' },
            options: { type: 'array', items: { type: 'string' }, minItems: 5 },
            correct_index: { type: 'integer', minimum: 0 },
            answer: { type: 'string' },
          },
          required: ['prompt', 'options', 'correct_index', 'answer'],
          additionalProperties: false,
        },
      },
      properties: {
        quiz: {
          type: 'object',
          properties: {
            items: { type: 'array', items: { $ref: '#/$defs/question' } },
            difficulty: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 2 }] },
          },
          required: ['items', 'difficulty'],
        },
      },
      required: ['quiz'],
    };
    const args = call(parameters, 'Give me a quiz with 2 questions');
    const quiz = args.quiz as { items: Schema[]; difficulty: unknown };
    expect(quiz.difficulty).toBe(2);
    expect(quiz.items).toHaveLength(2);
    for (const item of quiz.items) {
      const options = item.options as string[];
      expect(options).toHaveLength(5);
      expect(options[item.correct_index as number]).toBe(item.answer);
      expect(item.answer).toBe(solve(findEquation(String(item.prompt))!).answer);
    }
  });
});
