#!/usr/bin/env node
// A TCP proxy that adds latency in user space (for kernels without the sch_netem qdisc), run as its
// own process so that it never competes with the tool being measured for the event loop.
// Every chunk is forwarded <oneWayMs> later, in order, both ways: a round trip gains 2 x oneWayMs.
//   node latency-proxy.mjs <oneWayMs> <host:port> [<host:port> ...]
// prints one JSON line: the local ports, in the order of the targets; runs until killed.
import { createServer, connect } from 'node:net';

const [ms, ...targets] = process.argv.slice(2);
const oneWay = Number(ms);

function delayed(from, to) {
  from.on('data', (chunk) =>
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, oneWay),
  );
  from.on('end', () => setTimeout(() => to.end(), oneWay));
  from.on('error', () => to.destroy());
  from.on('close', () => setTimeout(() => to.destroy(), oneWay + 5));
}

const ports = await Promise.all(
  targets.map((t) => {
    const i = t.lastIndexOf(':');
    const host = t.slice(0, i);
    const port = Number(t.slice(i + 1));
    const server = createServer((client) => {
      const upstream = connect({ host, port });
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      delayed(client, upstream);
      delayed(upstream, client);
    });
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
  }),
);
process.stdout.write(JSON.stringify(ports) + '\n');
