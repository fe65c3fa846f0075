/**
 * Spotting secrets typed where a setting belongs. Settings go to state.json
 * and to logs, so a key inside an endpoint URL or pasted as a `--key-env` name
 * is refused before it is stored, and the refusal never repeats the secret.
 * The zod schemas in config.ts call these checks, so every way an endpoint
 * enters (CLI flags, the wizard, a state.json written earlier) is covered.
 */

/** Query parameters that carry credentials: api-key, access_token, sig (Azure SAS), client_secret, password... */
const SECRET_PARAM =
  /(?:^|[-_.])(?:api-?key|key|token|access-?token|sig|signature|secret|pass|passwd|password|pwd|auth|authorization|credentials?)(?:$|[-_.])/i;

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Shapes of well-known API keys that also happen to be valid variable names. */
const KEY_SHAPES = [
  /^(sk|rk|pk|gsk|hf|ghp|gho|ghs|github_pat|xai|glpat|AIza)[-_]?[A-Za-z0-9_-]{16,}$/,
  // Azure OpenAI keys: 32 hex digits.
  /^(?=[0-9a-f]*\d)[0-9a-f]{32,}$/i,
];

export const CREDENTIAL_HINT =
  'Keys never go into URLs or settings: put the key in an environment variable and pass its name (export VLLM_API_KEY=...; --key-env VLLM_API_KEY), or pass --key-file PATH.';

/** The URL with any password, user name or secret-looking query value masked; for messages. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(URL not shown)';
  }
  const userinfo = u.username || u.password ? '***@' : '';
  const query = [...u.searchParams.keys()].length
    ? '?' + [...u.searchParams.entries()].map(([k, v]) => `${k}=${SECRET_PARAM.test(k) ? '***' : v}`).join('&')
    : '';
  return `${u.protocol}//${userinfo}${u.host}${u.pathname}${query}`;
}

/** Why this endpoint URL cannot be stored (it is not a URL, or it carries a credential), or null. */
export function endpointUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL (expected e.g. http://127.0.0.1:8000/v1)';
  }
  if (u.username || u.password) {
    return `the endpoint URL ${redactUrl(url)} carries a credential (user:password@); it was not stored. Give the URL without it. ${CREDENTIAL_HINT}`;
  }
  const secretParams = [...u.searchParams.keys()].filter((k) => SECRET_PARAM.test(k));
  if (secretParams.length) {
    return `the endpoint URL ${redactUrl(url)} carries a credential in its query (${secretParams.join(', ')}); it was not stored. Give the URL without it. ${CREDENTIAL_HINT}`;
  }
  return null;
}

/** Why this `--key-file` value looks like the key itself rather than a path, or null. Never repeats the value. */
export function keyFileProblem(file: string): string | null {
  if (/[\\/]/.test(file) || !KEY_SHAPES.some((re) => re.test(file))) return null;
  return (
    '--key-file takes the path of a file whose first line is the key, and the value given looks like a key itself; it was not stored. ' +
    'Write the key to a file (chmod 600) and pass its path, or use --key-env VAR. A key typed on a command line stays in the shell history: rotate it if it was real.'
  );
}

/** Why this `--key-env` value is not the name of an environment variable, or null. Never repeats the value. */
export function keyEnvProblem(name: string): string | null {
  const looksLikeKey = KEY_SHAPES.some((re) => re.test(name));
  if (VARIABLE_NAME.test(name) && !looksLikeKey) return null;
  const what = looksLikeKey
    ? 'looks like a key itself'
    : 'is not a variable name (letters, digits and _, not starting with a digit)';
  return (
    `--key-env takes the name of an environment variable that holds the key, and the value given ${what}; it was not stored. ` +
    'Put the key in a variable and pass its name: export VLLM_API_KEY=...; --key-env VLLM_API_KEY (or use --key-file PATH). ' +
    'A key typed on a command line stays in the shell history: rotate it if it was real.'
  );
}
