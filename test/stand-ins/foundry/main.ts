// Entry point of the `foundry` stand-in (test/stand-ins/bin/foundry). The generation comes
// from FOUNDRY_STANDIN_GENERATION; see test/stand-ins/README.md for every knob.
import { SERVICE_FLAG } from './launch.ts';
import { readKnobs, StandInState } from './state.ts';

const args = process.argv.slice(2);
const knobs = readKnobs();
const state = new StandInState(knobs.home);

// Modules are imported on demand: every CLI call pays for what it loads, as startup time.
if (args[0] === SERVICE_FLAG) {
  const { runService } = await import('./service.ts');
  const portIndex = args.indexOf('--port');
  await runService({ port: portIndex === -1 ? undefined : Number(args[portIndex + 1]) });
} else if (knobs.generation === 'A') {
  const { CliA } = await import('./cli-a.ts');
  process.exitCode = await new CliA(knobs, state).main(args);
} else {
  const { CliB } = await import('./cli-b.ts');
  process.exitCode = await new CliB(knobs, state).main(args);
}
