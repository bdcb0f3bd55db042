// The ChatML chat template (the Qwen/ChatML form without a default system message). Its
// "<|im_start|>" makes node-llama-cpp's resolveChatWrapper choose the ChatML format, and
// llama.cpp's own template detection recognizes it the same way.
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
