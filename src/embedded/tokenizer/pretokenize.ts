// GPT-2's pre-tokenizer: text is split into words before BPE, and merges never cross these
// boundaries. This is the regex llama.cpp applies for `tokenizer.ggml.pre = "gpt-2"`, so the
// statistics computed with our encoder are over the same tokens llama.cpp feeds the model.
// (JavaScript's \s differs from Unicode White_Space in a few rare characters, e.g. U+0085
// and U+FEFF; the corpus does not use them.)
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export function pretokenize(text: string): string[] {
  return text.match(GPT2_SPLIT) ?? [];
}
