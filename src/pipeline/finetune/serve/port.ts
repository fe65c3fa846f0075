import net from 'node:net';

/**
 * Whether another program already listens on the port vLLM is to serve on.
 * A server there that answers /health would otherwise be taken for ours while
 * our own process fails to bind and exits.
 */
export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    // Only "in use" is this check's business; any other bind error is vLLM's to report with its own log.
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/** What the user reads when the port is taken; `ours` names this run's own (not serving) server when it is the holder. */
export function portInUseMessage(host: string, port: number, ours: number | null): string {
  const holder = ours
    ? `this run's earlier server (pid ${ours}), which does not serve the model with this run's key (still loading, or started otherwise)`
    : 'another program';
  return `Port ${port} on ${host} is in use by ${holder}: vLLM cannot listen there, and whatever answers on it is not the fine-tuned model.`;
}

export function portInUseHint(ours: number | null): string {
  return ours
    ? 'Stop it with `cxrvqa finetune stop-server`, or serve on another port: --set serve.port=N'
    : 'Stop that program, or serve on another port: --set serve.port=N';
}
