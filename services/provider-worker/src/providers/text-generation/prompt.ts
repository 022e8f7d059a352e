// Chat messages -> one prompt string, for the text-generation APIs that take text rather than messages (Triton's
// generate extension, Predibase's LoRAX `generate`, Petals; NLP Cloud and Aleph Alpha read their messages' text with
// promptTextOf and join it their own way). Rendered as LiteLLM's prompt_factory renders them
// (litellm/litellm_core_utils/prompt_templates/factory.py): a deployment's own template (`roles`,
// `initial_prompt_value`, `final_prompt_value`, `bos_token`, `eos_token`, LiteLLM's register_prompt_template keys)
// first, then Llama-2's chat template for the model names LiteLLM gives it, else `default_pt`: the contents joined by
// one space. LiteLLM's last resort, the model's Hugging Face chat template downloaded from the Hub during the call, is
// left out on purpose: the gateway fetches nothing from the internet per request; a deployment sets a template instead.

import type { Deployment } from "@switchyard/config";
import type { llm } from "@switchyard/proto";
import { type DeploymentRef, unsupportedParam } from "../errors.js";
import { asArray, asNumber, asObject, asString, type JsonObject } from "../json.js";
import { openAIBody, otherPartTypes, textOf } from "../openai-body.js";
import type { AttemptContext } from "../types.js";

/** A chat message reduced to what a prompt template reads. */
export interface TextMessage {
  readonly role: string;
  readonly content: string;
}

/** What a template puts around one role's messages. */
interface RoleAffixes {
  readonly pre_message?: string;
  readonly post_message?: string;
}

/** LiteLLM's custom_prompt template. */
export interface PromptTemplate {
  readonly roles: Readonly<Record<string, RoleAffixes>>;
  readonly initial?: string;
  readonly final?: string;
  readonly bos?: string;
  readonly eos?: string;
}

/** LiteLLM's llama_2_chat_pt. */
const LLAMA_2_CHAT: PromptTemplate = {
  roles: {
    system: { pre_message: "[INST] <<SYS>>\n", post_message: "\n<</SYS>>\n [/INST]\n" },
    user: { pre_message: "[INST] ", post_message: " [/INST]\n" },
    assistant: { post_message: "\n" },
  },
  bos: "<s>",
  eos: "</s>",
};

/**
 * The text of message `i` of an OpenAI body. Images, audio and files, and assistant tool calls, have no place in a text
 * prompt: refused with a 400 naming the message (the caller's `drop_params` does not cover message content).
 */
export function promptTextOf(m: JsonObject, i: number, dep: DeploymentRef): string {
  const other = otherPartTypes(m.content);
  if (asArray(m.content).some((p) => asObject(p)?.type === "image_url")) other.push("image_url");
  if (other.length > 0) throw unsupportedParam(dep, `messages[${i}].content`, `part type "${other[0]}"`);
  if (asArray(m.tool_calls).length > 0) throw unsupportedParam(dep, `messages[${i}].tool_calls`);
  return textOf(m.content);
}

/** The messages of an OpenAI body as role and text (promptTextOf refuses what a prompt cannot hold). */
export function textMessagesOf(body: JsonObject, dep: DeploymentRef): TextMessage[] {
  return asArray(body.messages).map((value, i) => {
    const m = asObject(value) ?? {};
    const content = promptTextOf(m, i, dep);
    const role = m.role === "developer" ? "system" : (asString(m.role) ?? "user");
    return { role, content };
  });
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The deployment's own template, when it sets `roles` or an initial or final prompt value. */
export function customTemplateOf(params: Deployment["params"]): PromptTemplate | undefined {
  const roles = asObject(params.roles);
  const initial = text(params.initial_prompt_value);
  const final = text(params.final_prompt_value);
  if (!roles && initial === undefined && final === undefined) return undefined;
  const affixes: Record<string, RoleAffixes> = {};
  for (const [role, value] of Object.entries(roles ?? {})) {
    const o = asObject(value) ?? {};
    affixes[role] = {
      ...(text(o.pre_message) === undefined ? {} : { pre_message: text(o.pre_message) }),
      ...(text(o.post_message) === undefined ? {} : { post_message: text(o.post_message) }),
    };
  }
  return {
    roles: affixes,
    ...(initial === undefined ? {} : { initial }),
    ...(final === undefined ? {} : { final }),
    ...(text(params.bos_token) === undefined ? {} : { bos: text(params.bos_token) }),
    ...(text(params.eos_token) === undefined ? {} : { eos: text(params.eos_token) }),
  };
}

/** The model names LiteLLM's prompt_factory renders with Llama-2's chat template. */
function isLlama2Chat(model: string): boolean {
  const m = model.toLowerCase();
  return (
    (m.includes("meta-llama/llama-2") && m.includes("chat")) ||
    ((m.includes("codellama/codellama") || m.includes("togethercomputer/codellama")) && m.includes("instruct")) ||
    (m.includes("togethercomputer/llama-2") && (m.includes("instruct") || m.includes("chat")))
  );
}

/**
 * LiteLLM's custom_prompt: BOS and the initial value, then each message between its role's affixes, EOS after each
 * assistant message (and BOS again before the next system message), then the final value.
 */
export function applyTemplate(template: PromptTemplate, messages: readonly TextMessage[]): string {
  const bos = template.bos ?? "";
  let prompt = bos + (template.initial ?? "");
  let bosOpen = true;
  for (const { role, content } of messages) {
    if ((role === "system" || role === "human") && !bosOpen) {
      prompt += bos;
      bosOpen = true;
    }
    const affixes = template.roles[role] ?? {};
    prompt += (affixes.pre_message ?? "") + content + (affixes.post_message ?? "");
    if (role === "assistant") {
      prompt += template.eos ?? "";
      bosOpen = false;
    }
  }
  return prompt + (template.final ?? "");
}

/** The prompt for `messages`: the deployment's template, Llama-2's for Llama-2 chat models, else LiteLLM's default_pt. */
export function renderPrompt(messages: readonly TextMessage[], dep: Pick<Deployment, "model" | "params">): string {
  const template = customTemplateOf(dep.params) ?? (isLlama2Chat(dep.model) ? LLAMA_2_CHAT : undefined);
  if (template) return applyTemplate(template, messages);
  return messages.map((m) => m.content).join(" ");
}

/** A chat request read for a one-prompt API. */
export interface PromptRequest {
  /** The client's request as OpenAI's body, fields the API cannot take refused (or dropped under drop_params). */
  readonly body: JsonObject;
  /** The messages rendered with renderPrompt. */
  readonly prompt: string;
  /** `max_completion_tokens`, else `max_tokens`, else the API's default. */
  readonly maxTokens: number;
}

/**
 * The OpenAI body of a chat request with every field outside `handled` refused unless drop_params, `n` other than 1
 * refused, the messages rendered into one prompt, and the token limit (`defaultMaxTokens` when the request sets none).
 */
export function promptRequestOf(
  req: llm.ChatCompletionRequest,
  ctx: AttemptContext,
  handled: ReadonlySet<string>,
  defaultMaxTokens: number,
): PromptRequest {
  const body = openAIBody(req, ctx, handled);
  const dep = ctx.deployment;
  if (body.n !== undefined && body.n !== 1) throw unsupportedParam(dep, "n", "other than 1");
  const prompt = renderPrompt(textMessagesOf(body, dep), dep);
  const maxTokens = asNumber(body.max_completion_tokens) ?? asNumber(body.max_tokens) ?? defaultMaxTokens;
  return { body, prompt, maxTokens };
}
