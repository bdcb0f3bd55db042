import { fileURLToPath } from 'node:url';

/** The project's root folder: evals/, fixtures/ and results/ are found from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
