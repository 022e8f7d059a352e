// Fake rerank and embeddings APIs: Jina AI (https://api.jina.ai/v1/rerank and /v1/embeddings, Cohere's rerank shape
// plus `usage`, OpenAI's embeddings shape), Voyage AI (https://api.voyageai.com/v1/rerank and /v1/embeddings, its own
// `data`/`top_k`/`output_dimension` shapes) and Infinity (self-hosted `/rerank` and `/embeddings`). Each checks its
// Bearer key, answers deterministically and fails in its own error shape (FastAPI's `{"detail": ...}`).
import {
  type FakeOptions,
  type FakeProvider,
  type FakeUpstream,
  type JsonReply,
  type RecordedRequest,
  startFake,
  textOf,
  tokens,
} from "./fake-server.js";

type Body = Record<string, unknown>;

/** Keys the fakes accept unless told otherwise. */
export const FAKE_JINA_KEY = "jina_fake0123456789";
export const FAKE_VOYAGE_KEY = "pa-fake-voyage-0123456789";
export const FAKE_INFINITY_KEY = "fake-infinity-key";

/**
 * Scores each document by the share of the query's words it contains (ties: the earlier first), so tests can tell
 * which document must rank first.
 */
export function rankDocuments(query: string, documents: readonly unknown[]): Array<{ index: number; score: number }> {
  const words = new Set(query.toLowerCase().match(/\w+/g) ?? []);
  const scored = documents.map((doc, index) => {
    const text = textOf(doc).toLowerCase().match(/\w+/g) ?? [];
    const hits = text.filter((w) => words.has(w)).length;
    return { index, score: Math.round((hits / Math.max(1, text.length)) * 1e6) / 1e6 };
  });
  return scored.sort((a, b) => b.score - a.score || a.index - b.index);
}

function detail(status: number, message: string): JsonReply {
  return { status, body: { detail: message } };
}

function deterministicVector(text: string, size: number): number[] {
  return Array.from({ length: size }, (_, i) => ((text.length + i) % 7) / 8 - 0.375);
}

function checkCommon(apiKey: string, req: RecordedRequest): { body: Body } | JsonReply {
  if (req.headers.authorization !== `Bearer ${apiKey}`) return detail(401, "Unauthorized: invalid API key");
  const body = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return detail(400, "invalid JSON body");
  return { body: body as Body };
}

function checkRerank(b: Body, topKey: string): JsonReply | undefined {
  if (typeof b.model !== "string") return detail(422, "model: field required");
  if (typeof b.query !== "string") return detail(422, "query: field required");
  if (!Array.isArray(b.documents) || b.documents.length === 0) return detail(422, "documents: field required");
  if (b[topKey] !== undefined && typeof b[topKey] !== "number") return detail(422, `${topKey}: integer expected`);
  return undefined;
}

/** A fake with both a rerank and an embeddings path, the answers chosen by body. */
function startRerankFake(
  apiKey: string,
  rerankPath: string,
  embeddingsPath: string,
  checkBody: (b: Body, path: string) => JsonReply | undefined,
  answer: (b: Body, n: number) => unknown,
): Promise<FakeUpstream> {
  const provider: FakeProvider = {
    path: rerankPath,
    serves: (path) => path === rerankPath || path === embeddingsPath,
    check: (req) => {
      const common = checkCommon(apiKey, req);
      return "status" in common ? common : checkBody(common.body, req.path);
    },
    notFound: () => detail(404, "Not Found"),
    answer,
    stream: () => {
      throw new Error("rerank and embeddings do not stream");
    },
  };
  return startFake(provider);
}

/** Cohere-shaped ranking (`results`) with `usage.total_tokens`, as Jina AI and Infinity answer. */
function cohereShaped(b: Body, n: number, withId: boolean): unknown {
  const ranked = rankDocuments(String(b.query), b.documents as unknown[]);
  const top = typeof b.top_n === "number" ? ranked.slice(0, b.top_n) : ranked;
  const total = tokens(String(b.query)) + tokens(textOf(b.documents));
  return {
    ...(withId ? { id: `infinity-fake-${n}`, object: "rerank", created: 1_700_000_000 + n } : {}),
    model: String(b.model),
    usage: { prompt_tokens: total, total_tokens: total },
    results: top.map((r) => ({
      index: r.index,
      relevance_score: r.score,
      ...(b.return_documents === true ? { document: { text: textOf((b.documents as unknown[])[r.index]) } } : {}),
    })),
  };
}

