export { trainBpe, type BpeMerges, type BpeTrainingOptions } from './bpe-trainer.ts';
export { pretokenize } from './pretokenize.ts';
export { CHATML_TEMPLATE } from './chat-template.ts';
export {
  ByteLevelBpeTokenizer,
  CONTROL_TOKENS,
  END_OF_TEXT,
  IM_END,
  IM_START,
  TokenType,
  type EncodeOptions,
} from './tokenizer.ts';
