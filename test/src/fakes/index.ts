// Fake upstream provider APIs for the end-to-end tests: real HTTP servers on 127.0.0.1 that answer
// like OpenAI and Anthropic, record what they received, and misbehave on request.

export { FAKE_ANTHROPIC_KEY, startFakeAnthropic } from "./fake-anthropic.js";
export { FAKE_AWS_KEY, type FakeAwsKey, type FakeSts, startFakeSts } from "./fake-aws.js";
export { BLOCKED_PROMPT, FAKE_AZURE_KEY, startFakeAzure, startFakeAzureAI } from "./fake-azure.js";
export { startFakeBedrock } from "./fake-bedrock.js";
export {
  cloudflareError,
  FAKE_CLOUDFLARE_ACCOUNT,
  FAKE_CLOUDFLARE_KEY,
  startFakeCloudflare,
} from "./fake-cloudflare.js";
export { FAKE_CODESTRAL_KEY, startFakeCodestral } from "./fake-codestral.js";
export { FAKE_COHERE_KEY, startFakeCohere } from "./fake-cohere.js";
export { startFakeEntra } from "./fake-entra.js";
export { FAKE_GEMINI_KEY, startFakeGemini } from "./fake-gemini.js";
export {
  FAKE_PREDIBASE_KEY,
  FAKE_PREDIBASE_TENANT,
  generateError,
  PETALS_UNKNOWN_MODEL,
  startFakePetals,
  startFakePredibase,
  startFakeTriton,
} from "./fake-generate.js";
export {
  FAKE_AUDIO,
  FAKE_MEDIA_KEYS,
  FAKE_PNG,
  FAKE_TRANSCRIPT,
  type FakeMedia,
  makeWav,
  startFakeMedia,
} from "./fake-media.js";
export {
  alephAlphaError,
  FAKE_ALEPH_ALPHA_KEY,
  FAKE_NLP_CLOUD_KEY,
  nlpCloudError,
  startFakeAlephAlpha,
  startFakeNlpCloud,
} from "./fake-nlp-aleph.js";
export { startFakeOllama } from "./fake-ollama.js";
export { FAKE_OPENAI_KEY, startFakeOpenAI } from "./fake-openai.js";
export { FAKE_REPLICATE_KEY, type FakeReplicate, replicateProblem, startFakeReplicate } from "./fake-replicate.js";
export {
  FAKE_INFINITY_KEY,
  FAKE_JINA_KEY,
  FAKE_VOYAGE_KEY,
  rankDocuments,
  startFakeInfinity,
  startFakeJina,
  startFakeVoyage,
} from "./fake-rerank.js";
export { startFakeSagemaker } from "./fake-sagemaker.js";
export type { Behaviour, FakeOptions, FakeUpstream, RecordedRequest } from "./fake-server.js";
export {
  FAKE_SNOWFLAKE_JWT,
  FAKE_SNOWFLAKE_PAT,
  type FakeSnowflakeOptions,
  snowflakeError,
  startFakeSnowflake,
} from "./fake-snowflake.js";
export { startFakeTokenEndpoint, startFakeVertex } from "./fake-vertex.js";
export { FAKE_WATSONX_KEY, FAKE_WATSONX_TOKEN, startFakeWatsonx, watsonxError } from "./fake-watsonx.js";