/** OpenAI-shaped embeddings, as Jina AI and Infinity answer. */
function openAIShapedEmbeddings(b: Body): unknown {
  const inputs = Array.isArray(b.input) ? b.input : [b.input];
  const size = typeof b.dimensions === "number" ? b.dimensions : 3;
  const total = inputs.reduce<number>((sum, x) => sum + tokens(textOf(x)), 0);
  return {
    model: String(b.model),
    object: "list",
    usage: { prompt_tokens: total, total_tokens: total },
    data: inputs.map((x, index) => ({ object: "embedding", index, embedding: deterministicVector(textOf(x), size) })),
  };
}

function checkEmbeddings(b: Body): JsonReply | undefined {
  if (typeof b.model !== "string") return detail(422, "model: field required");
  if (!Array.isArray(b.input) && typeof b.input !== "string") return detail(422, "input: field required");
  return undefined;
}

/** Starts a fake Jina AI API; deployments point `api_base` at `${url}/v1`. */
export function startFakeJina(options: FakeOptions = {}): Promise<FakeUpstream> {
  return startRerankFake(
    options.apiKey ?? FAKE_JINA_KEY,
    "/v1/rerank",
    "/v1/embeddings",
    (b, path) => (path === "/v1/rerank" ? checkRerank(b, "top_n") : checkEmbeddings(b)),
    (b, n) => ("query" in b ? cohereShaped(b, n, false) : openAIShapedEmbeddings(b)),
  );
}

/** Starts a fake Infinity server; deployments point `api_base` at its `url`. */
export function startFakeInfinity(options: FakeOptions = {}): Promise<FakeUpstream> {
  return startRerankFake(
    options.apiKey ?? FAKE_INFINITY_KEY,
    "/rerank",
    "/embeddings",
    (b, path) => (path === "/rerank" ? checkRerank(b, "top_n") : checkEmbeddings(b)),
    (b, n) => ("query" in b ? cohereShaped(b, n, true) : openAIShapedEmbeddings(b)),
  );
}

/** Starts a fake Voyage AI API (its own shapes: `top_k`, `data`, `output_dimension`); `api_base` is `${url}/v1`. */
export function startFakeVoyage(options: FakeOptions = {}): Promise<FakeUpstream> {
  return startRerankFake(
    options.apiKey ?? FAKE_VOYAGE_KEY,
    "/v1/rerank",
    "/v1/embeddings",
    (b, path) => {
      if (path === "/v1/rerank") return checkRerank(b, "top_k");
      if (b.encoding_format !== undefined && b.encoding_format !== "base64") {
        return detail(400, "encoding_format: must be null or 'base64'");
      }
      return checkEmbeddings(b);
    },
    (b) => {
      const total = "query" in b ? tokens(String(b.query)) + tokens(textOf(b.documents)) : tokens(textOf(b.input));
      if ("query" in b) {
        const ranked = rankDocuments(String(b.query), b.documents as unknown[]);
        const top = typeof b.top_k === "number" ? ranked.slice(0, b.top_k) : ranked;
        return {
          object: "list",
          data: top.map((r) => ({ relevance_score: r.score, index: r.index })),
          model: String(b.model),
          usage: { total_tokens: total },
        };
      }
      const inputs = Array.isArray(b.input) ? b.input : [b.input];
      const size = typeof b.output_dimension === "number" ? b.output_dimension : 3;
      return {
        object: "list",
        data: inputs.map((x, index) => ({
          object: "embedding",
          embedding: deterministicVector(textOf(x), size),
          index,
        })),
        model: String(b.model),
        usage: { total_tokens: total },
      };
    },
  );
}
