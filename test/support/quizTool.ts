import type { FunctionTool } from '../../src/backend/types';

/** The cookbook's quiz tool (from the Assistants API overview), as an assistant's function tool. */
export const quizTool = {
  type: 'function',
  function: {
    name: 'display_quiz',
    description:
      "Displays a quiz to the student, and returns the student's response. A single quiz can have multiple questions.",
    parameters: {
      type: 'object',
      properties: {
        title: { type: 'string' },
        questions: {
          type: 'array',
          description:
            'An array of questions, each with a title and potentially options (if multiple choice).',
          items: {
            type: 'object',
            properties: {
              question_text: { type: 'string' },
              question_type: { type: 'string', enum: ['MULTIPLE_CHOICE', 'FREE_RESPONSE'] },
              choices: { type: 'array', items: { type: 'string' } },
            },
            required: ['question_text'],
          },
        },
      },
      required: ['title', 'questions'],
    },
  },
} satisfies FunctionTool;
