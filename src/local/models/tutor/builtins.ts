// What the tutor says when asked for what only a built-in tool could do.

/** What only a built-in tool could do, when the run declares it: the tutor says it can't. */
const BUILTIN_ASKS: Array<['code_interpreter' | 'file_search', RegExp, string]> = [
  [
    'code_interpreter',
    /\b(?:run|execute|exec|evaluate|interpret)\b[^.?!]*\b(?:code|python|script|program|snippet)\b|\bpython\b|\b(?:plot|chart|graph)\b[^.?!]*\b(?:this|it|of|data|function|line)\b|\b(?:plot|draw a (?:chart|graph))\b/i,
    "I can't run code here: this server does not implement code_interpreter yet. I can still " +
      'solve linear equations step by step, like `3x + 11 = 14`.',
  ],
  [
    'file_search',
    /\b(?:search|look (?:up|through|in)|find|read|summari[sz]e|check)\b[^.?!]*\b(?:my |the |our |these |those |uploaded |attached )?(?:files?|documents?|docs|pdfs?|uploads?|attachments?|vector stores?)\b/i,
    "I can't search your files here: this server does not implement file_search yet. I can " +
      'still solve linear equations step by step, like `3x + 11 = 14`.',
  ],
];

/** The tutor's refusal of a request that only a declared built-in tool could serve, if it is one. */
export function builtinRefusal(declared: readonly string[], text: string): string | undefined {
  return BUILTIN_ASKS.find(([tool, pattern]) => declared.includes(tool) && pattern.test(text))?.[2];
}
