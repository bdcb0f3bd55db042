// A short calibration of the machine, taken at the start and at the end of every run: a fixed
// CPU workload run on every core at once (a model shares the cores with whatever else runs),
// and the round trip of a small HTTP request over loopback (what the harness adds to each
// request). Two runs whose calibrations differ ran on machines in different states; the gate
// warns about it and can scale latencies by the CPU figure (EVAL_GATE_NORMALIZE=calibration).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Calibration } from '../contract/results.ts';

// About 25 ms on one core of a current x86 machine: long enough to see contention, short
// enough that a calibration costs a run well under a second.
const WORKLOAD_STEPS = 10_000_000;
const CPU_ROUNDS = 3;
const LOOPBACK_WARMUP = 5;
const LOOPBACK_ROUNDS = 25;

// An xorshift loop: integer work the JIT cannot skip (the result is sent back).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (steps) => {
  let x = 1;
  for (let i = 0; i < steps; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0; }
  parentPort.postMessage(x);
});
`;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/** Wall time of the workload on every core at once, median over a few rounds. */
async function timeCpuWorkload(): Promise<number> {
  const workers = Array.from({ length: os.availableParallelism() }, () => new Worker(WORKER_SOURCE, { eval: true }));
  try {
    // A first round starts and compiles the workers; it is not timed.
    const round = () => Promise.all(workers.map((worker) => new Promise((resolve) => {
      worker.once('message', resolve);
      worker.postMessage(WORKLOAD_STEPS);
    })));
    await round();
    const times: number[] = [];
    for (let index = 0; index < CPU_ROUNDS; index++) {
      const start = performance.now();
      await round();
      times.push(performance.now() - start);
    }
    return median(times);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Median round trip of a tiny GET over 127.0.0.1 on a kept-alive connection. */
async function timeLoopback(): Promise<number> {
  const server = http.createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const { port } = server.address() as AddressInfo;
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const start = performance.now();
      http
        .get({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
          response.resume();
          response.on('end', () => resolve(performance.now() - start));
        })
        .on('error', reject);
    });
  try {
    const times: number[] = [];
    for (let index = 0; index < LOOPBACK_WARMUP + LOOPBACK_ROUNDS; index++) {
      const time = await once();
      if (index >= LOOPBACK_WARMUP) times.push(time);
    }
    return median(times);
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function calibrateMachine(): Promise<Calibration> {
  const cpuMs = await timeCpuWorkload();
  const loopbackMs = await timeLoopback();
  return {
    cpuMs: Math.round(cpuMs * 100) / 100,
    loopbackMs: Math.round(loopbackMs * 1000) / 1000,
    loadAverage: process.platform === 'win32' ? null : Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}
