// Prompts from templates, rendered with @huggingface/jinja (the Jinja subset transformers.js uses for
// chat templates): a caller's own template with variables and few-shot examples, or the model's
// chat_template (tokenizer_config.json) over a list of messages, with the same variables
// transformers' apply_chat_template passes (messages, add_generation_prompt and the special tokens).
import { Template } from "@huggingface/jinja";

/** A template that does not parse or fails to render; the message says where. */
export class TemplateError extends Error {
  override name = "TemplateError";
}

export interface ChatMessage {
  role: string;
  content: string;
}

function render(source: string, context: Record<string, unknown>): string {
  let template: Template;
  try {
    template = new Template(source);
  } catch (error) {
    throw new TemplateError(`the template does not parse: ${(error as Error).message}`);
  }
  try {
    return template.render(context);
  } catch (error) {
    throw new TemplateError(`the template fails to render: ${(error as Error).message}`);
  }
}

/** A few-shot prompt: the template sees `examples` and each variable by name. */
export function renderPrompt(
  source: string,
  variables: Record<string, unknown> = {},
  examples: readonly Record<string, unknown>[] = [],
): string {
  return render(source, { ...variables, examples });
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "content" in value) return String(value.content);
  return undefined;
}

/** The model's chat template over `messages`, ending with the assistant's turn opened. */
export function renderChat(
  tokenizerConfig: Record<string, unknown>,
  messages: readonly ChatMessage[],
  options: { addGenerationPrompt?: boolean; variables?: Record<string, unknown> } = {},
): string {
  const template = tokenizerConfig.chat_template;
  if (typeof template !== "string") {
    throw new TemplateError("the model's tokenizer_config.json has no chat_template (a single string)");
  }
  const special: Record<string, string> = {};
  for (const key of ["bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token"]) {
    const text = tokenText(tokenizerConfig[key]);
    if (text !== undefined) special[key] = text;
  }
  return render(template, {
    ...special,
    ...options.variables,
    messages,
    add_generation_prompt: options.addGenerationPrompt ?? true,
  });
}
