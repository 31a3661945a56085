import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use; pick another with --port`);
  }
}

/** Listens, turning EADDRINUSE into one clear error: a taken port is never a silent move. */
export function listen(server: HttpServer, port: number, host: string, extra: { exclusive?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, ...extra });
  });
}

