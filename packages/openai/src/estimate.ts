// Token estimates, counted with OpenAI's o200k tokenizer (the closest public tokenizer for most chat models): the
// ingress counts a prompt before sending it, to reserve it against token limits and budgets; the provider worker
// counts attempts whose upstream reported no usage (an OpenAI-compatible server that ignores stream_options, a
// stream the client cut off) and marks their events estimated. The tokenizer's tables are loaded on first use
// only, so a process that never estimates never pays for them.

import type { llm } from "@switchyard/proto";

type CountTokens = (text: string) => number;
let counter: Promise<CountTokens> | undefined;

/** The tokenizer's counting function, loaded once. */
function tokenizer(): Promise<CountTokens> {
  counter ??= import("gpt-tokenizer").then((m) => (text: string) => m.countTokens(text));
  return counter;
}

/**
 * Loads the tokenizer's tables now rather than on the first count, so the first stream cut short does not wait for
 * them (a worker calls this at start-up). Counting one word also builds the encoder's lazy state.
 */
export async function warmTokenizer(): Promise<void> {
  (await tokenizer())("warm");
}

/** Tokens OpenAI's chat format adds around every message and before the reply. */
const PER_MESSAGE = 3;
const REPLY_PRIMER = 3;
/** A flat per-image estimate (OpenAI's low-detail image cost); the real count depends on the image size. */
const PER_IMAGE = 85;

/** The texts of a message that the model reads, in order. */
function* messageTexts(message: llm.Message): Generator<string> {
  if (message.name) yield message.name;
  if (message.content.case === "text") yield message.content.value;
  else if (message.content.case === "parts") {
    for (const part of message.content.value.parts) {
      if (part.part.case === "text" || part.part.case === "refusal") yield part.part.value;
    }
  }
  if (message.refusal) yield message.refusal;
  for (const call of message.toolCalls) {
    if (call.function) yield `${call.function.name}${call.function.arguments}`;
  }
}

function imageParts(message: llm.Message): number {
  if (message.content.case !== "parts") return 0;
  return message.content.value.parts.filter((p) => p.part.case === "imageUrl").length;
}

/** Estimates the prompt tokens of a chat request: messages, images and tool definitions. */
export async function estimatePromptTokens(request: llm.ChatCompletionRequest): Promise<number> {
  const count = await tokenizer();
  let tokens = REPLY_PRIMER;
  for (const message of request.messages) {
    tokens += PER_MESSAGE + PER_IMAGE * imageParts(message);
    for (const text of messageTexts(message)) tokens += count(text);
  }
  for (const tool of request.tools) {
    if (tool.function) {
      tokens += count(`${tool.function.name}${tool.function.description ?? ""}${tool.function.parametersJson}`);
    }
  }
  return tokens;
}

/** Estimates the tokens of generated text (content, reasoning and tool-call arguments joined). */
export async function estimateTextTokens(texts: readonly string[]): Promise<number> {
  if (texts.length === 0) return 0;
  const count = await tokenizer();
  return count(texts.join(""));
}
