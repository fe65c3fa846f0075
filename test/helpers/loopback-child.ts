import { startLoopbackServer, type LoopbackOptions } from './loopback-server.js';

/**
 * The loopback server as its own process (benchmarks: its CPU time is then not
 * counted as the client's). Options come as JSON in argv[2]; prints "PORT n".
 */
const opts = JSON.parse(process.argv[2] ?? '{}') as LoopbackOptions;
const server = await startLoopbackServer({ ...opts, record: false });
process.stdout.write(`PORT ${server.port}\n`);
process.on(
  'SIGTERM',
  () =>
    void server.close().then(() => {
      const cpu = process.cpuUsage();
      if (process.env.LOOPBACK_REPORT_CPU)
        process.stderr.write(
          `loopback server: ${server.count} requests, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms\n`,
        );
      process.exit(0);
    }),
);
