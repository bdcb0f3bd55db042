// Entry point of the `foundry` stand-in (test/stand-ins/bin/foundry). The generation comes
// from FOUNDRY_STANDIN_GENERATION; see test/stand-ins/README.md for every knob.
import { CliA } from './cli-a.ts';
import { CliB } from './cli-b.ts';
import { SERVICE_FLAG } from './launch.ts';
import { runService } from './service.ts';
import { readKnobs, StandInState } from './state.ts';

const args = process.argv.slice(2);
const knobs = readKnobs();
const state = new StandInState(knobs.home);

if (args[0] === SERVICE_FLAG) {
  const portIndex = args.indexOf('--port');
  await runService({ port: portIndex === -1 ? undefined : Number(args[portIndex + 1]) });
} else {
  const cli = knobs.generation === 'A' ? new CliA(knobs, state) : new CliB(knobs, state);
  process.exitCode = await cli.main(args);
}
