import { createLlm, runPool } from './src/pipeline/llm/index.js';
import { LlmProfileSchema } from './src/pipeline/llm/config.js';
import { startLoopbackServerProcess } from './test/helpers/loopback-server.js';
const server = await startLoopbackServerProcess({ latency: { kind: 'fixed', ms: 5 } });
for (const stream of [true, false, true, false]) {
  const llm = createLlm(LlmProfileSchema.parse({ endpoints: [{ url: server.url, maxConcurrency: 64 }], model: 'extractor', concurrency: 64, stream }), { env: {} });
  const go = (n: number, off: number) => runPool(Array.from({ length: n }, (_, i) => i + off), 64, async (i) => { await llm.client.complete({ model: 'extractor', messages: [{ role: 'user', content: 'r' + i }] }); });
  await go(500, 1e6);
  const c0 = process.cpuUsage(); const t0 = performance.now();
  await go(2000, 0);
  const c = process.cpuUsage(c0);
  console.log({ stream, msPerReq: ((c.user + c.system) / 1000 / 2000).toFixed(3), wall: ((performance.now() - t0)/1000).toFixed(2) });
  await llm.close();
}
await server.close();
