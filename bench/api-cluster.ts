import cluster from 'node:cluster';
import path from 'node:path';

/**
 * The API as PM2 runs it in production (`exec_mode: 'cluster'`, ecosystem.config.js): a primary
 * that forks `API_INSTANCES` copies of dist/api/main.js with node's cluster module, which holds
 * the listening socket and hands connections out round-robin. Node arguments (the young
 * generation's size) come as this script's own arguments. Prints `ready` once every instance
 * listens; SIGTERM stops the instances (each its own graceful stop), then the primary.
 */
const instances = Number(process.env.API_INSTANCES ?? 2);
cluster.setupPrimary({ exec: path.join(__dirname, '..', 'api', 'main.js'), execArgv: process.argv.slice(2), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });

let listening = 0;
for (let i = 0; i < instances; i++) {
  cluster.fork().once('listening', () => {
    if (++listening === instances) process.stdout.write('ready\n');
  });
}
const stopAll = () => {
  for (const worker of Object.values(cluster.workers ?? {})) if (!worker?.isDead()) worker?.process.kill('SIGTERM');
};
// An instance that dies before the bench stops it makes the figures meaningless: stop them all.
let exited = 0;
cluster.on('exit', () => {
  stopAll();
  if (++exited === instances) process.exit(0);
});
process.once('SIGTERM', stopAll);
