// The stand-in's model catalog: real Foundry Local aliases and variant IDs (docs/foundry-local.md),
// in priority order within each alias, each served by one of edge-evals' synthetic models so
// that an eval run against the stand-in generates real tokens with real timings.
import type { FixtureModel } from '../shared/backend.ts';

export interface StandInVariant {
  alias: string;
  /** Full variant ID with its `:N` version. */
  id: string;
  device: 'CPU' | 'GPU' | 'NPU';
  executionProvider: string;
  /** Gen A 0.8 task wording. */
  task: string;
  fileSizeMb: number;
  license: string;
  publisher: string;
  supportsToolCalling: boolean;
  maxOutputTokens: number;
  /** The synthetic model that generates this variant's tokens. */
  servedBy: FixtureModel;
}

const variant = (
  alias: string,
  id: string,
  device: StandInVariant['device'],
  fileSizeMb: number,
  servedBy: FixtureModel,
  extra: Partial<StandInVariant> = {},
): StandInVariant => ({
  alias,
  id,
  device,
  executionProvider: device === 'CPU' ? 'CPUExecutionProvider' : device === 'GPU' ? 'OpenVINOExecutionProvider' : 'QNNExecutionProvider',
  task: 'chat, tools',
  fileSizeMb,
  license: 'MIT',
  publisher: 'Microsoft',
  supportsToolCalling: true,
  maxOutputTokens: 4096,
  servedBy,
  ...extra,
});

const qwen = { license: 'apache-2.0', publisher: 'Alibaba', task: 'chat', supportsToolCalling: false };
const deepseek = { license: 'MIT', publisher: 'DeepSeek', task: 'chat', supportsToolCalling: false };

const REAL_CATALOG: readonly StandInVariant[] = [
  variant('phi-4-mini', 'phi-4-mini-instruct-openvino-gpu:2', 'GPU', 2202, 'fixture-small'),
  variant('phi-4-mini', 'Phi-4-mini-instruct-generic-cpu:5', 'CPU', 4915, 'fixture-small'),
  variant('phi-4', 'Phi-4-generic-gpu:1', 'GPU', 8570, 'fixture-medium', { task: 'chat', executionProvider: 'WebGpuExecutionProvider' }),
  variant('phi-4', 'Phi-4-generic-cpu:1', 'CPU', 10404, 'fixture-medium', { task: 'chat' }),
  variant('qwen2.5-0.5b', 'qwen2.5-0.5b-instruct-generic-cpu:4', 'CPU', 822, 'fixture-tiny', qwen),
  variant('qwen2.5-1.5b', 'qwen2.5-1.5b-instruct-generic-cpu:4', 'CPU', 1823, 'fixture-tiny', qwen),
  variant('qwen2.5-7b', 'qwen2.5-7b-instruct-generic-cpu:3', 'CPU', 6307, 'fixture-medium', qwen),
  variant('deepseek-r1-7b', 'deepseek-r1-distill-qwen-7b-generic-cpu:3', 'CPU', 6584, 'fixture-medium', deepseek),
  variant('deepseek-r1-14b', 'deepseek-r1-distill-qwen-14b-generic-cpu:3', 'CPU', 11776, 'fixture-medium', deepseek),
  variant('mistral-7b-v0.2', 'mistralai-Mistral-7B-Instruct-v0-2-generic-cpu:2', 'CPU', 4168, 'fixture-medium', {
    license: 'apache-2.0',
    publisher: 'MistralAI',
    task: 'chat',
    supportsToolCalling: false,
  }),
];

/**
 * FOUNDRY_STANDIN_EXTRA_MODEL=<alias>:<size in MB> adds a CPU variant of that size, larger than
 * the machine a test runs on can hold; never loaded by an eval run that checks memory.
 */
function extraVariant(): StandInVariant[] {
  const match = /^([a-z0-9._-]+):(\d+)$/i.exec(process.env.FOUNDRY_STANDIN_EXTRA_MODEL ?? '');
  if (match === null) return [];
  const [, alias = '', sizeMb = '0'] = match;
  return [variant(alias, `${alias}-generic-cpu:1`, 'CPU', Number(sizeMb), 'fixture-tiny', { task: 'chat' })];
}

export const CATALOG: readonly StandInVariant[] = [...REAL_CATALOG, ...extraVariant()];

/** An alias picks its first variant; an ID must match exactly (case-insensitive). */
export function findVariant(aliasOrId: string, preferCached: (id: string) => boolean = () => false): StandInVariant | null {
  const key = aliasOrId.toLowerCase();
  const byId = CATALOG.find((entry) => entry.id.toLowerCase() === key);
  if (byId !== undefined) return byId;
  const variants = CATALOG.filter((entry) => entry.alias.toLowerCase() === key);
  return variants.find((entry) => preferCached(entry.id)) ?? variants[0] ?? null;
}

/** Gen A's `/foundry/list` entry for a variant (docs/foundry-local.md, "Generation A's REST API"). */
export function foundryListEntry(entry: StandInVariant): Record<string, unknown> {
  const [name, version] = entry.id.split(':');
  return {
    name: entry.id,
    displayName: name,
    providerType: 'AzureFoundry',
    uri: `azureml://registries/azureml/models/${name}/versions/${version}`,
    version,
    modelType: 'ONNX',
    promptTemplate: { system: '<|system|>{Content}<|end|>', user: '<|user|>{Content}<|end|>', assistant: '<|assistant|>{Content}<|end|>', prompt: '<|user|>{Content}<|end|><|assistant|>' },
    publisher: entry.publisher,
    task: 'chat-completion',
    testModel: false,
    runtime: { deviceType: entry.device, executionProvider: entry.executionProvider },
    fileSizeMb: entry.fileSizeMb,
    modelSettings: { parameters: [] },
    alias: entry.alias,
    supportsToolCalling: entry.supportsToolCalling,
    license: entry.license,
    licenseDescription: `This model is provided under the ${entry.license} license.`,
    parentModelUri: `azureml://registries/azureml/models/${name}/versions/${version}`,
    maxOutputTokens: entry.maxOutputTokens,
    minFLVersion: null,
  };
}
