// Any OpenAI-compatible endpoint (vLLM, LM Studio, a remote box, `edge-evals serve`):
// EVAL_BASE_URL and EVAL_API_KEY. edge-evals manages nothing here: it neither starts nor
// stops the server, has no cache of its models and loads nothing; the models are whatever the
// endpoint's `/models` lists. Its catalog and service capabilities only look.
import type { EvalConfig } from '../../config/env.ts';
import { RuntimeError, type CatalogEntry } from '../../contract/runtime.ts';
import { findCatalogEntry } from '../../embedded/catalog.ts';
import { closestNames } from '../../util/suggest.ts';
import { listModels, type ListedModel } from '../http.ts';
import type { LoadedModel, ModelCatalog, ModelService, RunningModel, RuntimeInfo, RuntimeWith, ServiceStatus } from '../types.ts';

export function createOpenAIRuntime(config: EvalConfig): RuntimeWith<'catalog' | 'service'> {
  return new OpenAIRuntime(config);
}

class OpenAIRuntime implements RuntimeWith<'catalog' | 'service'> {
  readonly name = 'openai' as const;

  constructor(private readonly config: EvalConfig) {}

  private get baseURL(): string {
    if (this.config.baseURL === undefined) {
      throw new RuntimeError('The openai runtime needs EVAL_BASE_URL (for example http://127.0.0.1:8000/v1).');
    }
    return this.config.baseURL.replace(/\/+$/, '');
  }

  private models(): Promise<ListedModel[]> {
    return listModels(this.baseURL, this.config.apiKey);
  }

  async detect(): Promise<RuntimeInfo> {
    const info: RuntimeInfo = { name: 'openai', installed: false, version: null };
    if (this.config.baseURL === undefined) return info;
    return { ...info, installed: await this.answers() };
  }

  readonly catalog: ModelCatalog = {
    list: async (): Promise<CatalogEntry[]> => {
      return (await this.models()).map((model) => ({ alias: model.id, modelId: model.id, source: this.baseURL, synthetic: isSynthetic(model) }));
    },
  };

  readonly service: ModelService = {
    status: async (): Promise<ServiceStatus> => {
      const running = await this.answers();
      return { running, baseURL: running ? this.baseURL : null, pid: null, startedByUs: false };
    },
    loaded: async (): Promise<LoadedModel[]> => {
      return (await this.models()).map((model) => ({ alias: model.id, modelId: model.id }));
    },
  };

  /** Nothing to start: the model must be one the endpoint lists. */
  async start(alias: string): Promise<RunningModel> {
    const model = await this.find(alias);
    return {
      alias,
      modelId: model.id,
      baseURL: this.baseURL,
      apiKey: this.config.apiKey,
      synthetic: isSynthetic(model),
      knownAnswers: isSynthetic(model) && findCatalogEntry(model.id)?.knownAnswers === true,
      downloadMs: 0,
      loadMs: 0,
      log: [`${alias} is served by ${this.baseURL} as ${model.id}`],
    };
  }

  async stop(): Promise<void> {
    // The endpoint's models are not edge-evals' to unload.
  }

  /** The server may be anywhere: no local processes to sample. */
  async processes(): Promise<number[]> {
    return [];
  }

  async dispose(): Promise<void> {
    // Nothing was started.
  }

  abandon(): void {
    // Nothing was started.
  }

  private async find(alias: string): Promise<ListedModel> {
    const models = await this.models();
    const model = models.find((candidate) => candidate.id === alias) ?? models.find((candidate) => candidate.id.toLowerCase() === alias.toLowerCase());
    if (model !== undefined) return model;
    const ids = models.map((candidate) => candidate.id);
    const close = closestNames(alias, ids);
    throw new RuntimeError(`Model '${alias}' is not served by ${this.baseURL}.`, {
      hint: close.length > 0 ? `did you mean ${close.join(', ')}?` : `it serves: ${ids.join(', ') || '(no models)'}`,
    });
  }

  private async answers(): Promise<boolean> {
    try {
      await this.models();
      return true;
    } catch {
      return false;
    }
  }

}

/** edge-evals' own server (`owned_by: edge-evals`) serving one of its synthetic models. */
function isSynthetic(model: ListedModel): boolean {
  return model.ownedBy === 'edge-evals' && findCatalogEntry(model.id)?.synthetic === true;
}
