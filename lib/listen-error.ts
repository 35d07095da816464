/**
 * Why a server could not take its address, in words an operator acts on: "port 5000 on
 * 127.0.0.1 is already in use (another process holds it)" rather than Node's bare errno line.
 */
export function listenFailure(what: string, host: string, port: number, err: NodeJS.ErrnoException): string {
  const where = `port ${port} on ${host}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `${what} cannot listen: ${where} is already in use (another process holds it)`;
    case 'EACCES':
      return `${what} cannot listen: ${where} needs privileges this process lacks`;
    case 'EADDRNOTAVAIL':
      return `${what} cannot listen: ${host} is not an address of this machine`;
    default:
      return `${what} cannot listen on ${where}: ${err.message}`;
  }
}
