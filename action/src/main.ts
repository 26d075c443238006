// Entry of the bundle (action/dist/index.js): runs the Action once. Failures set the exit code
// through core.setFailed; nothing here calls process.exit, so the summary and outputs are flushed.
import * as core from '@actions/core';
import { run } from './run.js';

run().catch((err: unknown) => core.setFailed(`Unexpected failure of the Caxton action: ${(err as Error)?.message ?? String(err)}`));
