// Starting the judge stand-in (test/stand-ins/judge) with a script, and reading what it was asked.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { STAND_IN_BIN } from '../stand-ins/support.ts';

export interface JudgeScript {
  model?: string;
  rules?: { criterion?: string; answerContains?: string; replies?: string[]; probabilities?: Record<string, number>; delayMs?: number; exit?: boolean; status?: number }[];
  default?: { score: number; reason: string; probabilities?: Record<string, number> };
  rejectResponseFormat?: boolean;
  exitAfterRequests?: number | null;
}

export interface JudgeRequestLog {
  at: number;
  criterion: string;
  answer: string;
  responseFormat: boolean;
  logprobs: boolean;
}

export interface RunningJudge {
  /** The OpenAI base URL, ending in /v1. */
  baseURL: string;
  child: ResultPromise;
  requests(): JudgeRequestLog[];
  stop(): Promise<void>;
}

export async function startJudgeStandIn(script: JudgeScript, folder: string, name = 'judge'): Promise<RunningJudge> {
  const scriptFile = path.join(folder, `${name}-script.json`);
  const logFile = path.join(folder, `${name}-requests.jsonl`);
  writeFileSync(scriptFile, JSON.stringify(script));
  const child = execa(process.execPath, [path.join(STAND_IN_BIN, 'judge-server'), '--script', scriptFile, '--log', logFile], { reject: false, stdin: 'ignore' });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const ready = buffered.split('\n').find((line) => line.startsWith('{"event":"ready"'));
      if (ready !== undefined) resolve((JSON.parse(ready) as { url: string }).url);
    });
    child.then((result) => reject(new Error(`the judge stand-in exited before it was ready: ${String(result.stderr)}`)), reject);
  });
  return {
    baseURL: `${url}/v1`,
    child,
    requests: () =>
      existsSync(logFile)
        ? readFileSync(logFile, 'utf8')
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as JudgeRequestLog)
        : [],
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}
