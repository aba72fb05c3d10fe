// What both client scripts share: the credentials and the service from the environment, one JSON line per
// step on stdout, and the revocation probe. Nothing here touches how a client signs: the clients are unmodified.
import { createInterface } from 'node:readline';

export const service = {
  url: required('KC_URL'),
  key: required('KC_KEY'),
  secret: required('KC_SECRET'),
  passphrase: required('KC_PASSPHRASE'),
};

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

export function report(step, fields) {
  process.stdout.write(JSON.stringify({ step, ...fields }) + '\n');
}

// Runs each step in order and reports it; the first failure ends the run with exit code 1.
export async function flow(steps) {
  for (const [step, run] of steps) {
    try {
      report(step, { ok: true, result: await run() });
    } catch (error) {
      report(step, { ok: false, error: String(error?.message ?? error) });
      process.exit(1);
    }
  }
}

// After one accepted call, says "ready" and waits for "go" on stdin (the test disables the key in between),
// then calls every 50 ms for 3 s, reporting each call's time since "go" and KuCoin's code when refused.
export async function probe(call, codeOf) {
  await call();
  report('ready', { ok: true });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === 'go') {
      break;
    }
  }
  lines.close();
  const start = Date.now();
  while (Date.now() - start < 3000) {
    const t = Date.now() - start;
    try {
      await call();
      report('probe', { t, ok: true });
    } catch (error) {
      report('probe', { t, ok: false, code: codeOf(error) ?? null, error: String(error?.message ?? error) });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
