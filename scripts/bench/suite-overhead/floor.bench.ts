// vitest's own floor: empty tests, in the eval projects' configuration.
import { defineVariant } from './variant.ts';

defineVariant(() => undefined);
