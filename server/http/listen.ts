// Binding the port, before anything else is opened: a port in use is one sentence for the person
// starting Loom, not a stack trace after the database has been touched.
import type { Server } from "node:http";

/** A start-up problem the person starting Loom can fix; its message says how. */
export class StartupProblem extends Error {
  override readonly name = "StartupProblem";
}

/** Listens on `port` (0: any free one) and resolves with the port bound. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (error.code === "EADDRINUSE") reject(new StartupProblem(`port ${port} is in use: set PORT`));
      else if (error.code === "EACCES") reject(new StartupProblem(`port ${port} needs privileges: set PORT`));
      else if (error.code === "EADDRNOTAVAIL") reject(new StartupProblem(`${host} is not an address here: set HOST`));
      else reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}
