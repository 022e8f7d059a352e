// Fake upstream provider APIs for the end-to-end tests: real HTTP servers on 127.0.0.1 that answer
// like OpenAI and Anthropic, record what they received, and misbehave on request.

export { FAKE_ANTHROPIC_KEY, startFakeAnthropic } from "./fake-anthropic.js";
export { FAKE_AWS_KEY, type FakeAwsKey, type FakeSts, startFakeSts } from "./fake-aws.js";
export { BLOCKED_PROMPT, FAKE_AZURE_KEY, startFakeAzure, startFakeAzureAI } from "./fake-azure.js";
export { startFakeBedrock } from "./fake-bedrock.js";
export { FAKE_COHERE_KEY, startFakeCohere } from "./fake-cohere.js";
export { startFakeEntra } from "./fake-entra.js";
export { FAKE_GEMINI_KEY, startFakeGemini } from "./fake-gemini.js";
export { FAKE_OPENAI_KEY, startFakeOpenAI } from "./fake-openai.js";
export { startFakeSagemaker } from "./fake-sagemaker.js";
export type { Behaviour, FakeOptions, FakeUpstream, RecordedRequest } from "./fake-server.js";
export { startFakeTokenEndpoint, startFakeVertex } from "./fake-vertex.js";
