#!/usr/bin/env node
// The published entry point. The sources are TypeScript; tsx is registered in-process
// (not through --import) so that child processes forked by node-llama-cpp start as
// plain, fast Node processes.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/edge-evals.ts');
