import { UserError } from '../util/errors.js';

/** One clear message for an endpoint that fails the preflight, by what went wrong. */
export function probeError(label: string, model: string, keyEnv: string | null, kind: string, text: string): UserError {
  const message = text.startsWith(`${label}: `) ? text.slice(label.length + 2) : text;
  switch (kind) {
    case 'auth':
      return new UserError(
        `The LLM endpoint ${label} rejected the key: ${message}`,
        keyEnv ? `Check the key in $${keyEnv}.` : 'Pass the key with --key-env VAR or --key-file PATH.',
      );
    case 'not_found':
      return new UserError(
        `The model or deployment "${model}" was not found at ${label}: ${message}`,
        'Check the model/deployment name and the endpoint URL.',
      );
    case 'connection':
    case 'timeout':
      return new UserError(
        `The LLM endpoint ${label} is not reachable: ${message}`,
        'Is the server running and listening there?',
      );
    default:
      return new UserError(`The LLM endpoint ${label} failed a test request: ${message}`);
  }
}
