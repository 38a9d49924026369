// A host is up when its sshd greets on every address (the SSH banner, not just an open port).
import net from 'node:net';

function banner(address: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('SSH-')));
  });
}

export async function waitForSsh(addresses: string[], timeoutMs: number, stillStarting: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const address of addresses) {
    while (!(await banner(address, 22, 1000))) {
      if (!stillStarting()) throw new Error(`sshd on ${address} ended before it answered`);
      if (Date.now() > deadline) throw new Error(`sshd on ${address}:22 did not answer within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
